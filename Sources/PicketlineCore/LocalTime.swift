import Foundation
import Synchronization

/// A time as people read it, in an action's own zone: "Sat 8 Jan 2022 12:00 GMT". The command
/// line and the chat posts write times this one way.
public enum LocalTime {
    /// "Fri 8 Jul 2022 12:00 BST", "Sun 1 Mar 2026 09:00 EST", "Sat 8 Jan 2022 18:00 GMT+6".
    public static func string(_ date: Date, in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "EEE d MMM yyyy HH:mm"
        return formatter.string(from: date) + " " + abbreviation(of: zone, at: date)
    }

    /// The zone's everyday name at `date` where English has one, else its offset from GMT.
    ///
    /// Which abbreviations are "commonly used" is decided per locale: British English has BST,
    /// CET and CEST but writes New York as GMT-5, American English has EST and PDT but writes
    /// London in summer as GMT+1. The British name is taken first, then the American one; a zone
    /// with neither (Almaty, say) keeps its offset, which is never wrong.
    public static func abbreviation(of zone: TimeZone, at date: Date) -> String {
        // Foundation reads "UTC" as the zone "GMT", and ICU names it GMT: a zone that is UTC all
        // year (not London, which is GMT only in winter) says UTC.
        if ["GMT", "UTC", "Etc/GMT", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu"]
            .contains(zone.identifier) { return "UTC" }
        // A listing names the same zone and offset row after row: asked of ICU once each.
        let key = "\(zone.identifier) \(zone.secondsFromGMT(for: date)) \(zone.isDaylightSavingTime(for: date))"
        if let known = names.withLock({ $0[key] }) { return known }
        let name = lookUp(zone, at: date)
        names.withLock { $0[key] = name }
        return name
    }

    private static let names = Mutex<[String: String]>([:])

    private static func lookUp(_ zone: TimeZone, at date: Date) -> String {
        var offsetOnly = ""
        for locale in ["en_GB", "en_US"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: locale)
            formatter.timeZone = zone
            formatter.dateFormat = "zzz"
            let name = formatter.string(from: date)
            let isOffset = name.hasPrefix("GMT+") || name.hasPrefix("GMT-") || name.hasPrefix("UTC+") || name.hasPrefix("UTC-")
            if !isOffset { return name }
            if offsetOnly.isEmpty { offsetOnly = name }
        }
        return offsetOnly
    }
}

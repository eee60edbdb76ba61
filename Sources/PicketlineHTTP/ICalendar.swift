import Foundation
import PicketlineCore

/// Writes actions as an RFC 5545 calendar: UTC times (which every client accepts), stable UIDs,
/// SEQUENCE from the action's revision, escaped text, lines folded at 75 octets, CRLF endings.
struct ICalendar {
    /// The service's base URL; its host makes UIDs globally unique.
    var host: String
    var name: String

    func render(_ actions: [Action], showAddress: (Action) -> Bool) -> String {
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Picketline//Picketline \(PicketlineVersion.current)//EN",
                     "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:\(Self.escape(name))"]
        let domain = URL(string: host)?.host ?? "picketline.invalid"
        for action in actions {
            let location = showAddress(action) ? action.location : action.location.publicView
            lines += ["BEGIN:VEVENT",
                      "UID:action-\(action.id)@\(domain)",
                      "DTSTAMP:\(Self.utc(action.updatedAt))",
                      "DTSTART:\(Self.utc(action.startsAt))"]
            if let end = action.endsAt { lines.append("DTEND:\(Self.utc(end))") }
            lines.append("SUMMARY:\(Self.escape(action.title))")
            var description = [action.description, action.target.map { "Target: \($0)" }].compactMap { $0 }.joined(separator: "\n\n")
            if !location.isPublic { description += (description.isEmpty ? "" : "\n\n") + "The exact address will be shared by the organisers." }
            if !description.isEmpty { lines.append("DESCRIPTION:\(Self.escape(description))") }
            if !location.summary.isEmpty { lines.append("LOCATION:\(Self.escape(location.summary))") }
            if let latitude = location.latitude, let longitude = location.longitude {
                lines.append("GEO:\(latitude);\(longitude)")
            }
            lines += ["STATUS:\(action.status.rawValue.uppercased())",
                      "SEQUENCE:\(action.revision)",
                      "CREATED:\(Self.utc(action.createdAt))",
                      "LAST-MODIFIED:\(Self.utc(action.updatedAt))",
                      "CATEGORIES:\(action.kind.rawValue.uppercased())"]
            if let url = action.sourceURL { lines.append("URL:\(url)") }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(Self.fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20220108T120000Z`.
    static func utc(_ date: Date) -> String {
        let civil = CivilDateTime(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)))
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", civil.year, civil.month, civil.day, civil.hour, civil.minute, civil.second)
    }

    /// TEXT escaping (RFC 5545 §3.3.11): a line break of any kind (CRLF, LF, or a CR alone)
    /// becomes `\n`; the other control characters TEXT may not hold (all but tab) are dropped.
    static func escape(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var afterCR = false
        for scalar in text.unicodeScalars {
            defer { afterCR = scalar == "\r" }
            switch scalar {
            case "\\": result.append(contentsOf: "\\\\".unicodeScalars)
            case ";": result.append(contentsOf: "\\;".unicodeScalars)
            case ",": result.append(contentsOf: "\\,".unicodeScalars)
            case "\r": result.append(contentsOf: "\\n".unicodeScalars)
            case "\n": if !afterCR { result.append(contentsOf: "\\n".unicodeScalars) }
            case "\t": result.append(scalar)
            default: if scalar.value >= 0x20 && scalar.value != 0x7F { result.append(scalar) }
            }
        }
        return String(result)
    }

    /// Folds a content line at 75 octets without splitting a UTF-8 sequence (RFC 5545 §3.1). It
    /// counts Unicode scalars, not characters: a letter carrying many combining marks is one
    /// character of any length, and may be split between its marks.
    static func fold(_ line: String) -> String {
        var result = String.UnicodeScalarView()
        var octets = 0
        for scalar in line.unicodeScalars {
            let size = UTF8.width(scalar)
            if octets + size > 75 {
                result.append(contentsOf: "\r\n ".unicodeScalars)
                octets = 1
            }
            result.append(scalar)
            octets += size
        }
        return String(result)
    }
}


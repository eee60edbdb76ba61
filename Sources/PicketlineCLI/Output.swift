import Foundation
import PicketlineCore

/// Writes what commands print: aligned text tables for people, JSON for scripts.
enum Output {
    static func line(_ text: String = "") {
        print(text)
    }

    /// `error: <field>: <reason>`, as the README says: a refusal names what it is about, as the
    /// API's `field` does (`error: campaign: "nope" not found`, `error: signature: … withdrawn`).
    static func error(_ error: PicketlineError) {
        var message: String
        switch error {
        case .invalid: message = "error: \(error.message)"
        case .notFound(let entity, let reference): message = "error: \(entity): \(reference.debugDescription) not found"
        case .conflict(let field, let reason): message = "error: " + (field.map { "\($0): " } ?? "") + reason
        case .unavailable(let detail): message = "error: \(error.message)\n  detail: \(detail)"
        }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func warning(_ text: String) {
        FileHandle.standardError.write(Data(("warning: " + text + "\n").utf8))
    }

    /// A time as people type it, local ones read in `zone`; says so on stderr when the clocks
    /// skip or repeat it that night (`LocalTimeParser.note`).
    static func localTime(_ text: String, in zone: TimeZone, field: String) throws -> Date {
        let instant = try LocalTimeParser.instant(text, in: zone, field: field)
        if let note = LocalTimeParser.note(text, instant: instant, in: zone) { warning("\(field): \(note)") }
        return instant
    }

    static func json<T: Encodable>(_ value: T) throws {
        print(try PicketlineJSON.string(value, pretty: true))
    }

    /// Prints rows under headers, columns padded to their widest cell.
    static func table(_ headers: [String], _ rows: [[String]]) {
        guard !rows.isEmpty else { print("(none)"); return }
        var widths = headers.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func render(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(render(headers))
        for row in rows { print(render(row)) }
    }

    /// An action's title in a listing, marked when the action is private: admins see private
    /// actions beside public ones, and a listing copied into a public post must not carry one
    /// unmarked (found by QA).
    static func title(_ action: Action) -> String {
        action.visibility == .private ? "\(action.title) [private]" : action.title
    }

    /// "Sat 8 Jan 2022 12:00 GMT" in the given zone, as chat posts write it (`LocalTime`).
    static func time(_ date: Date, in zone: TimeZone) -> String {
        LocalTime.string(date, in: zone)
    }

    /// Key/value lines for a show command.
    static func fields(_ pairs: [(String, String?)]) {
        let width = pairs.map(\.0.count).max() ?? 0
        for (key, value) in pairs {
            guard let value, !value.isEmpty else { continue }
            print((key + ":").padding(toLength: width + 2, withPad: " ", startingAt: 0) + value)
        }
    }
}

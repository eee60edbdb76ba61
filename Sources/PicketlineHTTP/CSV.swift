import Foundation

/// RFC 4180 CSV: CRLF line ends, fields with commas, quotes or line breaks quoted, quotes doubled.
///
/// Names and affiliations come from the public (RSVPs, signatures), and organisers open these
/// files in spreadsheets: a field that a spreadsheet would read as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises, unless it is
/// a phone number: a `+` and then only digits, spaces, dots, dashes and brackets (+44 7700 900123).
/// Sums such as `-2+3` or `+5+5` are neutralised too: a spreadsheet would show 1 and 10.
enum CSV {
    static func render(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map { quote(neutralised($0)) }.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func neutralised(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), !isPhoneNumber(field) else { return field }
        return "'" + field
    }

    static func isPhoneNumber(_ field: String) -> Bool {
        let scalars = field.unicodeScalars
        return scalars.first == "+" && scalars.count > 1
            && scalars.dropFirst().allSatisfy({ "0123456789-(). ".unicodeScalars.contains($0) })
            && scalars.contains(where: { ("0"..."9").contains($0) })
    }

    static func quote(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

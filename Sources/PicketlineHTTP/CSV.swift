import Foundation

/// RFC 4180 CSV: CRLF line ends, fields with commas, quotes or line breaks quoted, quotes doubled.
///
/// Names and affiliations come from the public (RSVPs, signatures), and organisers open these
/// files in spreadsheets: a field that a spreadsheet would read as a formula (starting with `=`,
/// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises, unless it is
/// only digits, signs, spaces, dots and brackets (a phone number such as +44 7700 900123).
enum CSV {
    static func render(header: [String], rows: [[String]]) -> String {
        ([header] + rows).map { $0.map { quote(neutralised($0)) }.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func neutralised(_ field: String) -> String {
        guard let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
              !field.unicodeScalars.allSatisfy({ "0123456789+-(). ".unicodeScalars.contains($0) }) else { return field }
        return "'" + field
    }

    static func quote(_ field: String) -> String {
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

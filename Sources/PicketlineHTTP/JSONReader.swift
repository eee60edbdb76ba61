import Foundation

/// Reads a request body as JSON (RFC 8259, in UTF-8, strictly: no comments, no trailing commas),
/// into the values `JSONSerialization` gives: `String`, `NSNumber` (a boolean as
/// `NSNumber(value: Bool)`), `NSNull`, `[Any]` and `[String: Any]`, so that `JSONObject` and the
/// schema check see no difference. It reads the bytes where they lie, without `Data` and
/// Foundation's parser, whose work and `NSDictionary` were a visible part of every RSVP.
struct JSONReader {
    struct Invalid: Error {}

    /// Deeper nesting than any body of this API needs is refused rather than recursed into.
    static let maximumDepth = 64

    // The two booleans, made once (an NSNumber is immutable).
    private static let yes = NSNumber(value: true)
    private static let no = NSNumber(value: false)

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The one value in `bytes`, surrounded by nothing but whitespace.
    static func value(in bytes: UnsafeRawBufferPointer) throws -> Any {
        var reader = JSONReader(bytes)
        let value = try reader.readValue(depth: 0)
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw Invalid() }
        return value
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard current == byte else { throw Invalid() }
        index += 1
    }

    private mutating func readValue(depth: Int) throws -> Any {
        guard depth <= Self.maximumDepth else { throw Invalid() }
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"): return try readObject(depth: depth)
        case UInt8(ascii: "["): return try readArray(depth: depth)
        case UInt8(ascii: "\""): return try readString()
        case UInt8(ascii: "t"): try readLiteral("true"); return Self.yes
        case UInt8(ascii: "f"): try readLiteral("false"); return Self.no
        case UInt8(ascii: "n"): try readLiteral("null"); return NSNull()
        case .some(let byte) where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte):
            return try readNumber()
        default: throw Invalid()
        }
    }

    private mutating func readLiteral(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw Invalid() }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw Invalid() }
        index += count
    }

    private mutating func readObject(depth: Int) throws -> [String: Any] {
        index += 1  // {
        var object: [String: Any] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return object }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw Invalid() }
            let key = try readString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            // A repeated key keeps its last value, as JSONSerialization does.
            object[key] = try readValue(depth: depth + 1)
            skipWhitespace()
            guard let byte = current else { throw Invalid() }
            index += 1
            if byte == UInt8(ascii: "}") { return object }
            guard byte == UInt8(ascii: ",") else { throw Invalid() }
        }
    }

    private mutating func readArray(depth: Int) throws -> [Any] {
        index += 1  // [
        var array: [Any] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return array }
        while true {
            array.append(try readValue(depth: depth + 1))
            skipWhitespace()
            guard let byte = current else { throw Invalid() }
            index += 1
            if byte == UInt8(ascii: "]") { return array }
            guard byte == UInt8(ascii: ",") else { throw Invalid() }
        }
    }

    private mutating func readString() throws -> String {
        index += 1  // opening quote
        let start = index
        // The common case: no escapes, so the text is the bytes themselves.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw Invalid() }
            index += 1
        }
        guard let stop = current else { throw Invalid() }
        var text = try Self.text(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        if stop == UInt8(ascii: "\"") { index += 1; return text }
        // Escapes: the rest is assembled piece by piece.
        var pending: [UInt8] = []
        while true {
            guard let byte = current else { throw Invalid() }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                text += try Self.text(pending.withUnsafeBytes { $0 })
                return text
            case UInt8(ascii: "\\"):
                guard let escape = current else { throw Invalid() }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): pending.append(escape)
                case UInt8(ascii: "b"): pending.append(0x08)
                case UInt8(ascii: "f"): pending.append(0x0C)
                case UInt8(ascii: "n"): pending.append(0x0A)
                case UInt8(ascii: "r"): pending.append(0x0D)
                case UInt8(ascii: "t"): pending.append(0x09)
                case UInt8(ascii: "u"): pending.append(contentsOf: try readUnicodeEscape())
                default: throw Invalid()
                }
            case 0..<0x20: throw Invalid()
            default: pending.append(byte)
            }
        }
    }

    /// After `\u`: four hex digits, or a surrogate pair as two escapes; the scalar in UTF-8.
    private mutating func readUnicodeEscape() throws -> String.UTF8View {
        let first = try readHex4()
        var scalar: Unicode.Scalar?
        if (0xD800..<0xDC00).contains(first) {
            guard bytes.count - index >= 2, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                throw Invalid()
            }
            index += 2
            let second = try readHex4()
            guard (0xDC00..<0xE000).contains(second) else { throw Invalid() }
            scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
        } else {
            scalar = Unicode.Scalar(first)  // nil for a lone low surrogate
        }
        guard let scalar else { throw Invalid() }
        return String(Character(scalar)).utf8
    }

    private mutating func readHex4() throws -> UInt32 {
        guard bytes.count - index >= 4 else { throw Invalid() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Invalid()
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// Valid UTF-8 as a string; anything else is not JSON.
    private static func text(_ bytes: UnsafeRawBufferPointer) throws -> String {
        // ASCII (most keys, names and addresses) needs no validating, and `String(validating:)`
        // reaches its UTF-8 check through generic code that looks up type metadata on every call.
        if !bytes.contains(where: { $0 >= 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw Invalid() }
        return text
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`: an integer that fits in 64 bits as
    /// one (signed, else unsigned, as Foundation reads it), anything else as a double.
    private mutating func readNumber() throws -> NSNumber {
        let start = index
        var integral = true
        if current == UInt8(ascii: "-") { index += 1 }
        guard let lead = current, isDigit(lead) else { throw Invalid() }
        index += 1
        if lead != UInt8(ascii: "0") { skipDigits() }
        if current == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard let digit = current, isDigit(digit) else { throw Invalid() }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            integral = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard let digit = current, isDigit(digit) else { throw Invalid() }
            skipDigits()
        }
        let literal = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if integral, let integer = Int64(literal) { return NSNumber(value: integer) }
        if integral, let integer = UInt64(literal) { return NSNumber(value: integer) }
        guard let double = Double(literal), double.isFinite else { throw Invalid() }
        return NSNumber(value: double)
    }

    private func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { index += 1 }
    }
}

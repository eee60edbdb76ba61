/// Writes a JSON object field by field, in the form `PicketlineJSON` gives (compact, no escaped
/// slashes); the caller adds the fields in sorted key order and leaves out nil ones, as the
/// encoder does. For the few small objects on the RSVP path, where `JSONEncoder` was about 10 %
/// of the CPU; `JSONObjectWriterTests` holds each use to the encoder's output.
public struct JSONObjectWriter {
    private var bytes: [UInt8]
    private var empty = true

    public init(capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ key: StaticString) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    public mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        Self.appendQuoted(value, to: &bytes)
    }

    public mutating func field(_ name: StaticString, _ value: Int64?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func field(_ name: StaticString, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A nested object, already written.
    public mutating func field(_ name: StaticString, object: JSONObjectWriter) {
        key(name)
        bytes.append(contentsOf: object.finished())
    }

    private func finished() -> [UInt8] { bytes + [UInt8(ascii: "}")] }

    public var string: String { String(decoding: finished(), as: UTF8.self) }

    /// Lower-case hex digits by value.
    @usableFromInline static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The `count` lowest hex digits of `value`, most significant first, in lower case, one byte
    /// at a time (event ids, request ids).
    @inlinable public static func forEachHexDigit(of value: UInt64, count: Int, _ body: (UInt8) -> Void) {
        for shift in stride(from: (count - 1) * 4, through: 0, by: -4) {
            body(hexDigits[Int((value >> UInt64(shift)) & 0x0F)])
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped the way
    /// Foundation's encoder does; everything else (slashes, non-ASCII) as it is.
    static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                bytes.append(contentsOf: Array("\\u00".utf8))
                forEachHexDigit(of: UInt64(byte), count: 2) { bytes.append($0) }
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

import Foundation
import Testing
@testable import PicketlineCore

/// `JSONObjectWriter` must give exactly the text `PicketlineJSON` gives, or the outbox and the
/// API would carry two spellings of the same value.
@Suite struct JSONObjectWriterTests {
    struct Sample: Encodable {
        var name: String
        var note: String?
        var count: Int64
        var flag: Bool
    }

    static let awkward = [
        "", "plain", "quote \" and backslash \\ and slash /", "Zoë, 東京, emoji 🪧", "line\nbreak\r\ttab",
        String((0..<32).map { Character(Unicode.Scalar(UInt8($0))) }), "\u{7F} delete \u{2028} separator \u{2029}",
    ]

    @Test(arguments: awkward)
    func stringsAreEscapedAsTheEncoderEscapesThem(text: String) throws {
        var writer = JSONObjectWriter()
        writer.field("count", Int64(-42))
        writer.field("flag", true)
        writer.field("name", text)
        writer.field("note", Optional<String>.none)
        #expect(writer.string == (try PicketlineJSON.string(Sample(name: text, note: nil, count: -42, flag: true))))
    }

    @Test func nestedObjectsAndEmptyOnes() throws {
        struct Outer: Encodable { var inner: Sample; var last: String? }
        var inner = JSONObjectWriter()
        inner.field("count", Int64.max)
        inner.field("flag", false)
        inner.field("name", "n")
        inner.field("note", "x")
        var outer = JSONObjectWriter()
        outer.field("inner", object: inner)
        outer.field("last", "z")
        #expect(outer.string == (try PicketlineJSON.string(Outer(inner: Sample(name: "n", note: "x", count: .max, flag: false), last: "z"))))
        #expect(JSONObjectWriter().string == "{}")
    }
}

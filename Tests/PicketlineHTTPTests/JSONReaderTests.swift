import Foundation
import Testing
@testable import PicketlineHTTP

/// The body reader against Foundation's `JSONSerialization`, which it replaced: the same values
/// (and value types) for valid JSON, a refusal for what is not JSON.
@Suite struct JSONReaderTests {
    static let valid = [
        #"{"name":"Ada","email":"ada@example.org","consent_to_contact":true}"#,
        #"  { "a" : [ 1 , -2 , 3.5 , 1e3 , -0.25E-2 , 0 , -0 ] , "b" : { } , "c" : [ ] , "d" : null , "e" : false }  "#,
        #"{"escaped":"quote \" backslash \\ slash \/ \b\f\n\r\t","unicode":"caf\u00e9 \u263A \ud83d\ude00 Zoë ✊"}"#,
        #"{"big":12345678901234567890,"max":9223372036854775807,"min":-9223372036854775808,"fraction":0.1}"#,
        #"{"nested":{"deeper":{"list":[{"x":1},[true,false,null]]}}}"#,
        #"{"dup":1,"dup":2}"#,
        #"[1,"two",{"three":3}]"#, #""text""#, "42", "true", "null",
    ]

    static let invalid = [
        "", " ", "{", "}", #"{"a":1,}"#, "[1,]", #"{"a" 1}"#, #"{a:1}"#, "{'a':1}", #"{"a":01}"#, #"{"a":1.}"#,
        #"{"a":.5}"#, #"{"a":1e}"#, #"{"a":+1}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":"x"} x"#, #"{"a":"\x"}"#,
        #"{"a":"\u12"}"#, #"{"a":"\ud83d"}"#, #"{"a":"\ude00"}"#, "{\"a\":\"tab\tinside\"}", #"{"a":NaN}"#,
        #"{"a":1e999}"#, "[" + String(repeating: "[", count: 100) + String(repeating: "]", count: 101),
    ]

    private func read(_ text: String) -> Any? {
        var text = text
        return text.withUTF8 { bytes in try? JSONReader.value(in: UnsafeRawBufferPointer(bytes)) }
    }

    private func foundation(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    @Test(arguments: valid)
    func validJSONReadsAsFoundationReadsIt(_ text: String) throws {
        let ours = try #require(read(text))
        let theirs = try #require(foundation(text))
        let options: JSONSerialization.WritingOptions = [.sortedKeys, .fragmentsAllowed]
        let written = try JSONSerialization.data(withJSONObject: ours, options: options)
        #expect(written == (try JSONSerialization.data(withJSONObject: theirs, options: options)),
                "\(String(decoding: written, as: UTF8.self))")
        // Booleans stay booleans and numbers numbers, which the schema check tells apart.
        if let object = ours as? [String: Any], let reference = theirs as? [String: Any] {
            for (key, value) in object {
                #expect(isJSONBoolean(value) == isJSONBoolean(reference[key]!), "\(key)")
            }
        }
    }

    @Test(arguments: invalid)
    func whatIsNotJSONIsRefused(_ text: String) {
        #expect(read(text) == nil, "\(text)")
    }

    @Test func invalidUTF8IsRefused() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(bytes.withUnsafeBytes { try? JSONReader.value(in: $0) } == nil)
    }

    @Test func valuesHaveTheTypesTheAccessorsRead() throws {
        let object = try #require(read(#"{"s":"x","i":3,"d":2.5,"b":true,"n":null,"l":["a","b"]}"#) as? [String: Any])
        let json = JSONObject(object, path: "")
        #expect(json.string("s") == "x" && json.int("i") == 3 && json.double("d") == 2.5 && json.bool("b") == true)
        #expect(json.isNull("n") && json.strings("l") == ["a", "b"] && json.bool("i") == nil && json.int("b") == nil)
    }
}

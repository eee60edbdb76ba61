import Foundation
import Hummingbird
import NIOCore
import PicketlineCore

/// JSON in and out. Request bodies are read as untyped JSON objects and checked against the
/// route's `BodySchema`, so that an unknown field, a missing one or a wrong type gets a 400
/// naming the field, and so that the OpenAPI document is generated from the same schema.
enum JSONBody {
    /// A response with a JSON body encoded with the project's conventions.
    static func response<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) throws -> Response {
        let data = try PicketlineJSON.encoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A response with a JSON body already written.
    static func response(_ status: HTTPResponse.Status, json: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: json)))
    }

    /// A response with a text body of the given media type.
    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok, filename: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        if let filename { headers[.contentDisposition] = "attachment; filename=\"\(filename)\"" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// Reads the body (up to `limit` bytes) as a JSON object and validates it against `schema`.
    static func object(_ request: Request, limit: Int, schema: BodySchema) async throws -> JSONObject {
        var request = request
        // Announced too large: answered now, not after waiting for bytes that may never come.
        // (The first field read directly: the subscript joins repeated fields through a generic
        // lazy sequence, nearly 1 % of serve's CPU per RSVP.)
        if let length = request.headers.first(where: { $0.name == .contentLength }).flatMap({ Int($0.value) }), length > limit {
            throw APIError.tooLarge
        }
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: limit) } catch is NIOTooManyBytesError { throw APIError.tooLarge }
        guard buffer.readableBytes > 0 else {
            // No body where nothing is required (a cancel without a reason) is the empty object.
            guard schema.fields.contains(where: \.required) else { return JSONObject([:], path: "") }
            throw APIError.badRequest(nil, "the request needs a JSON object body")
        }
        let parsed: Any
        do { parsed = try buffer.withUnsafeReadableBytes { try JSONReader.value(in: $0) } } catch {
            throw APIError.badRequest(nil, "the body is not valid JSON")
        }
        guard let dictionary = parsed as? [String: Any] else { throw APIError.badRequest(nil, "the body must be a JSON object") }
        let object = JSONObject(dictionary, path: "")
        try object.validate(schema)
        return object
    }
}

/// A JSON object from a request, with typed accessors that fail with the field's name.
struct JSONObject: @unchecked Sendable {
    // Holds only JSONSerialization output (NSString, NSNumber, NSArray, NSDictionary, NSNull),
    // never mutated after init: safe to share.
    let values: [String: Any]
    let path: String

    init(_ values: [String: Any], path: String) {
        self.values = values; self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Whether the key is present (even as null).
    func has(_ key: String) -> Bool { values[key] != nil }
    /// Whether the key is present with an explicit null.
    func isNull(_ key: String) -> Bool { values[key] is NSNull }

    func string(_ key: String) -> String? { values[key] as? String }
    func bool(_ key: String) -> Bool? { (values[key] as? NSNumber).flatMap { isJSONBoolean($0) ? $0.boolValue : nil } }
    func int(_ key: String) -> Int? {
        guard let number = values[key] as? NSNumber, !isJSONBoolean(number) else { return nil }
        return number.doubleValue.rounded() == number.doubleValue ? number.intValue : nil
    }
    func double(_ key: String) -> Double? {
        guard let number = values[key] as? NSNumber, !isJSONBoolean(number) else { return nil }
        return number.doubleValue
    }
    func strings(_ key: String) -> [String]? { values[key] as? [String] }
    func object(_ key: String) -> JSONObject? { (values[key] as? [String: Any]).map { JSONObject($0, path: name(key)) } }

    func required(_ key: String) throws -> String {
        guard let value = string(key) else { throw APIError.badRequest(name(key), "\(name(key)): is required") }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let raw = string(key) else { return nil }
        guard let value = T(rawValue: raw) else {
            throw APIError.badRequest(name(key), "\(name(key)): \(raw.debugDescription) is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// Checks required fields, unknown fields and JSON types against a schema (the same check
    /// the OpenAPI tests apply to responses); throws a 400 naming the field.
    func validate(_ schema: BodySchema) throws {
        if let problem = schema.problem(values, path: path, components: componentSchemas) {
            throw APIError.badRequest(problem.field, problem.message)
        }
    }
}

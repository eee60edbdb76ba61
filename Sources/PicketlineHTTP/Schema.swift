import Foundation
import PicketlineCore

/// A JSON Schema subset, used three ways from one definition: to validate request bodies,
/// to write the OpenAPI document, and (in tests) to check that responses match the document.
indirect enum Schema: Sendable {
    case string(format: String? = nil, pattern: String? = nil)
    case enumeration([String])
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    case number
    case boolean
    case array(Schema)
    case object(BodySchema)
    /// A named schema in `components/schemas`.
    case reference(String)

    /// What is wrong with `value`, or nil. `components` resolves references.
    func problem(_ value: Any, name: String, components: [String: Schema]) -> SchemaProblem? {
        func at(_ message: String) -> SchemaProblem { SchemaProblem(field: name, message: message) }
        // Asked only where a number may be one: casting a string to NSNumber on the way costs
        // more than the rest of its check.
        var isBool: Bool { isJSONBoolean(value) }
        switch self {
        case .string(let format, _):
            guard let text = value as? String else { return at("\(name): must be a string") }
            if format == "date-time", RFC3339.date(from: text) == nil {
                return at("\(name): \(text.debugDescription) is not an RFC 3339 time such as 2026-12-05T12:00:00Z")
            }
            return nil
        case .enumeration(let allowed):
            guard let text = value as? String else { return at("\(name): must be one of: \(allowed.joined(separator: ", "))") }
            return allowed.contains(text) ? nil : at("\(name): \(text.debugDescription) is not one of: \(allowed.joined(separator: ", "))")
        case .integer(let minimum, let maximum):
            guard let number = value as? NSNumber, !isBool, number.doubleValue.rounded() == number.doubleValue,
                  abs(number.doubleValue) < 9e15 else { return at("\(name): must be an integer") }
            if let minimum, number.intValue < minimum { return at("\(name): must be at least \(minimum)") }
            if let maximum, number.intValue > maximum { return at("\(name): must be at most \(maximum)") }
            return nil
        case .number:
            return value is NSNumber && !isBool ? nil : at("\(name): must be a number")
        case .boolean:
            return isBool ? nil : at("\(name): must be true or false")
        case .array(let items):
            guard let array = value as? [Any] else { return at("\(name): must be an array") }
            for (index, item) in array.enumerated() {
                if let problem = items.problem(item, name: "\(name)[\(index)]", components: components) { return problem }
            }
            return nil
        case .object(let schema):
            guard let object = value as? [String: Any] else { return at("\(name): must be an object") }
            return schema.problem(object, path: name, components: components)
        case .reference(let reference):
            guard let resolved = components[reference] else { return nil }
            return resolved.problem(value, name: name, components: components)
        }
    }

    /// The OpenAPI 3.1 (JSON Schema 2020-12) form.
    func openAPI(nullable: Bool = false, description: String? = nil) -> [String: Any] {
        var result: [String: Any]
        switch self {
        case .string(let format, let pattern):
            result = ["type": "string"]
            if let format { result["format"] = format }
            if let pattern { result["pattern"] = pattern }
        case .enumeration(let values): result = ["type": "string", "enum": values]
        case .integer(let minimum, let maximum):
            result = ["type": "integer"]
            if let minimum { result["minimum"] = minimum }
            if let maximum { result["maximum"] = maximum }
        case .number: result = ["type": "number"]
        case .boolean: result = ["type": "boolean"]
        case .array(let items): result = ["type": "array", "items": items.openAPI()]
        case .object(let schema): result = schema.openAPI()
        case .reference(let name):
            let ref: [String: Any] = ["$ref": "#/components/schemas/\(name)"]
            if nullable { return ["oneOf": [ref, ["type": "null"]]] }
            return ref
        }
        if nullable, let type = result["type"] as? String { result["type"] = [type, "null"] }
        if nullable, result["enum"] != nil { result["enum"] = (result["enum"] as! [String]) as [Any] + [NSNull()] }
        if let description { result["description"] = description }
        return result
    }
}

/// One property of an object schema.
struct SchemaField: Sendable {
    var name: String
    var schema: Schema
    var required = false
    var nullable = false
    var description: String?
}

/// What a schema found wrong: the field (dotted path, `[i]` for items) and a message naming it.
struct SchemaProblem: Equatable, Sendable {
    var field: String
    var message: String
}

/// JSONSerialization gives booleans as NSNumber too; only they report the C type "c".
func isJSONBoolean(_ value: Any) -> Bool {
    guard let type = (value as? NSNumber)?.objCType else { return false }
    return type[0] == CChar(UInt8(ascii: "c")) && type[1] == 0
}

/// An object schema: its fields, closed to others.
struct BodySchema: Sendable {
    var fields: [SchemaField]

    init(_ fields: [SchemaField]) { self.fields = fields }

    func field(_ name: String) -> SchemaField? { fields.first { $0.name == name } }

    /// The first thing wrong with `object` (unknown, missing, null or mistyped field), or nil.
    func problem(_ object: [String: Any], path: String, components: [String: Schema]) -> SchemaProblem? {
        func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
        // The first unknown field in key order, so that the answer does not depend on hashing;
        // the keys are sorted only when there is one.
        if object.keys.contains(where: { field($0) == nil }), let key = object.keys.sorted().first(where: { field($0) == nil }) {
            return SchemaProblem(field: name(key), message: "\(name(key)): unknown field; allowed: \(fields.map(\.name).joined(separator: ", "))")
        }
        for field in fields {
            guard let value = object[field.name] else {
                if field.required { return SchemaProblem(field: name(field.name), message: "\(name(field.name)): is required") }
                continue
            }
            if value is NSNull {
                if !field.nullable { return SchemaProblem(field: name(field.name), message: "\(name(field.name)): must not be null") }
                continue
            }
            if let problem = field.schema.problem(value, name: name(field.name), components: components) { return problem }
        }
        return nil
    }

    func openAPI() -> [String: Any] {
        var properties: [String: Any] = [:]
        for field in fields {
            properties[field.name] = field.schema.openAPI(nullable: field.nullable, description: field.description)
        }
        var result: [String: Any] = ["type": "object", "properties": properties, "additionalProperties": false]
        let required = fields.filter(\.required).map(\.name)
        if !required.isEmpty { result["required"] = required }
        return result
    }
}

/// Shorthands for declaring fields.
func field(_ name: String, _ schema: Schema, required: Bool = false, nullable: Bool = false, _ description: String? = nil) -> SchemaField {
    SchemaField(name: name, schema: schema, required: required, nullable: nullable, description: description)
}

func vocabulary<T: RawRepresentable & CaseIterable>(_ type: T.Type) -> Schema where T.RawValue == String {
    .enumeration(T.allCases.map(\.rawValue))
}

import Foundation
import PicketlineCore

/// The OpenAPI 3.1 document, generated from the same route table the router is built from.
struct OpenAPIDocument {
    let routes: [Route]
    let configuration: HTTPConfiguration

    static let errorDescriptions: [Int: String] = [
        400: "Malformed JSON, a wrong type, an unknown or missing field, or a bad query parameter; `field` names it",
        401: "No token where one is needed, or an unknown or revoked token",
        403: "The token is valid but may not do this (another organisation's action)",
        404: "No such resource (private ones are 404 to those who may not see them)",
        409: "The request conflicts with the current state (cancelled action, closed statement, duplicate)",
        410: "Taken down: the statement was withdrawn, and its text and signatories are no longer shown",
        413: "The body is larger than the configured limit",
        429: "Too many public writes from this address; see Retry-After",
        503: "The database is unavailable",
    ]

    var json: [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for route in routes {
            paths[route.path, default: [:]][route.method.rawValue.lowercased()] = operation(route)
        }
        var schemas: [String: Any] = [:]
        for (name, schema) in componentSchemas { schemas[name] = schema.openAPI() }
        return [
            "openapi": "3.1.0",
            "info": [
                "title": "Picketline API",
                "version": PicketlineVersion.current,
                "description": "Organise pickets and actions: campaigns, endorsements, speakers, RSVPs, statements, incidents.",
            ],
            "servers": [["url": configuration.publicBaseURL]],
            "paths": paths,
            "components": [
                "schemas": schemas,
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer",
                                               "description": "A token from `picketline token create`"]],
            ],
        ]
    }

    func operation(_ route: Route) -> [String: Any] {
        var operation: [String: Any] = [
            "operationId": operationID(route),
            "summary": route.summary,
            "tags": [route.tag],
        ]
        var parameters: [[String: Any]] = route.pathParameters.map {
            ["name": $0, "in": "path", "required": true, "schema": ["type": "string"],
             "description": ["action", "campaign", "organisation", "statement"].contains($0) ? "id or slug" : "id"]
        }
        parameters += route.query.map {
            ["name": $0.name, "in": "query", "required": false, "schema": $0.schema.openAPI(), "description": $0.description]
        }
        if !parameters.isEmpty { operation["parameters"] = parameters }
        if let body = route.body {
            operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": body.openAPI()]]]
        }
        var responses: [String: Any] = [:]
        var success: [String: Any] = ["description": "Success"]
        if let schema = route.success.schema {
            success["content"] = [route.success.mediaType: ["schema": schema.openAPI()]]
        }
        responses[String(route.success.status)] = success
        if route.success.status == 201 && route.path.hasSuffix("/attendances") {
            responses["200"] = ["description": "An earlier RSVP with the same e-mail was updated",
                                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/RSVPReceipt"]]]]
        }
        for status in route.allErrors {
            var response: [String: Any] = [
                "description": Self.errorDescriptions[status] ?? "Error",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
            ]
            if status == 429 {
                response["headers"] = ["Retry-After": ["description": "Seconds to wait", "schema": ["type": "integer"]]]
            }
            responses[String(status)] = response
        }
        operation["responses"] = responses
        switch route.access {
        case .everyone, .everyoneRateLimited: operation["security"] = [[:] as [String: Any], ["bearer": [String]()]]
        case .organiser, .admin: operation["security"] = [["bearer": [String]()]]
        }
        if case .admin = route.access { operation["description"] = "Admin tokens only." }
        if case .organiser = route.access { operation["description"] = "Admin tokens, or organiser tokens of an organisation that calls or co-organises the action." }
        return operation
    }

    func operationID(_ route: Route) -> String {
        let words = route.path.split(separator: "/").filter { $0 != "api" && $0 != "v1" }.map { segment -> String in
            segment.replacingOccurrences(of: "{", with: "by-").replacingOccurrences(of: "}", with: "")
                .replacingOccurrences(of: ".", with: "-")
        }
        return ([route.method.rawValue.lowercased()] + words).joined(separator: "-")
    }
}

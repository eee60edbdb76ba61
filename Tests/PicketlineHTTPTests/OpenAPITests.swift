import Foundation
import Hummingbird
import HummingbirdTesting
import PicketlineCore
import Testing
@testable import PicketlineHTTP

/// The OpenAPI document is tested against the server: every documented operation is routed,
/// and what the server answers matches the schemas the document gives.
@Suite struct OpenAPITests {
    @Test func everyDocumentedOperationIsRoutedAndAnswersWithADocumentedStatus() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let document = try object(try await client.call(.get, "/openapi.json").body)
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            var operations = 0
            for (path, methods) in paths.sorted(by: { $0.key < $1.key }) {
                for (method, operation) in methods {
                    let responses = try #require((operation as? [String: Any])?["responses"] as? [String: Any])
                    let httpMethod = HTTPRequest.Method(rawValue: method.uppercased())!
                    let body = (httpMethod == .post || httpMethod == .patch) ? "{}" : nil
                    for who in [Who.nobody, .admin] {
                        let response = try await client.call(httpMethod, fixture.concrete(path), headers: fixture.headers(who), json: body)
                        #expect(!response.body.contains("no route"), "\(method) \(path) is documented but not routed")
                        #expect(response.status != .methodNotAllowed)
                        #expect(responses[String(response.status.code)] != nil,
                                "\(method.uppercased()) \(path) as \(who) answered \(response.status.code), which the document does not list: \(response.body)")
                    }
                    // Bad references are documented too: "abc" for every path parameter, an unknown campaign.
                    var wrong: [String] = []
                    if path.contains("{") { wrong.append(path.replacing(/\{[a-z_]+\}/, with: "abc")) }
                    let parameters = (operation as? [String: Any])?["parameters"] as? [[String: Any]] ?? []
                    if parameters.contains(where: { $0["name"] as? String == "campaign" }) { wrong.append(fixture.concrete(path) + "?campaign=nope") }
                    for uri in wrong {
                        let response = try await client.call(httpMethod, uri, headers: fixture.headers(.admin), json: body)
                        #expect(responses[String(response.status.code)] != nil,
                                "\(method.uppercased()) \(uri) answered \(response.status.code), which the document does not list: \(response.body)")
                    }
                    operations += 1
                }
            }
            #expect(operations >= 40)
        }
    }

    @Test func responsesMatchTheDocumentedSchemas() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        let service = APIService(store: fixture.store, configuration: fixture.configuration, clock: fixture.clock, readiness: { nil })
        try await fixture.test { client in
            var validated = 0
            for route in service.routes where route.method == .get && route.success.mediaType == "application/json" && route.path != "/openapi.json" {
                for who in [Who.nobody, .organiser, .admin] {
                    let response = try await client.call(.get, fixture.concrete(route.path), headers: fixture.headers(who))
                    let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8))
                    let schema: Schema = response.status.code == route.success.status ? route.success.schema! : componentSchemas["Error"]!
                    let problem = schema.problem(json, name: "response", components: componentSchemas)
                    #expect(problem == nil, "GET \(route.path) as \(who): \(problem?.message ?? "") in \(response.body.prefix(300))")
                    validated += 1
                }
            }
            // Writes too: the created resources match their schemas.
            let created = try await client.call(.post, "/api/v1/actions", headers: fixture.headers(.admin),
                                                json: #"{"title": "New", "start_date": "2026-12-10T12:00:00Z", "time_zone": "UTC", "location": {"locality": "Leeds", "location": {"latitude": 53.8, "longitude": -1.55}}}"#)
            #expect(created.status == .created)
            #expect(componentSchemas["Action"]!.problem(try JSONSerialization.jsonObject(with: Data(created.body.utf8)), name: "action",
                                                        components: componentSchemas) == nil)
            #expect(validated >= 50)
        }
    }

    @Test(.enabled(if: PythonTool.has(module: "openapi_spec_validator"), "needs openapi-spec-validator (Deploy/test.sh installs it)"))
    func theDocumentIsAValidOpenAPI31Document() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let body = try await client.call(.get, "/openapi.json").body
            let file = fixture.directory.appendingPathComponent("openapi.json")
            try body.write(to: file, atomically: true, encoding: .utf8)
            let result = try PythonTool.run(["-c", """
                import json, sys
                from openapi_spec_validator import validate
                validate(json.load(open(sys.argv[1])))
                print("valid")
                """, file.path])
            #expect(result.status == 0 && result.output.contains("valid"), "\(result.output)")
        }
    }
}

/// Runs python3 for checks done with reference implementations (iCalendar, CSV, OpenAPI).
enum PythonTool {
    static func has(module: String) -> Bool {
        (try? run(["-c", "import \(module)"]).status == 0) ?? false
    }

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

import Foundation
import Hummingbird
import PicketlineCore

extension APIService {
    static func statementBody(creating: Bool) -> BodySchema {
        BodySchema([
            field("title", .string(), required: creating), field("body", .string(), required: creating),
            field("demands", .array(.string()), "in order"), field("issued_on", .string(format: "date")),
            field("source_url", .string()), field("status", vocabulary(StatementStatus.self)),
            field("visibility", vocabulary(Visibility.self)),
        ] + (creating ? [field("slug", .string()), field("campaign", .string()), field("action", .string())] : []))
    }

    var statementRoutes: [Route] {
        [
            Route(method: .get, path: "/api/v1/statements", summary: "Statements, newest first", tag: "statements", access: .everyone,
                  query: [QueryParameter(name: "campaign", schema: .string(), description: "only this campaign")],
                  success: .json(200, ListResource<StatementResource>.schema("Statement")), cachedWhenAnonymous: true) { input in
                let admin = input.caller.isAdmin
                let statements = try await store.statements(campaign: input.query("campaign"))
                    .filter { admin || ($0.visibility == .public && $0.status != .withdrawn) }
                var items: [StatementResource] = []
                for statement in statements { items.append(try await statementResource(statement, input.caller)) }
                return try ok(ListResource(items: items))
            },
            Route(method: .post, path: "/api/v1/statements", summary: "Publish a statement", tag: "statements", access: .admin,
                  body: Self.statementBody(creating: true), success: .json(201, .reference("Statement")), errors: [409]) { input in
                let body = input.json
                let statement = try await store.createStatement(StatementDraft(
                    title: try body.required("title"), slug: body.string("slug"), body: try body.required("body"),
                    demands: body.strings("demands") ?? [], issuedOn: body.string("issued_on"), sourceURL: body.string("source_url"),
                    campaign: body.string("campaign"), action: body.string("action"),
                    status: try body.choice("status", StatementStatus.self) ?? .open,
                    visibility: try body.choice("visibility", Visibility.self) ?? .public))
                return try ok(StatementResource(statement), .created)
            },
            Route(method: .get, path: "/api/v1/statements/{statement}", summary: "One statement with its demands", tag: "statements",
                  access: .everyone, success: .json(200, .reference("Statement")), errors: [410], cachedWhenAnonymous: true) { input in
                try ok(try await statementResource(try await readableStatement(try input.parameter("statement"), input.caller), input.caller))
            },
            Route(method: .patch, path: "/api/v1/statements/{statement}",
                  summary: "Change a statement (status closed stops signatures, withdrawn takes it down)", tag: "statements",
                  access: .admin, body: Self.statementBody(creating: false), success: .json(200, .reference("Statement"))) { input in
                let body = input.json
                let statement = try await store.updateStatement(try input.parameter("statement"), StatementChanges(
                    title: body.string("title"), body: body.string("body"), demands: body.strings("demands"),
                    issuedOn: body.string("issued_on"), sourceURL: body.string("source_url"),
                    status: try body.choice("status", StatementStatus.self), visibility: try body.choice("visibility", Visibility.self)))
                return try ok(StatementResource(statement))
            },
            Route(method: .get, path: "/api/v1/statements/{statement}/signatures.csv", summary: "Signatories as CSV", tag: "feeds",
                  access: .everyone, success: .text("text/csv"), errors: [410]) { input in
                let statement = try await readableStatement(try input.parameter("statement"), input.caller)
                let rows = try await store.signatures(statement: String(statement.id), includeWithdrawn: false).map {
                    [$0.name, $0.affiliation ?? "", $0.kind.rawValue, RFC3339.string(from: $0.signedAt)]
                }
                return JSONBody.text(CSV.render(header: ["name", "affiliation", "kind", "signed_date"], rows: rows),
                                     contentType: "text/csv; charset=utf-8; header=present", filename: "\(statement.slug)-signatures.csv")
            },
            Route(method: .get, path: "/api/v1/statements/{statement}/signatures", summary: "Signatories in signing order",
                  tag: "statements", access: .everyone,
                  success: .json(200, ListResource<SignatureResource>.schema("Signature")), errors: [410], cachedWhenAnonymous: true) { input in
                let statement = try await readableStatement(try input.parameter("statement"), input.caller)
                let signatures = try await store.signatures(statement: String(statement.id), includeWithdrawn: input.caller.isAdmin)
                return try ok(ListResource(items: signatures.map(SignatureResource.init)))
            },
            Route(method: .post, path: "/api/v1/statements/{statement}/signatures",
                  summary: "Sign as a person (anyone) or as an organisation (its organisers, admins)", tag: "statements",
                  access: .everyoneRateLimited,
                  body: BodySchema([field("name", .string(), "a person's name"), field("affiliation", .string()),
                                    field("email", .string(), "kept private; stops signing twice"),
                                    field("organisation", .string(), "sign as this organisation (id or slug)")]),
                  success: .json(201, .reference("Signature")), errors: [403, 409]) { input in
                let statement = try await visibleStatement(try input.parameter("statement"), input.caller)
                let body = input.json
                let request: SignatureRequest
                if let reference = body.string("organisation") {
                    guard body.string("name") == nil else {
                        throw APIError.badRequest("organisation", "organisation: give either organisation or name, not both")
                    }
                    let organisation = try await store.organisation(reference)
                    switch input.caller {
                    case .anonymous: throw APIError.unauthorized
                    case .organiser(_, let organisationID) where organisationID != organisation.id:
                        throw APIError.forbidden("organisers sign only for their own organisation")
                    default: request = .organisation(String(organisation.id))
                    }
                } else {
                    request = .person(name: try body.required("name"), affiliation: body.string("affiliation"), email: body.string("email"))
                }
                return try ok(SignatureResource(try await store.sign(statement: String(statement.id), request)), .created)
            },
            Route(method: .post, path: "/api/v1/signatures/{signature}/withdraw",
                  summary: "Withdraw a signature (an organisation's by its organisers, anyone's by admins)", tag: "statements",
                  access: .organiser, success: .json(200, .reference("Signature")), errors: [403, 409]) { input in
                let signature = try await store.signature(try input.id("signature"))
                // Organisers sign for their own organisation (above), and may take that back.
                if !input.caller.isAdmin {
                    guard signature.kind == .organisation, let own = input.caller.organisationID, signature.organisationID == own else {
                        throw APIError.forbidden("organisers withdraw only their own organisation's signature; people's, an admin")
                    }
                }
                return try ok(SignatureResource(try await store.withdrawSignature(signature.id)))
            },
        ]
    }
}

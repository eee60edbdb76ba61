import Foundation
import Hummingbird
import PicketlineCore

extension APIService {
    var directoryRoutes: [Route] {
        [
            Route(method: .get, path: "/healthz", summary: "The process is up", tag: "service", access: .everyone,
                  success: .json(200, .object(BodySchema([field("status", .string(), required: true)])))) { _ in
                try ok(["status": "ok"])
            },
            Route(method: .get, path: "/readyz", summary: "The database is reachable and fully migrated", tag: "service",
                  access: .everyone, success: .json(200, .object(BodySchema([field("status", .string(), required: true)]))),
                  errors: [503]) { _ in
                if let problem = await readiness() {
                    throw APIError(.serviceUnavailable, code: "not_ready", message: problem)
                }
                return try ok(["status": "ready"])
            },
            Route(method: .get, path: "/metrics", summary: "Prometheus metrics (text exposition format 0.0.4)", tag: "service",
                  access: .everyone, success: .text("text/plain"), errors: [404]) { _ in
                guard let metrics else { throw APIError.notFound("metrics are not enabled in this process") }
                return JSONBody.text(await metrics(), contentType: "text/plain; version=0.0.4; charset=utf-8")
            },
            Route(method: .get, path: "/openapi.json", summary: "This document", tag: "service", access: .everyone,
                  success: .json(200, .object(BodySchema([])))) { _ in
                let data = try JSONSerialization.data(withJSONObject: OpenAPIDocument(routes: routes, configuration: configuration).json,
                                                      options: [.sortedKeys, .withoutEscapingSlashes])
                return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
            },

            // Campaigns
            Route(method: .get, path: "/api/v1/campaigns", summary: "Campaigns by name", tag: "campaigns", access: .everyone,
                  success: .json(200, ListResource<CampaignResource>.schema("Campaign")), cachedWhenAnonymous: true) { _ in
                try ok(ListResource(items: try await store.campaigns().map(CampaignResource.init)))
            },
            Route(method: .post, path: "/api/v1/campaigns", summary: "Create a campaign", tag: "campaigns", access: .admin,
                  body: BodySchema([field("name", .string(), required: true), field("slug", .string()), field("description", .string())]),
                  success: .json(201, .reference("Campaign")), errors: [409]) { input in
                let campaign = try await store.createCampaign(CampaignDraft(
                    name: try input.json.required("name"), slug: input.json.string("slug"), description: input.json.string("description")))
                return try ok(CampaignResource(campaign), .created)
            },
            Route(method: .get, path: "/api/v1/campaigns/{campaign}", summary: "One campaign", tag: "campaigns", access: .everyone,
                  success: .json(200, .reference("Campaign")), cachedWhenAnonymous: true) { input in
                try ok(CampaignResource(try await store.campaign(try input.parameter("campaign"))))
            },
            Route(method: .patch, path: "/api/v1/campaigns/{campaign}", summary: "Change a campaign", tag: "campaigns", access: .admin,
                  body: BodySchema([field("name", .string()), field("description", .string())]),
                  success: .json(200, .reference("Campaign"))) { input in
                let campaign = try await store.updateCampaign(try input.parameter("campaign"), CampaignChanges(
                    name: input.json.string("name"), description: input.json.string("description")))
                return try ok(CampaignResource(campaign))
            },

            // Organisations
            Route(method: .get, path: "/api/v1/organisations", summary: "Organisations by name", tag: "organisations",
                  access: .everyone, success: .json(200, ListResource<OrganisationResource>.schema("Organisation")), cachedWhenAnonymous: true) { _ in
                try ok(ListResource(items: try await store.organisations().map(OrganisationResource.init)))
            },
            Route(method: .post, path: "/api/v1/organisations", summary: "Register an organisation", tag: "organisations",
                  access: .admin,
                  body: BodySchema([field("name", .string(), required: true), field("slug", .string()),
                                    field("kind", vocabulary(OrganisationKind.self)), field("website", .string()),
                                    field("email", .string()), field("country", .string())]),
                  success: .json(201, .reference("Organisation")), errors: [409]) { input in
                let body = input.json
                let organisation = try await store.createOrganisation(OrganisationDraft(
                    name: try body.required("name"), slug: body.string("slug"),
                    kind: try body.choice("kind", OrganisationKind.self) ?? .other, website: body.string("website"),
                    email: body.string("email"), country: body.string("country")))
                return try ok(OrganisationResource(organisation), .created)
            },
            Route(method: .get, path: "/api/v1/organisations/{organisation}", summary: "One organisation", tag: "organisations",
                  access: .everyone, success: .json(200, .reference("Organisation")), cachedWhenAnonymous: true) { input in
                try ok(OrganisationResource(try await store.organisation(try input.parameter("organisation"))))
            },
            Route(method: .patch, path: "/api/v1/organisations/{organisation}",
                  summary: "Change an organisation (admins, or its own organisers)", tag: "organisations", access: .organiser,
                  body: BodySchema([field("name", .string()), field("kind", vocabulary(OrganisationKind.self)),
                                    field("website", .string()), field("email", .string()), field("country", .string())]),
                  success: .json(200, .reference("Organisation"))) { input in
                let organisation = try await store.organisation(try input.parameter("organisation"))
                if case .organiser(_, let own) = input.caller, own != organisation.id {
                    throw APIError.forbidden("organisers change only their own organisation")
                }
                let body = input.json
                let updated = try await store.updateOrganisation(String(organisation.id), OrganisationChanges(
                    name: body.string("name"), kind: try body.choice("kind", OrganisationKind.self), website: body.string("website"),
                    email: body.string("email"), country: body.string("country")))
                return try ok(OrganisationResource(updated))
            },
            Route(method: .get, path: "/api/v1/organisations/{organisation}/endorsements",
                  summary: "The public actions an organisation has confirmed it supports", tag: "organisations", access: .everyone,
                  success: .json(200, ListResource<EndorsedActionResource>.schema("EndorsedAction")), cachedWhenAnonymous: true) { input in
                let organisation = try await store.organisation(try input.parameter("organisation"))
                let admin = input.caller.isAdmin
                let items = try await store.endorsements(byOrganisation: String(organisation.id), includeWithdrawn: false)
                    .filter { admin || ($0.action.visibility == .public && $0.endorsement.state == .confirmed) }
                    .map { EndorsedActionResource(action: ActionResource($0.action, showAddress: admin || $0.action.location.isPublic),
                                                  role: $0.endorsement.role, state: $0.endorsement.state) }
                return try ok(ListResource(items: items))
            },
        ]
    }

    /// Every route of the API.
    var routes: [Route] { directoryRoutes + actionRoutes + attendanceRoutes + statementRoutes + incidentRoutes + webhookRoutes + scheduleRoutes }
}

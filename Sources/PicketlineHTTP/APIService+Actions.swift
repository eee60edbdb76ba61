import Foundation
import Hummingbird
import PicketlineCore

extension APIService {
    static let actionParameter = "action"

    var actionRoutes: [Route] {
        [
            Route(method: .get, path: "/api/v1/actions", summary: "List actions, soonest first (public ones unless admin)", tag: "actions",
                  access: .everyone,
                  query: [
                    QueryParameter(name: "status", schema: vocabulary(ActionStatus.self), description: "only this status"),
                    QueryParameter(name: "campaign", schema: .string(), description: "campaign id or slug"),
                    QueryParameter(name: "organisation", schema: .string(), description: "actions this organisation endorses (confirmed)"),
                    QueryParameter(name: "starts_after", schema: .string(format: "date-time"), description: "RFC 3339"),
                    QueryParameter(name: "starts_before", schema: .string(format: "date-time"), description: "RFC 3339"),
                    QueryParameter(name: "modified_since", schema: .string(format: "date-time"), description: "RFC 3339"),
                    QueryParameter(name: "page", schema: .integer(minimum: 1, maximum: PageRequest.maximumPage), description: "1-based page"),
                    QueryParameter(name: "per_page", schema: .integer(minimum: 1, maximum: 100), description: "default 25"),
                  ],
                  success: .json(200, PageResource<ActionResource>.schema("Action")), cachedWhenAnonymous: true) { input in
                let filter = ActionFilter(
                    status: try input.queryChoice("status", ActionStatus.self),
                    visibility: input.caller.isAdmin ? nil : .public,
                    campaign: input.query("campaign"), organisation: input.query("organisation"),
                    startsAfter: try input.queryDate("starts_after"), startsBefore: try input.queryDate("starts_before"),
                    modifiedSince: try input.queryDate("modified_since"), orManagedBy: input.caller.organisationID)
                let result = try await store.actions(filter, page: try input.pageRequest())
                let admin = input.caller.isAdmin
                // An organiser sees its own actions in the list as it does one by one: addresses included.
                var managed = Set<Int64>()
                if let organisationID = input.caller.organisationID, result.items.contains(where: { !$0.location.isPublic }) {
                    managed = Set(try await store.endorsements(byOrganisation: String(organisationID), includeWithdrawn: false)
                        .filter(\.endorsement.grantsManagement).map(\.action.id))
                }
                return try ok(page(result) { admin || $0.location.isPublic || managed.contains($0.id) })
            },
            Route(method: .post, path: "/api/v1/actions", summary: "Register an action", tag: "actions", access: .organiser,
                  body: Self.actionBody(creating: true), success: .json(201, .reference("Action")), errors: [404, 409]) { input in
                let body = input.json
                let zone = try zone(try body.required("time_zone"))
                var caller = body.string("caller")
                if case .organiser(_, let organisationID) = input.caller {
                    let own = try await store.organisation(String(organisationID))
                    if let requested = caller, requested != own.slug, requested != String(own.id) {
                        throw APIError.forbidden("organisers create actions called by their own organisation (\(own.slug))")
                    }
                    caller = own.slug
                }
                let action = try await store.createAction(ActionDraft(
                    kind: try body.choice("kind", ActionKind.self) ?? .picket, title: try body.required("title"),
                    slug: body.string("slug"), description: body.string("description"), target: body.string("target"),
                    location: try body.object("location").map(location) ?? Location(),
                    startsAt: try instant(body, "start_date", zone: zone)!, endsAt: try instant(body, "end_date", zone: zone),
                    // As given: Foundation names UTC's zone "GMT".
                    timeZone: try body.required("time_zone"), status: try body.choice("status", ActionStatus.self) ?? .tentative,
                    visibility: try body.choice("visibility", Visibility.self) ?? .public, capacity: body.int("capacity"),
                    campaign: body.string("campaign"), sourceURL: body.string("source_url"), caller: caller))
                return try ok(ActionResource(action, showAddress: true), .created)
            },
            Route(method: .get, path: "/api/v1/actions/{action}.ics", summary: "One action as iCalendar (RFC 5545)", tag: "feeds",
                  access: .everyone, success: .text("text/calendar")) { input in
                let action = try await visibleAction(try input.parameter("action"), input.caller)
                let calendar = ICalendar(host: configuration.publicBaseURL, name: action.title)
                return JSONBody.text(calendar.render([action], showAddress: { _ in action.location.isPublic }),
                                     contentType: "text/calendar; charset=utf-8", filename: "\(action.slug).ics")
            },
            Route(method: .get, path: "/api/v1/actions/{action}", summary: "One action", tag: "actions", access: .everyone,
                  success: .json(200, .reference("Action")), cachedWhenAnonymous: true) { input in
                let action = try await visibleAction(try input.parameter("action"), input.caller)
                let manager = try await canManage(action, input.caller)
                return try ok(ActionResource(action, showAddress: manager || action.location.isPublic))
            },
            Route(method: .patch, path: "/api/v1/actions/{action}", summary: "Change an action (only the fields sent)", tag: "actions",
                  access: .organiser, body: Self.actionBody(creating: false), success: .json(200, .reference("Action")),
                  errors: [409]) { input in
                let current = try await managedAction(try input.parameter("action"), input.caller)
                let body = input.json
                let zone = try body.string("time_zone").map(zone) ?? current.zone
                var changes = ActionChanges(
                    kind: try body.choice("kind", ActionKind.self), title: body.string("title"),
                    description: body.isNull("description") ? "" : body.string("description"),
                    target: body.isNull("target") ? "" : body.string("target"),
                    location: body.object("location").map(locationChanges),
                    startsAt: try instant(body, "start_date", zone: zone), endsAt: try instant(body, "end_date", zone: zone),
                    timeZone: body.string("time_zone"), status: try body.choice("status", ActionStatus.self),
                    visibility: try body.choice("visibility", Visibility.self),
                    campaign: body.isNull("campaign") ? "" : body.string("campaign"),
                    sourceURL: body.isNull("source_url") ? "" : body.string("source_url"))
                if body.has("capacity") { changes.capacity = .some(body.int("capacity")) }
                if body.isNull("end_date") { changes.removesEnd = true }
                changes.locationPublic = body.object("location")?.bool("public")
                let action = try await store.updateAction(String(current.id), changes)
                return try ok(ActionResource(action, showAddress: true))
            },
            Route(method: .post, path: "/api/v1/actions/{action}/cancel", summary: "Cancel an action", tag: "actions",
                  access: .organiser, body: BodySchema([field("reason", .string())]), success: .json(200, .reference("Action")),
                  errors: [409]) { input in
                let current = try await managedAction(try input.parameter("action"), input.caller)
                let action = try await store.cancelAction(String(current.id), reason: input.json.string("reason"))
                return try ok(ActionResource(action, showAddress: true))
            },
            Route(method: .get, path: "/api/v1/calendar.ics", summary: "Feed of upcoming public actions (iCalendar)", tag: "feeds",
                  access: .everyone,
                  query: [QueryParameter(name: "campaign", schema: .string(), description: "only this campaign"),
                          QueryParameter(name: "organisation", schema: .string(), description: "only actions it endorses (confirmed)")],
                  success: .text("text/calendar")) { input in
                let filter = ActionFilter(visibility: .public, campaign: input.query("campaign"), organisation: input.query("organisation"),
                                          startsAfter: clock.now().addingTimeInterval(-86_400))
                let actions = try await store.actions(filter, page: .first).items
                let calendar = ICalendar(host: configuration.publicBaseURL, name: "Picketline: upcoming actions")
                return JSONBody.text(calendar.render(actions, showAddress: { $0.location.isPublic }),
                                     contentType: "text/calendar; charset=utf-8")
            },

            // Endorsements
            Route(method: .get, path: "/api/v1/actions/{action}/endorsements.csv", summary: "Confirmed endorsements as CSV",
                  tag: "feeds", access: .everyone, success: .text("text/csv")) { input in
                let action = try await visibleAction(try input.parameter("action"), input.caller)
                let rows = try await store.endorsements(ofAction: String(action.id), includeWithdrawn: false)
                    .filter { $0.endorsement.state == .confirmed }
                    .map { [$0.organisation.name, $0.organisation.slug, $0.endorsement.role.rawValue, $0.organisation.website ?? "",
                            $0.organisation.country ?? ""] }
                return JSONBody.text(CSV.render(header: ["organisation", "slug", "role", "website", "country"], rows: rows),
                                     contentType: "text/csv; charset=utf-8; header=present", filename: "\(action.slug)-endorsements.csv")
            },
            Route(method: .get, path: "/api/v1/actions/{action}/endorsements",
                  summary: "Organisations endorsing an action, callers first (the public sees confirmed ones)", tag: "endorsements",
                  access: .everyone, success: .json(200, ListResource<EndorsementResource>.schema("Endorsement")), cachedWhenAnonymous: true) { input in
                let action = try await visibleAction(try input.parameter("action"), input.caller)
                let manager = try await canManage(action, input.caller)
                let entries = try await store.endorsements(ofAction: String(action.id), includeWithdrawn: manager)
                    .filter { manager || $0.endorsement.state == .confirmed }
                return try ok(ListResource(items: entries.map(EndorsementResource.init)))
            },
            Route(method: .post, path: "/api/v1/actions/{action}/endorsements", summary: "Record an organisation's support",
                  tag: "endorsements", access: .organiser,
                  body: BodySchema([field("organisation", .string(), required: true, "id or slug"),
                                    field("role", vocabulary(EndorsementRole.self)), field("state", vocabulary(ParticipationState.self))]),
                  success: .json(201, .reference("Endorsement")), errors: [409]) { input in
                let action = try await managedAction(try input.parameter("action"), input.caller)
                let body = input.json
                let organisation = try await store.organisation(try body.required("organisation"))
                let role = try body.choice("role", EndorsementRole.self) ?? .supporter
                try checkEndorsementChange(try await store.endorsements(ofAction: String(action.id), includeWithdrawn: true), input.caller,
                                           of: organisation.id, to: role)
                let endorsement = try await store.endorse(
                    action: String(action.id), organisation: String(organisation.id), role: role,
                    state: try body.choice("state", ParticipationState.self) ?? .invited)
                return try ok(EndorsementResource(EndorsingOrganisation(endorsement: endorsement, organisation: organisation)), .created)
            },
            Route(method: .patch, path: "/api/v1/actions/{action}/endorsements/{organisation}",
                  summary: "Confirm, withdraw or change the role of an endorsement (an organisation answers its own invitation)",
                  tag: "endorsements", access: .organiser,
                  body: BodySchema([field("role", vocabulary(EndorsementRole.self)), field("state", vocabulary(ParticipationState.self))]),
                  success: .json(200, .reference("Endorsement")), errors: [403]) { input in
                let reference = try input.parameter("action")
                let organisation = try await store.organisation(try input.parameter("organisation"))
                let state = try input.json.choice("state", ParticipationState.self)
                let role = try input.json.choice("role", EndorsementRole.self)
                let action: Action
                if let own = input.caller.organisationID, own == organisation.id {
                    // An organisation answers its own invitation (or withdraws), even before it may
                    // manage the action; its role is the action's organisers' to set.
                    action = try await store.action(reference)
                    guard let current = try await store.endorsements(ofAction: String(action.id), includeWithdrawn: true)
                        .first(where: { $0.organisation.id == own })?.endorsement else {
                        if action.visibility == .public { throw APIError(PicketlineError.notFound(entity: "endorsement", reference: "\(organisation.slug) of \(action.slug)")) }
                        throw APIError(PicketlineError.notFound(entity: "action", reference: reference))
                    }
                    guard role == nil || role == current.role else {
                        throw APIError.forbidden("an organisation does not set its own role; the action's organisers do")
                    }
                    // It accepts or declines an invitation, or leaves; coming back after it left (or
                    // was withdrawn) takes a new invitation from the organisers.
                    let answers: [ParticipationState: Set<ParticipationState>] = [.invited: [.confirmed, .withdrawn], .confirmed: [.withdrawn]]
                    if let state, state != current.state, answers[current.state]?.contains(state) != true {
                        throw APIError.forbidden("\(current.state.rawValue) → \(state.rawValue) is the action's organisers' to decide")
                    }
                } else {
                    action = try await managedAction(reference, input.caller)
                    try checkEndorsementChange(try await store.endorsements(ofAction: String(action.id), includeWithdrawn: true), input.caller,
                                               of: organisation.id, to: role)
                }
                let endorsement = try await store.setEndorsement(
                    action: String(action.id), organisation: String(organisation.id), state: state, role: role)
                return try ok(EndorsementResource(EndorsingOrganisation(endorsement: endorsement, organisation: organisation)))
            },

            // Speakers
            Route(method: .get, path: "/api/v1/actions/{action}/speakers",
                  summary: "The line-up in order (the public sees confirmed speakers)", tag: "speakers", access: .everyone,
                  success: .json(200, ListResource<SpeakerResource>.schema("Speaker")), cachedWhenAnonymous: true) { input in
                let action = try await visibleAction(try input.parameter("action"), input.caller)
                let manager = try await canManage(action, input.caller)
                let lineup = try await store.lineup(action: String(action.id), includeWithdrawn: manager)
                    .filter { manager || $0.speaker.state == .confirmed }
                return try ok(ListResource(items: lineup.map(SpeakerResource.init)))
            },
            Route(method: .post, path: "/api/v1/actions/{action}/speakers", summary: "Add someone to the line-up", tag: "speakers",
                  access: .organiser,
                  body: BodySchema([field("name", .string(), required: true), field("organisation", .string(), "id or slug"),
                                    field("affiliation", .string()), field("role", vocabulary(SpeakerRole.self)),
                                    field("state", vocabulary(ParticipationState.self)),
                                    field("position", .integer(minimum: 1), "default: last")]),
                  success: .json(201, .reference("Speaker")), errors: [409]) { input in
                let action = try await managedAction(try input.parameter("action"), input.caller)
                let body = input.json
                let speaker = try await store.addSpeaker(action: String(action.id), SpeakerDraft(
                    name: try body.required("name"), organisation: body.string("organisation"), affiliation: body.string("affiliation"),
                    role: try body.choice("role", SpeakerRole.self) ?? .speaker,
                    state: try body.choice("state", ParticipationState.self) ?? .invited, position: body.int("position")))
                return try ok(try await speakerResource(speaker), .created)
            },
            Route(method: .patch, path: "/api/v1/speakers/{speaker}", summary: "Confirm, withdraw or re-invite a speaker",
                  tag: "speakers", access: .organiser,
                  body: BodySchema([field("state", vocabulary(ParticipationState.self), required: true)]),
                  success: .json(200, .reference("Speaker")), errors: [409]) { input in
                let speaker = try await store.speaker(try input.id("speaker"))
                _ = try await managedAction(String(speaker.actionID), input.caller)
                let updated = try await store.setSpeakerState(speaker.id, try input.json.choice("state", ParticipationState.self)!)
                return try ok(try await speakerResource(updated))
            },
            Route(method: .post, path: "/api/v1/speakers/{speaker}/move", summary: "Move a speaker in the line-up", tag: "speakers",
                  access: .organiser, body: BodySchema([field("position", .integer(minimum: 1), required: true)]),
                  success: .json(200, ListResource<SpeakerResource>.schema("Speaker"))) { input in
                let speaker = try await store.speaker(try input.id("speaker"))
                _ = try await managedAction(String(speaker.actionID), input.caller)
                let lineup = try await store.moveSpeaker(speaker.id, to: input.json.int("position")!)
                return try ok(ListResource(items: lineup.map(SpeakerResource.init)))
            },
        ]
    }

    func speakerResource(_ speaker: Speaker) async throws -> SpeakerResource {
        let organisation = try await speaker.organisationID.asyncMap { try await store.organisation(String($0)) }
        return SpeakerResource(LineupEntry(speaker: speaker, organisation: organisation))
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

import Foundation
import Hummingbird
import PicketlineCore

extension APIService {
    var attendanceRoutes: [Route] {
        [
            Route(method: .post, path: "/api/v1/actions/{action}/attendances",
                  summary: "RSVP without an account (the same e-mail again, with the manage_token, updates the earlier RSVP)",
                  tag: "attendance", access: .everyoneRateLimited,
                  body: BodySchema([field("name", .string(), required: true), field("email", .string(), "e-mail or phone is required"),
                                    field("phone", .string()), field("consent_to_contact", .boolean),
                                    field("status", vocabulary(AttendanceStatus.self), "default accepted"),
                                    field("manage_token", .string(), "from the first answer's receipt: needed to change it without a token")]),
                  success: .json(201, .reference("RSVPReceipt")), errors: [409]) { input in
                let body = input.json
                let rsvp = RSVP(name: try body.required("name"), email: body.string("email"), phone: body.string("phone"),
                                consentToContact: body.bool("consent_to_contact"),
                                status: try body.choice("status", AttendanceStatus.self) ?? .accepted)
                let outcome: RSVPOutcome
                if input.caller.isAuthenticated {
                    let action = try await visibleAction(try input.parameter("action"), input.caller)
                    outcome = try await store.rsvp(action: String(action.id), rsvp)
                } else {
                    // The hot path: visibility is checked in the transaction that records the RSVP.
                    outcome = try await store.rsvp(action: try input.parameter("action"), rsvp, publicOnly: true,
                                                   mayUpdate: try await rsvpTokens.verifier(body.string("manage_token"), store: store))
                }
                let attendance = outcome.attendance
                let receipt = RSVPReceipt(id: attendance.id, actionID: attendance.actionID, status: attendance.status,
                                          waitlisted: attendance.waitlisted, created: outcome.created,
                                          manageToken: try await rsvpTokens.token(for: attendance.id, store: store))
                return JSONBody.response(outcome.created ? .created : .ok, json: receipt.json)
            },
            Route(method: .get, path: "/api/v1/actions/{action}/attendances.csv", summary: "An action's RSVPs as CSV (personal data)",
                  tag: "feeds", access: .organiser, success: .text("text/csv")) { input in
                let action = try await managedAction(try input.parameter("action"), input.caller)
                let rows = try await store.attendances(action: String(action.id)).map {
                    [String($0.id), $0.name, $0.email ?? "", $0.phone ?? "", $0.status.rawValue, $0.waitlisted ? "yes" : "no",
                     $0.attended ? "yes" : "no", $0.consentToContact ? "yes" : "no", RFC3339.string(from: $0.createdAt)]
                }
                return JSONBody.text(CSV.render(header: ["id", "name", "email", "phone", "status", "waitlisted", "attended",
                                                         "consent_to_contact", "created_date"], rows: rows),
                                     contentType: "text/csv; charset=utf-8; header=present", filename: "\(action.slug)-attendance.csv")
            },
            Route(method: .get, path: "/api/v1/actions/{action}/attendances", summary: "An action's RSVPs with personal data",
                  tag: "attendance", access: .organiser, success: .json(200, ListResource<AttendanceResource>.schema("Attendance"))) { input in
                let action = try await managedAction(try input.parameter("action"), input.caller)
                return try ok(ListResource(items: try await store.attendances(action: String(action.id)).map(AttendanceResource.init)))
            },
            Route(method: .get, path: "/api/v1/actions/{action}/attendance-summary", summary: "Counts without names", tag: "attendance",
                  access: .everyone, success: .json(200, .reference("AttendanceSummary"))) { input in
                let action = try await visibleAction(try input.parameter("action"), input.caller)
                return try ok(AttendanceSummaryResource(try await store.attendanceSummary(action: String(action.id))))
            },
            Route(method: .patch, path: "/api/v1/attendances/{attendance}",
                  summary: "Change an RSVP's status (a freed place promotes the first waitlisted)", tag: "attendance",
                  access: .organiser, body: BodySchema([field("status", vocabulary(AttendanceStatus.self), required: true)]),
                  success: .json(200, .reference("Attendance"))) { input in
                let attendance = try await store.attendance(try input.id("attendance"))
                _ = try await managedAction(String(attendance.actionID), input.caller)
                let updated = try await store.setAttendanceStatus(attendance.id, try input.json.choice("status", AttendanceStatus.self)!)
                return try ok(AttendanceResource(updated))
            },
            Route(method: .post, path: "/api/v1/attendances/{attendance}/check-in", summary: "Mark someone as present",
                  tag: "attendance", access: .organiser, success: .json(200, .reference("Attendance")), errors: [409]) { input in
                let attendance = try await store.attendance(try input.id("attendance"))
                _ = try await managedAction(String(attendance.actionID), input.caller)
                return try ok(AttendanceResource(try await store.checkIn(attendance.id)))
            },
            Route(method: .get, path: "/api/v1/actions/{action}/headcounts", summary: "Stewards' anonymous tallies", tag: "attendance",
                  access: .everyone, success: .json(200, ListResource<HeadcountResource>.schema("Headcount"))) { input in
                let action = try await visibleAction(try input.parameter("action"), input.caller)
                return try ok(ListResource(items: try await store.headcounts(action: String(action.id)).map(HeadcountResource.init)))
            },
            Route(method: .post, path: "/api/v1/actions/{action}/headcounts", summary: "Record a tally", tag: "attendance",
                  access: .organiser,
                  body: BodySchema([field("count", .integer(minimum: 0), required: true),
                                    field("counted_date", .string(format: "date-time"), "default now"), field("note", .string())]),
                  success: .json(201, .reference("Headcount"))) { input in
                let action = try await managedAction(try input.parameter("action"), input.caller)
                let headcount = try await store.recordHeadcount(
                    action: String(action.id), count: input.json.int("count")!,
                    countedAt: try instant(input.json, "counted_date", zone: action.zone), note: input.json.string("note"))
                return try ok(HeadcountResource(headcount), .created)
            },
        ]
    }

    var incidentRoutes: [Route] {
        [
            Route(method: .get, path: "/api/v1/actions/{action}/incidents", summary: "Incidents at an action", tag: "incidents",
                  access: .organiser, success: .json(200, ListResource<IncidentResource>.schema("Incident"))) { input in
                let action = try await managedAction(try input.parameter("action"), input.caller)
                return try ok(ListResource(items: try await store.incidents(action: String(action.id)).map(IncidentResource.init)))
            },
            Route(method: .post, path: "/api/v1/actions/{action}/incidents", summary: "Report an incident", tag: "incidents",
                  access: .organiser,
                  body: BodySchema([field("kind", vocabulary(IncidentKind.self), required: true),
                                    field("description", .string(), required: true), field("people_concerned", .string()),
                                    field("occurred_date", .string(format: "date-time"), "default now")]),
                  success: .json(201, .reference("Incident"))) { input in
                let action = try await managedAction(try input.parameter("action"), input.caller)
                let body = input.json
                let incident = try await store.reportIncident(action: String(action.id), IncidentReport(
                    kind: try body.choice("kind", IncidentKind.self)!, occurredAt: try instant(body, "occurred_date", zone: action.zone),
                    description: try body.required("description"), peopleConcerned: body.string("people_concerned")))
                return try ok(IncidentResource(incident), .created)
            },
            Route(method: .get, path: "/api/v1/incidents/{incident}", summary: "One incident", tag: "incidents", access: .organiser,
                  success: .json(200, .reference("Incident"))) { input in
                let incident = try await managedIncident(try input.id("incident"), input.caller)
                return try ok(IncidentResource(incident))
            },
            Route(method: .get, path: "/api/v1/incidents/{incident}/follow-ups", summary: "The follow-up log of an incident",
                  tag: "incidents", access: .organiser,
                  success: .json(200, ListResource<IncidentUpdateResource>.schema("IncidentUpdate"))) { input in
                let incident = try await managedIncident(try input.id("incident"), input.caller)
                return try ok(ListResource(items: try await store.incidentUpdates(incident.id).map(IncidentUpdateResource.init)))
            },
            Route(method: .post, path: "/api/v1/incidents/{incident}/follow-ups", summary: "Record follow-up: a new state and/or a note",
                  tag: "incidents", access: .organiser,
                  body: BodySchema([field("state", vocabulary(IncidentState.self)), field("note", .string())]),
                  success: .json(201, .reference("Incident"))) { input in
                let incident = try await managedIncident(try input.id("incident"), input.caller)
                let updated = try await store.followUpIncident(incident.id, state: try input.json.choice("state", IncidentState.self),
                                                               note: input.json.string("note"))
                return try ok(IncidentResource(updated), .created)
            },
        ]
    }
}

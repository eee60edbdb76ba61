import Foundation
import Hummingbird
import HummingbirdTesting
import PicketlineCore
import Testing
@testable import PicketlineHTTP

@Suite struct PublicAPITests {
    @Test func thePublicSeesPublicActionsWithoutHiddenAddresses() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let list = try await client.call(.get, "/api/v1/actions")
            #expect(list.status == .ok)
            let page = try object(list.body)
            let items = page["items"] as! [[String: Any]]
            #expect(items.map { $0["slug"] as! String } == ["embassy-picket"])
            #expect(page["total"] as? Int == 1 && page["per_page"] as? Int == 25)
            #expect(!list.body.contains("Hidden Mews"))
            let action = try object(try await client.call(.get, "/api/v1/actions/embassy-picket").body)
            #expect(action["start_date"] as? String == "2026-12-02T09:00:00+00:00")
            #expect(action["time_zone"] as? String == "Europe/London")
            #expect((action["location"] as? [String: Any])?["public"] as? Bool == false)
            // The organiser sees the address.
            let own = try await client.call(.get, "/api/v1/actions/embassy-picket", headers: fixture.headers(.organiser))
            #expect(own.body.contains("7 Hidden Mews"))
            #expect(try await client.call(.get, "/api/v1/actions/planning").status == .notFound)
            #expect(try await client.call(.get, "/api/v1/actions/planning", headers: fixture.headers(.otherOrganiser)).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/actions/planning", headers: fixture.headers(.organiser)).status == .ok)
            let all = try object(try await client.call(.get, "/api/v1/actions", headers: fixture.headers(.admin)).body)
            #expect(all["total"] as? Int == 2)
            // The list shows an organiser what it shows one by one: its private action, its hidden address.
            let mine = try await client.call(.get, "/api/v1/actions", headers: fixture.headers(.organiser))
            let mySlugs = (try object(mine.body)["items"] as? [[String: Any]])?.compactMap { $0["slug"] as? String }
            #expect(Set(mySlugs ?? []) == ["embassy-picket", "planning"] && mine.body.contains("7 Hidden Mews"))
            let theirs = try await client.call(.get, "/api/v1/actions", headers: fixture.headers(.otherOrganiser))
            #expect(!theirs.body.contains("planning") && !theirs.body.contains("Hidden Mews"))
        }
    }

    @Test func thePublicSeesOnlyConfirmedEndorsementsAndSpeakers() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let endorsements = try object(try await client.call(.get, "/api/v1/actions/embassy-picket/endorsements").body)
            let items = endorsements["items"] as! [[String: Any]]
            #expect(items.map { ($0["organisation"] as! [String: Any])["slug"] as! String } == ["acr"])
            let managed = try object(try await client.call(.get, "/api/v1/actions/embassy-picket/endorsements",
                                                           headers: fixture.headers(.organiser)).body)
            #expect((managed["items"] as! [Any]).count == 2)
            let speakers = try await client.call(.get, "/api/v1/actions/embassy-picket/speakers")
            #expect(speakers.body.contains("Simon") && !speakers.body.contains("Unconfirmed Person"))
        }
    }

    @Test func noUnauthenticatedResponseCarriesPersonalDataIncidentsOrHiddenAddresses() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let document = try object(try await client.call(.get, "/openapi.json").body)
            let paths = document["paths"] as! [String: [String: Any]]
            var checked = 0
            for (path, operations) in paths where operations["get"] != nil {
                let uri = fixture.concrete(path)
                let response = try await client.call(.get, uri)
                for secret in APIFixture.secrets {
                    #expect(!response.body.contains(secret), "\(uri) leaks \(secret)")
                }
                #expect(!response.body.contains("plt_") && response.body.range(of: "whsec_[A-Za-z0-9+/]{8,}", options: .regularExpression) == nil, "\(uri) leaks a token or secret: \(response.body.prefix(400))")
                checked += 1
            }
            #expect(checked >= 20)
        }
    }

    @Test func anRSVPGetsAReceiptAndTheSameEmailUpdatesIt() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let first = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances",
                                              json: #"{"name": "Grace", "email": "grace@example.org", "consent_to_contact": true}"#)
            #expect(first.status == .created)
            let receipt = try object(first.body)
            #expect(receipt["created"] as? Bool == true && receipt["waitlisted"] as? Bool == false)
            #expect(!first.body.contains("grace@example.org") && !first.body.contains("Grace"))
            // Written by hand for speed, spelled as the encoder spells it.
            let token = try #require(receipt["manage_token"] as? String)
            #expect(token.wholeMatch(of: /rsvp_[0-9a-f]{32}/) != nil)
            let expected = RSVPReceipt(id: Int64(receipt["id"] as! Int), actionID: fixture.publicAction.id, status: .accepted,
                                       waitlisted: false, created: true, manageToken: token)
            #expect(first.body == (try PicketlineJSON.string(expected)))
            let again = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances",
                                              json: #"{"name": "Grace H", "email": "GRACE@example.org", "status": "tentative", "manage_token": ""#
                                                  + token + #""}"#)
            let againID = try object(again.body)["id"] as? Int
            let againToken = try object(again.body)["manage_token"] as? String
            #expect(again.status == .ok && againID == receipt["id"] as? Int && againToken == token)
            // Not saying anything of consent keeps the consent given; saying false withdraws it.
            let kept = try await fixture.store.attendance(Int64(againID ?? 0))
            #expect(kept.consentToContact && kept.status == .tentative)
            _ = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances",
                                      json: #"{"name": "Grace H", "email": "grace@example.org", "consent_to_contact": false, "manage_token": ""#
                                          + token + #""}"#)
            #expect(try await fixture.store.attendance(Int64(againID ?? 0)).consentToContact == false)
        }
    }

    /// An e-mail address is no secret: without the first answer's token, an anonymous answer
    /// from the same address changes nothing (it would decline someone else's place).
    @Test func anotherAnswerFromAKnownEmailNeedsTheManageTokenToChangeAnything() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let first = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances",
                                              json: #"{"name": "Cat", "email": "cat@example.org", "phone": "+44 7700 900321"}"#)
            let id = Int64(try object(first.body)["id"] as? Int ?? 0)
            let other = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances",
                                              json: #"{"name": "Dan", "email": "dan@example.org"}"#)
            let othersToken = try object(other.body)["manage_token"] as? String ?? ""
            for extra in ["", #", "manage_token": "rsvp_00000000000000000000000000000000""#, #", "manage_token": ""# + othersToken + #"""#] {
                let takeover = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances",
                                                     json: #"{"name": "Mallory", "email": "cat@example.org", "phone": "+440000000000", "status": "declined""#
                                                         + extra + "}")
                let error = try object(takeover.body)["error"] as? [String: Any]
                #expect(takeover.status == .conflict && error?["field"] as? String == "email", "\(takeover.body)")
            }
            let cat = try await fixture.store.attendance(id)
            #expect(cat.name == "Cat" && cat.phone == "+44 7700 900321" && cat.status == .accepted)
            // An organiser may change it without the token.
            let steward = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances", headers: fixture.headers(.organiser),
                                                json: #"{"name": "Cat", "email": "cat@example.org", "status": "declined"}"#)
            let declined = try await fixture.store.attendance(id).status
            #expect(steward.status == .ok && declined == .declined)
        }
    }

    @Test func publicWritesAreRateLimitedWithRetryAfter() async throws {
        let fixture = try await APIFixture.make { $0.publicWritesPerMinute = 3 }; defer { fixture.remove() }
        try await fixture.test { client in
            for index in 0..<3 {
                let ok = try await client.call(.post, "/api/v1/statements/release/signatures", json: #"{"name": "Signer \#(index)"}"#)
                #expect(ok.status == .created)
            }
            let limited = try await client.call(.post, "/api/v1/statements/release/signatures", json: #"{"name": "One too many"}"#)
            #expect(limited.status == .tooManyRequests)
            #expect(Int(limited.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect((try object(limited.body))["error"] != nil)
            fixture.clock.advance(by: 60)
            #expect(try await client.call(.post, "/api/v1/statements/release/signatures", json: #"{"name": "Later"}"#).status == .created)
        }
    }
}

@Suite struct BadInputTests {
    @Test(arguments: [
        ("{not json", "", 400),
        (#"["an", "array"]"#, "", 400),
        (#"{"email": "a@example.org"}"#, "name", 400),
        (#"{"name": 42, "email": "a@example.org"}"#, "name", 400),
        (#"{"name": "A", "email": "a@example.org", "colour": "red"}"#, "colour", 400),
        (#"{"name": "A", "email": "not-an-email"}"#, "email", 400),
        (#"{"name": "A", "email": "a@example.org", "status": "maybe"}"#, "status", 400),
        (#"{"name": "A", "email": "a@example.org", "consent_to_contact": "yes"}"#, "consent_to_contact", 400),
        (#"{"name": "A"}"#, "email", 400),
    ])
    func malformedBodiesAre400sNamingTheField(_ body: String, _ field: String, _ status: Int) async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let response = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances", json: body)
            #expect(response.status.code == status, "\(body) → \(response.status) \(response.body)")
            let error = try #require(try object(response.body)["error"] as? [String: Any])
            #expect(error["code"] as? String == "invalid" && error["message"] is String)
            if !field.isEmpty { #expect(error["field"] as? String == field, "\(response.body)") }
        }
    }

    @Test func aNestedFieldErrorNamesTheNestedField() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let response = try await client.call(.post, "/api/v1/actions", headers: fixture.headers(.admin), json: #"""
                {"title": "T", "start_date": "2026-12-10 12:00", "time_zone": "UTC", "location": {"location": {"latitude": "north", "longitude": 1}}}
                """#)
            #expect(response.status == .badRequest)
            #expect((try object(response.body)["error"] as? [String: Any])?["field"] as? String == "location.location.latitude")
        }
    }

    @Test func bodiesOverTheLimitAre413() async throws {
        let fixture = try await APIFixture.make { $0.maxBodyBytes = 2_048 }; defer { fixture.remove() }
        try await fixture.test { client in
            let big = #"{"name": ""# + String(repeating: "x", count: 5_000) + #"", "email": "a@example.org"}"#
            let response = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances", json: big)
            #expect(response.status == .contentTooLarge)
            #expect((try object(response.body))["error"] != nil)
        }
    }

    @Test func headAnswersEveryGetRouteWithItsHeadersAndNoBody() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            for path in ["/healthz", "/api/v1/actions", "/api/v1/actions/embassy-picket.ics"] {
                let get = try await client.call(.get, path)
                let head = try await client.call(.head, path)
                #expect(head.status == .ok && head.body.isEmpty, "HEAD \(path): \(head.status)")
                #expect(head.headers[.contentType] == get.headers[.contentType])
            }
        }
    }

    @Test func aRouteWithNoRequiredFieldTakesAnEmptyBody() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let cancelled = try await client.call(.post, "/api/v1/actions/embassy-picket/cancel", headers: fixture.headers(.organiser))
            #expect(cancelled.status == .ok, "\(cancelled.body)")
            let rsvp = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances")
            #expect(rsvp.status == .badRequest && rsvp.body.contains("needs a JSON object body"))
        }
    }

    @Test func stateConflictsAre409AndUnknownIdsAre404() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            _ = try await client.call(.post, "/api/v1/actions/embassy-picket/cancel", headers: fixture.headers(.organiser), json: "{}")
            let rsvp = try await client.call(.post, "/api/v1/actions/embassy-picket/attendances", json: #"{"name": "A", "email": "a@example.org"}"#)
            let rsvpError = try object(rsvp.body)["error"] as? [String: Any]
            #expect(rsvp.status == .conflict && rsvpError?["field"] as? String == "action")
            _ = try await client.call(.patch, "/api/v1/statements/release", headers: fixture.headers(.admin), json: #"{"status": "withdrawn"}"#)
            #expect(try await client.call(.post, "/api/v1/statements/release/signatures", json: #"{"name": "Late"}"#).status == .conflict)
            // Withdrawn is taken down: neither its text nor its signatories' names are public any more.
            for path in ["/api/v1/statements/release", "/api/v1/statements/release/signatures", "/api/v1/statements/release/signatures.csv"] {
                let gone = try await client.call(.get, path)
                #expect(gone.status == .gone && gone.body.contains("was withdrawn"), "\(path): \(gone.body)")
                #expect(try await client.call(.get, path, headers: fixture.headers(.admin)).status == .ok, "\(path)")
            }
            #expect(try await client.call(.get, "/api/v1/actions/999").status == .notFound)
            #expect(try await client.call(.get, "/api/v1/statements/nope/signatures").status == .notFound)
            // A 404 names the kind of thing not found: the field or path parameter that named it.
            let unknownCampaign = try await client.call(.post, "/api/v1/statements", headers: fixture.headers(.admin),
                                                        json: #"{"title": "T", "body": "B", "campaign": "nope"}"#)
            let unknownError = try object(unknownCampaign.body)["error"] as? [String: Any]
            #expect(unknownCampaign.status == .notFound && unknownError?["field"] as? String == "campaign", "\(unknownCampaign.body)")
            #expect(try await client.call(.patch, "/api/v1/attendances/999", headers: fixture.headers(.admin), json: #"{"status": "declined"}"#).status == .notFound)
            #expect(try await client.call(.get, "/api/v1/actions?per_page=101").status == .badRequest)
            // A page whose offset would overflow (it crashed the server) is refused, naming the field.
            for page in ["9223372036854775807", "368934881474191035", "1000001", "0"] {
                let response = try await client.call(.get, "/api/v1/actions?page=\(page)")
                #expect(response.status == .badRequest && response.body.contains(#""field":"page""#), "page=\(page): \(response.body)")
            }
            #expect(try await client.call(.get, "/api/v1/actions?page=1000000").status == .ok)
            #expect(try await client.call(.get, "/api/v1/actions?starts_after=yesterday").status == .badRequest)
            #expect(try await client.call(.get, "/api/v1/actions?status=maybe").status == .badRequest)
        }
    }

    @Test func anOrganiserWithdrawsTheirOwnOrganisationsSignatureOnly() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let signed = try await client.call(.post, "/api/v1/statements/release/signatures", headers: fixture.headers(.organiser),
                                               json: #"{"organisation": "acr"}"#)
            let id = try #require(try object(signed.body)["id"] as? Int)
            let other = try await client.call(.post, "/api/v1/signatures/\(id)/withdraw", headers: fixture.headers(.otherOrganiser))
            #expect(other.status == .forbidden)
            let own = try await client.call(.post, "/api/v1/signatures/\(id)/withdraw", headers: fixture.headers(.organiser))
            let withdrawn = try object(own.body)["withdrawn_date"]
            #expect(own.status == .ok && withdrawn != nil, "\(own.body)")
            // A person's signature stays an admin's to withdraw.
            let person = try await client.call(.post, "/api/v1/signatures/\(fixture.signature.id)/withdraw", headers: fixture.headers(.organiser))
            #expect(person.status == .forbidden)
        }
    }

    @Test func anotherOrganisationsIncidentLooksLikeAnUnknownOne() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            // A time to come is refused naming the field as the request spells it (QA: occurred_at).
            let future = try await client.call(.post, "/api/v1/actions/embassy-picket/incidents", headers: fixture.headers(.admin),
                                               json: #"{"kind": "arrest", "description": "x", "occurred_date": "2099-01-01T00:00:00Z"}"#)
            #expect(future.status == .badRequest && future.body.contains(#""field":"occurred_date""#), "\(future.body)")
            let theirs = try await client.call(.get, "/api/v1/incidents/\(fixture.incident.id)", headers: fixture.headers(.otherOrganiser))
            let unknown = try await client.call(.get, "/api/v1/incidents/999999", headers: fixture.headers(.otherOrganiser))
            #expect(theirs.status == .notFound && unknown.status == .notFound)
            #expect(theirs.body.replacingOccurrences(of: "\(fixture.incident.id)", with: "N") == unknown.body.replacingOccurrences(of: "999999", with: "N"))
            #expect(!theirs.body.contains("embassy") && !theirs.body.contains("Picket"), "\(theirs.body)")
        }
    }

    @Test func patchingEndDateNullRemovesTheEnd() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let patched = try await client.call(.patch, "/api/v1/actions/embassy-picket", headers: fixture.headers(.organiser),
                                                json: #"{"end_date": null}"#)
            let action = try object(patched.body)
            #expect(patched.status == .ok && action["end_date"] == nil, "\(patched.body)")
            #expect(action["revision"] as? Int == Int(fixture.publicAction.revision) + 1)
        }
    }

    /// A public statement about a private action does not give the action's id away.
    @Test func aPublicStatementHidesThePrivateActionItBelongsTo() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        _ = try await fixture.store.createStatement(StatementDraft(title: "For the meeting", slug: "meeting", body: "B", action: "planning"))
        _ = try await fixture.store.createStatement(StatementDraft(title: "For the picket", slug: "picket", body: "B", action: "embassy-picket"))
        try await fixture.test { client in
            let hidden = try object(try await client.call(.get, "/api/v1/statements/meeting").body)
            #expect(hidden["action_id"] == nil, "\(hidden)")
            let listed = try object(try await client.call(.get, "/api/v1/statements").body)["items"] as? [[String: Any]] ?? []
            #expect(listed.first { $0["slug"] as? String == "meeting" }?["action_id"] == nil)
            let shown = try object(try await client.call(.get, "/api/v1/statements/picket").body)
            #expect(shown["action_id"] as? Int == Int(fixture.publicAction.id))
            let admin = try object(try await client.call(.get, "/api/v1/statements/meeting", headers: fixture.headers(.admin)).body)
            #expect(admin["action_id"] as? Int == Int(fixture.privateAction.id))
        }
    }

    @Test func aWrongTokenIs401EvenOnPublicRoutes() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            #expect(try await client.call(.get, "/api/v1/actions", headers: [.authorization: "Bearer plt_wrong"]).status == .unauthorized)
            #expect(try await client.call(.get, "/api/v1/actions", headers: [.authorization: "Basic abc"]).status == .unauthorized)
            _ = try await fixture.store.revokeToken("acr")
            #expect(try await client.call(.get, "/api/v1/actions", headers: fixture.headers(.organiser)).status == .unauthorized)
        }
    }
}

@Suite struct ActionPatchTests {
    /// An organiser changing one line of a hidden address must not wipe the rest of the location
    /// or reveal it; only `public` reveals it, and null clears a field.
    @Test func aLocationPatchChangesOnlyTheFieldsSentAndKeepsAHiddenAddressHidden() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let patched = try await client.call(.patch, "/api/v1/actions/embassy-picket", headers: fixture.headers(.organiser),
                                                json: #"{"location": {"address_lines": ["9 Hidden Mews"]}}"#)
            #expect(patched.status == .ok, "\(patched.body)")
            let location = try #require(try object(patched.body)["location"] as? [String: Any])
            #expect(location["venue"] as? String == "Embassy" && location["locality"] as? String == "London")
            #expect(location["country"] as? String == "GB" && location["address_lines"] as? [String] == ["9 Hidden Mews"])
            #expect(location["public"] as? Bool == false)
            let anonymous = try await client.call(.get, "/api/v1/actions/embassy-picket")
            #expect(!anonymous.body.contains("Hidden Mews") && anonymous.body.contains("London"))

            let cleared = try await client.call(.patch, "/api/v1/actions/embassy-picket", headers: fixture.headers(.organiser),
                                                json: #"{"location": {"venue": null, "location": {"latitude": 51.5, "longitude": -0.13}}}"#)
            let after = try #require(try object(cleared.body)["location"] as? [String: Any])
            #expect((after["venue"] == nil || after["venue"] is NSNull) && after["locality"] as? String == "London" && after["public"] as? Bool == false)
            #expect((after["location"] as? [String: Any])?["longitude"] as? Double == -0.13)

            _ = try await client.call(.patch, "/api/v1/actions/embassy-picket", headers: fixture.headers(.organiser),
                                      json: #"{"location": {"public": true}}"#)
            #expect(try await client.call(.get, "/api/v1/actions/embassy-picket").body.contains("9 Hidden Mews"))
        }
    }
}

@Suite struct SlugTests {
    /// A slug asked for is kept or refused, never quietly changed; one made from the title moves
    /// aside (-2); a PATCH cannot change it (it would break every link already shared).
    @Test func anExplicitSlugThatIsTakenIsAConflictAndAPatchCannotChangeOne() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let body = #"{"title": "Picket of the embassy", "start_date": "2026-12-20 12:00", "time_zone": "Europe/London""#
            let taken = try await client.call(.post, "/api/v1/actions", headers: fixture.headers(.admin),
                                              json: body + #", "slug": "embassy-picket"}"#)
            #expect(taken.status == .conflict && taken.body.contains(#""field":"slug""#), "\(taken.body)")
            let derived = try await client.call(.post, "/api/v1/actions", headers: fixture.headers(.admin), json: body + "}")
            #expect(derived.status == .created)
            #expect(try object(derived.body)["slug"] as? String == "picket-of-the-embassy")
            let again = try await client.call(.post, "/api/v1/actions", headers: fixture.headers(.admin), json: body + "}")
            #expect(try object(again.body)["slug"] as? String == "picket-of-the-embassy-2")
            let renamed = try await client.call(.patch, "/api/v1/actions/embassy-picket", headers: fixture.headers(.admin),
                                                json: #"{"slug": "embassy-picket-2027"}"#)
            #expect(renamed.status == .badRequest && renamed.body.contains(#""field":"slug""#), "\(renamed.body)")
            let statement = try await client.call(.post, "/api/v1/statements", headers: fixture.headers(.admin),
                                                  json: #"{"title": "Free them", "body": "Text", "slug": "release"}"#)
            #expect(statement.status == .conflict, "\(statement.body)")
        }
    }

    /// The zone is kept as given: Foundation calls UTC's zone "GMT", which the action returned.
    @Test func anActionInUTCSaysUTC() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let utc = try await client.call(.post, "/api/v1/actions", headers: fixture.headers(.admin),
                                            json: #"{"title": "Online rally", "start_date": "2026-12-20 12:00", "time_zone": "UTC"}"#)
            #expect(try object(utc.body)["time_zone"] as? String == "UTC", "\(utc.body)")
        }
    }
}

@Suite struct ErrorFieldNameTests {
    /// `field` names what the request sent, not the domain's name for it.
    @Test(arguments: [
        ("PATCH", "/api/v1/actions/embassy-picket", #"{"end_date": "2026-12-01 08:00"}"#, "end_date"),
        ("PATCH", "/api/v1/actions/embassy-picket", #"{"location": {"location": {"latitude": 95, "longitude": 0}}}"#, "location.location.latitude"),
        ("PATCH", "/api/v1/webhooks/{webhook}", #"{"event_types": ["bogus.event"]}"#, "event_types"),
        ("POST", "/api/v1/schedules", #"{"kind": "digest", "cron": "61 3 * * *", "time_zone": "UTC"}"#, "cron"),
        ("POST", "/api/v1/schedules", #"{"kind": "digest", "cron": "0 3 * * *", "time_zone": "Nowhere/Zone"}"#, "time_zone"),
    ])
    func errorsNameTheRequestsFieldsNotTheDomains(_ method: String, _ path: String, _ json: String, _ expected: String) async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let uri = path.replacingOccurrences(of: "{webhook}", with: String(fixture.webhook.id))
            let response = try await client.call(method == "POST" ? .post : .patch, uri, headers: fixture.headers(.admin), json: json)
            #expect(response.status == .badRequest, "\(uri): \(response.body)")
            let error = try object(response.body)["error"] as? [String: Any]
            #expect(error?["field"] as? String == expected, "\(response.body)")
            #expect((error?["message"] as? String)?.hasPrefix(expected + ":") == true, "\(response.body)")
        }
    }
}

@Suite struct PathEncodingTests {
    @Test func aPercentEncodedSlugFindsTheAction() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let encoded = try await client.call(.get, "/api/v1/actions/embassy%2Dpicket")
            let slug = try object(encoded.body)["slug"] as? String
            #expect(encoded.status == .ok && slug == "embassy-picket", "\(encoded.body)")
        }
    }
}

@Suite struct MethodTests {
    /// A path that exists answers a method it lacks with 405 and the methods it has; OPTIONS with them.
    @Test func aWrongMethodIs405WithAllowAndOptionsListsTheMethods() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let put = try await client.call(.put, "/api/v1/actions", headers: fixture.headers(.admin), json: "{}")
            #expect(put.status == .methodNotAllowed && put.headers[.allow] == "GET, HEAD, POST", "\(put.status) \(put.headers)")
            let delete = try await client.call(.delete, "/api/v1/actions/embassy-picket.ics")
            #expect(delete.status == .methodNotAllowed && delete.headers[.allow] == "GET, HEAD")
            let options = try await client.call(.options, "/api/v1/actions/embassy-picket")
            #expect(options.status == .noContent && options.headers[.allow]?.contains("PATCH") == true)
            #expect(try await client.call(.put, "/api/v1/nothing-here").status == .notFound)
        }
    }
}

@Suite struct TimeBoundTests {
    /// A time past 9999 in UTC (an offset can push 9999-12-31 there) would be stored with a
    /// five-digit year, which is not RFC 3339: refused, naming the field.
    @Test func aTimeAfterTheYear9999IsRefused() async throws {
        let fixture = try await APIFixture.make(); defer { fixture.remove() }
        try await fixture.test { client in
            let response = try await client.call(.post, "/api/v1/actions/embassy-picket/headcounts", headers: fixture.headers(.organiser),
                                                 json: #"{"count": 12, "counted_date": "9999-12-31T23:59:59-23:59"}"#)
            let error = try object(response.body)["error"] as? [String: Any]
            #expect(response.status == .badRequest && error?["field"] as? String == "counted_date", "\(response.body)")
        }
    }
}

@Suite struct CORSTests {
    static let site = "https://campaign.example.org"

    /// A campaign's own page may RSVP from the browser: the preflight is answered with the
    /// methods the path takes, and the answer (an error too) carries the origin. Another site
    /// gets no CORS headers, and without configured origins nothing changes.
    @Test func aConfiguredSiteMayCallTheAPIFromTheBrowserAndOthersMayNot() async throws {
        let fixture = try await APIFixture.make { $0.corsOrigins = [Self.site] }; defer { fixture.remove() }
        try await fixture.test { client in
            let path = "/api/v1/actions/embassy-picket/attendances"
            let preflight = try await client.call(.options, path, headers: [
                .origin: Self.site, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "content-type"])
            #expect(preflight.status == .noContent && preflight.headers[.accessControlAllowOrigin] == Self.site)
            #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.lowercased().contains("content-type") == true)
            let rsvp = try await client.call(.post, path, headers: [.origin: Self.site, .contentType: "application/json"],
                                             json: #"{"name": "Web form", "email": "web@example.org"}"#)
            #expect(rsvp.status == .created && rsvp.headers[.accessControlAllowOrigin] == Self.site)
            let refused = try await client.call(.post, path, headers: [.origin: Self.site], json: #"{"email": "x@example.org"}"#)
            #expect(refused.status == .badRequest && refused.headers[.accessControlAllowOrigin] == Self.site)
            let other = try await client.call(.post, path, headers: [.origin: "https://elsewhere.example"],
                                              json: #"{"name": "Other", "email": "other@example.org"}"#)
            #expect(other.headers[.accessControlAllowOrigin] == nil)
        }
        let plain = try await APIFixture.make(); defer { plain.remove() }
        try await plain.test { client in
            let response = try await client.call(.get, "/api/v1/actions", headers: [.origin: Self.site])
            #expect(response.status == .ok && response.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test(arguments: ["https://campaign.example.org/", "HTTPS://Campaign.Example.org", "*", "http://localhost:3000"])
    func originsAreReadAsSchemeAndHost(_ text: String) throws {
        #expect(try HTTPConfiguration.corsOrigin(text) == (text == "*" ? "*" : text.lowercased().trimmingCharacters(in: ["/"])))
    }

    @Test(arguments: ["campaign.example.org", "ftp://example.org", "https://example.org/rsvp", "https://", "https://a b"])
    func otherTextIsNotAnOrigin(_ text: String) {
        #expect(throws: PicketlineError.self) { try HTTPConfiguration.corsOrigin(text) }
    }
}

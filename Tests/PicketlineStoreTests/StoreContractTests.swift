import Foundation
import Testing
import PicketlineCore

/// Behaviour every `Store` implementation must have, written against the protocol only.
@Suite struct StoreContractTests {
    private func future(_ store: any Store, clock: ManualClock, capacity: Int? = nil, title: String = "Picket") async throws -> Action {
        try await store.createAction(ActionDraft(
            title: title, startsAt: clock.now().addingTimeInterval(86_400), timeZone: "Europe/London",
            status: .confirmed, capacity: capacity))
    }

    @Test(arguments: StoreFactory.allCases)
    func organisationsAndCampaignsAreFoundByIdOrSlug(_ factory: StoreFactory) async throws {
        let (store, _, cleanup) = try factory.make(); defer { cleanup() }
        let organisation = try await store.createOrganisation(OrganisationDraft(name: "Workers' Liberty", kind: .party, country: "gb"))
        #expect(organisation.slug == "workers-liberty" && organisation.country == "GB")
        #expect(try await store.organisation("workers-liberty") == organisation)
        #expect(try await store.organisation(String(organisation.id)) == organisation)
        await #expect(throws: PicketlineError.notFound(entity: "organisation", reference: "nobody")) {
            try await store.organisation("nobody")
        }
        await #expect(throws: PicketlineError.self) {
            try await store.createOrganisation(OrganisationDraft(name: "Workers Liberty", slug: "workers-liberty"))
        }
        let campaign = try await store.createCampaign(CampaignDraft(name: "Kazakhstan solidarity"))
        let renamed = try await store.updateCampaign(campaign.slug, CampaignChanges(name: "Solidarity with Kazakhstan"))
        #expect(renamed.name == "Solidarity with Kazakhstan" && renamed.slug == campaign.slug)
    }

    @Test(arguments: StoreFactory.allCases)
    func anActionWithAnUnknownCampaignIsRefusedAndNothingIsWritten(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        await #expect(throws: PicketlineError.notFound(entity: "campaign", reference: "ghost")) {
            try await store.createAction(ActionDraft(title: "Picket", startsAt: clock.now(), timeZone: "UTC", campaign: "ghost"))
        }
        #expect(try await store.actions(ActionFilter(), page: .first).total == 0)
        #expect(try await store.outboxEvents(after: 0, limit: 10).isEmpty)
    }

    @Test(arguments: StoreFactory.allCases)
    func actionsFilterAndPaginate(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let campaign = try await store.createCampaign(CampaignDraft(name: "Housing"))
        for day in 1...12 {
            _ = try await store.createAction(ActionDraft(
                title: "Picket \(day)", startsAt: clock.now().addingTimeInterval(Double(day) * 86_400), timeZone: "UTC",
                status: day % 3 == 0 ? .tentative : .confirmed, campaign: day <= 6 ? campaign.slug : nil))
        }
        let page = try await store.actions(ActionFilter(status: .confirmed), page: try PageRequest(page: 2, perPage: 5))
        #expect(page.total == 8 && page.items.count == 3 && page.totalPages == 2)
        #expect(page.items.map(\.title) == ["Picket 8", "Picket 10", "Picket 11"])
        let inCampaign = try await store.actions(ActionFilter(campaign: "housing"), page: .first)
        #expect(inCampaign.items.map(\.title) == (1...6).map { "Picket \($0)" })
        let window = try await store.actions(ActionFilter(startsAfter: clock.now().addingTimeInterval(3 * 86_400),
                                                          startsBefore: clock.now().addingTimeInterval(5 * 86_400)), page: .first)
        #expect(window.items.map(\.title) == ["Picket 3", "Picket 4"])
    }

    @Test(arguments: StoreFactory.allCases)
    func updatingAnActionBumpsItsRevisionAndCancellingIsAConflictTheSecondTime(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let action = try await future(store, clock: clock)
        clock.advance(by: 60)
        let moved = try await store.updateAction(action.slug, ActionChanges(startsAt: action.startsAt.addingTimeInterval(3600)))
        #expect(moved.revision == 1 && moved.updatedAt > action.updatedAt)
        let unchanged = try await store.updateAction(action.slug, ActionChanges(title: action.title))
        #expect(unchanged.revision == 1)
        await #expect(throws: PicketlineError.self) {
            try await store.updateAction(action.slug, ActionChanges(endsAt: action.startsAt.addingTimeInterval(-1)))
        }
        let cancelled = try await store.cancelAction(action.slug, reason: "won")
        #expect(cancelled.status == .cancelled && cancelled.revision == 2)
        await #expect(throws: PicketlineError.self) { try await store.cancelAction(action.slug, reason: nil) }
        let recent = try await store.actions(ActionFilter(modifiedSince: clock.now()), page: .first)
        #expect(recent.items.map(\.id) == [action.id])
    }

    @Test(arguments: StoreFactory.allCases)
    func endorsementsListCallersFirstAndWithdrawnOnlyOnRequest(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let action = try await future(store, clock: clock)
        for name in ["rs21", "Workers Power", "ACR"] { _ = try await store.createOrganisation(OrganisationDraft(name: name)) }
        _ = try await store.endorse(action: action.slug, organisation: "rs21", role: .supporter, state: .confirmed)
        _ = try await store.endorse(action: action.slug, organisation: "workers-power", role: .supporter, state: .invited)
        // Listing by organisation counts confirmed support only, not an invitation.
        #expect(try await store.actions(ActionFilter(organisation: "workers-power"), page: .first).total == 0)
        _ = try await store.endorse(action: action.slug, organisation: "acr", role: .caller, state: .confirmed)
        await #expect(throws: PicketlineError.self) {
            try await store.endorse(action: action.slug, organisation: "rs21", role: .caller, state: .confirmed)
        }
        #expect(try await store.endorsements(ofAction: action.slug, includeWithdrawn: false).map(\.organisation.slug)
                == ["acr", "rs21", "workers-power"])
        _ = try await store.setEndorsement(action: action.slug, organisation: "rs21", state: .withdrawn, role: nil)
        #expect(try await store.endorsements(ofAction: action.slug, includeWithdrawn: false).map(\.organisation.slug) == ["acr", "workers-power"])
        #expect(try await store.endorsements(ofAction: action.slug, includeWithdrawn: true).count == 3)
        let confirmed = try await store.setEndorsement(action: action.slug, organisation: "workers-power", state: .confirmed, role: .coOrganiser)
        #expect(confirmed.state == .confirmed && confirmed.role == .coOrganiser)
        #expect(try await store.actions(ActionFilter(organisation: "workers-power"), page: .first).total == 1)
        #expect(try await store.endorsements(byOrganisation: "acr", includeWithdrawn: false).map(\.action.id) == [action.id])
        #expect(try await store.actions(ActionFilter(organisation: "rs21"), page: .first).total == 0)
        #expect(try await store.actions(ActionFilter(organisation: "acr"), page: .first).total == 1)
    }

    @Test(arguments: StoreFactory.allCases)
    func theLineupKeepsItsOrderThroughInsertsAndMoves(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let action = try await future(store, clock: clock)
        _ = try await store.createOrganisation(OrganisationDraft(name: "ACR"))
        let chair = try await store.addSpeaker(action: action.slug, SpeakerDraft(name: "Simon", organisation: "acr", role: .chair, state: .confirmed))
        let second = try await store.addSpeaker(action: action.slug, SpeakerDraft(name: "Yuliya", state: .confirmed))
        let third = try await store.addSpeaker(action: action.slug, SpeakerDraft(name: "Chris"))
        _ = try await store.addSpeaker(action: action.slug, SpeakerDraft(name: "Paul", affiliation: "NUJ", position: 2))
        #expect(try await store.lineup(action: action.slug, includeWithdrawn: false).map(\.speaker.name) == ["Simon", "Paul", "Yuliya", "Chris"])
        let moved = try await store.moveSpeaker(third.id, to: 1)
        #expect(moved.map(\.speaker.name) == ["Chris", "Simon", "Paul", "Yuliya"])
        #expect(moved.map(\.speaker.position) == [1, 2, 3, 4])
        _ = try await store.setSpeakerState(second.id, .withdrawn)
        let lineup = try await store.lineup(action: action.slug, includeWithdrawn: false)
        #expect(lineup.map(\.speaker.name) == ["Chris", "Simon", "Paul"])
        #expect(lineup[1].organisation?.slug == "acr" && lineup[1].speaker.id == chair.id)
        // The numbers shown have no gap where Yuliya was; she waits after the line-up, unmovable.
        #expect(lineup.map(\.speaker.position) == [1, 2, 3])
        await #expect(throws: PicketlineError.self) { try await store.moveSpeaker(second.id, to: 1) }
        let back = try await store.setSpeakerState(second.id, .invited)
        #expect(back.position == 4)
        #expect(try await store.lineup(action: action.slug, includeWithdrawn: false).map(\.speaker.position) == [1, 2, 3, 4])
        // One chair: a second is refused until the first withdraws, and the first cannot come back as a second.
        let twice = SpeakerDraft(name: "Ana", role: .chair, state: .confirmed)
        do { _ = try await store.addSpeaker(action: action.slug, twice); Issue.record("a second chair") } catch let error as PicketlineError {
            #expect(error.field == "role")
        }
        _ = try await store.setSpeakerState(chair.id, .withdrawn)
        _ = try await store.addSpeaker(action: action.slug, twice)
        await #expect(throws: PicketlineError.self) { try await store.setSpeakerState(chair.id, .confirmed) }
        await #expect(throws: PicketlineError.notFound(entity: "speaker", reference: "999")) {
            try await store.setSpeakerState(999, .confirmed)
        }
    }

    @Test(arguments: StoreFactory.allCases)
    func theSameEmailUpdatesTheEarlierRSVP(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let action = try await future(store, clock: clock)
        let first = try await store.rsvp(action: action.slug, RSVP(name: "Ada", email: "ada@example.org"))
        let second = try await store.rsvp(action: action.slug, RSVP(name: "Ada Lovelace", email: "ADA@example.org", status: .tentative))
        #expect(first.created && !second.created && first.attendance.id == second.attendance.id)
        #expect(second.attendance.name == "Ada Lovelace" && second.attendance.status == .tentative)
        #expect(try await store.attendances(action: action.slug).count == 1)
    }

    @Test(arguments: StoreFactory.allCases)
    func theSamePhoneWithoutAnEmailUpdatesTheEarlierRSVP(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let action = try await future(store, clock: clock, capacity: 1)
        let first = try await store.rsvp(action: action.slug, RSVP(name: "Ada", phone: "+44 7700 900000"))
        // The same number however it is spaced (found by QA: "+447700900000" took a second place).
        let again = try await store.rsvp(action: action.slug, RSVP(name: "Ada L", phone: "+447700900000", status: .declined))
        #expect(first.created && !again.created && again.attendance.id == first.attendance.id)
        #expect(again.attendance.name == "Ada L" && again.attendance.status == .declined)
        // The same number with an e-mail is the same person adding it: their answer, now with the
        // e-mail, and no second place.
        let withEmail = try await store.rsvp(action: action.slug, RSVP(name: "Ada", email: "ada@example.org", phone: "+44 (7700) 900-000"))
        #expect(!withEmail.created && withEmail.attendance.id == first.attendance.id && withEmail.attendance.email == "ada@example.org")
        #expect(withEmail.attendance.status == .accepted && !withEmail.attendance.waitlisted)
        // A shared phone: the number with another e-mail is someone else's answer.
        let partner = try await store.rsvp(action: action.slug, RSVP(name: "Bo", email: "bo@example.org", phone: "+44 7700 900000"))
        #expect(partner.created && partner.attendance.id != first.attendance.id && partner.attendance.waitlisted)
        // The number alone names neither of them now: refused, and nobody's answer changes (QA).
        let error = await #expect(throws: PicketlineError.self) {
            _ = try await store.rsvp(action: action.slug, RSVP(name: "Ada", phone: "+44 7700 900 000", status: .declined))
        }
        #expect(error?.field == "phone" && error?.description.contains("more than one person") == true)
        #expect(try await store.attendances(action: action.slug).map(\.status) == [.accepted, .accepted])
        // A number without its country code is not taken for it.
        let national = try await store.rsvp(action: action.slug, RSVP(name: "Cy", phone: "07700 900000"))
        #expect(national.created)
        #expect(try await store.attendances(action: action.slug).map(\.name) == ["Ada", "Bo", "Cy"])
    }

    @Test(arguments: StoreFactory.allCases)
    func anAnswerFromAKnownPhoneIsRefusedToWhoeverMayNotChangeIt(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let action = try await future(store, clock: clock, capacity: 5)
        let first = try await store.rsvp(action: action.slug, RSVP(name: "Ada", phone: "+44 7700 900000"))
        for rsvp in [RSVP(name: "Ada", phone: "+447700900000"), RSVP(name: "Ada", email: "ada@example.org", phone: "+44 7700 900000")] {
            let error = await #expect(throws: PicketlineError.self) {
                _ = try await store.rsvp(action: action.slug, rsvp, publicOnly: false, mayUpdate: { $0 != first.attendance.id })
            }
            #expect(error?.field == "phone" && error?.description.contains("phone number has already answered") == true)
        }
        #expect(try await store.attendances(action: action.slug).count == 1)
    }

    @Test(arguments: StoreFactory.allCases)
    func rsvpsBeyondCapacityAreWaitlistedAndPromotedInOrderWhenAPlaceFrees(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let action = try await future(store, clock: clock, capacity: 2)
        var ids: [Int64] = []
        for name in ["a", "b", "c", "d"] {
            clock.advance(by: 1)
            ids.append(try await store.rsvp(action: action.slug, RSVP(name: name, email: "\(name)@example.org")).attendance.id)
        }
        var all = try await store.attendances(action: action.slug)
        #expect(all.map(\.waitlisted) == [false, false, true, true])
        // Declining frees a place: the first waitlisted (c) is promoted, not d.
        _ = try await store.setAttendanceStatus(ids[0], .declined)
        all = try await store.attendances(action: action.slug)
        #expect(all.map(\.waitlisted) == [false, false, false, true])
        // Declining by answering again (the action named by its id this time) promotes d.
        let declined = try await store.rsvp(action: String(action.id), RSVP(name: "b", email: "b@example.org", status: .declined))
        #expect(!declined.created && declined.attendance.id == ids[1] && declined.attendance.status == .declined)
        all = try await store.attendances(action: action.slug)
        #expect(all.map(\.waitlisted) == [false, false, false, false])
        // Raising the capacity leaves room for more.
        _ = try await store.updateAction(action.slug, ActionChanges(capacity: .some(5)))
        #expect(try await store.attendanceSummary(action: action.slug).waitlisted == 0)
        let summary = try await store.attendanceSummary(action: action.slug)
        #expect(summary.accepted == 2 && summary.declined == 2 && summary.placesLeft == 3)
    }

    @Test(arguments: StoreFactory.allCases)
    func rsvpsToCancelledOrFinishedActionsAreConflicts(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let cancelled = try await future(store, clock: clock, title: "Off")
        _ = try await store.cancelAction(cancelled.slug, reason: nil)
        await #expect(throws: PicketlineError.conflict(field: "action", reason: "Off is cancelled")) {
            try await store.rsvp(action: cancelled.slug, RSVP(name: "Ada", email: "ada@example.org"))
        }
        let past = try await store.createAction(ActionDraft(title: "Over", startsAt: clock.now().addingTimeInterval(-86_400), timeZone: "UTC"))
        await #expect(throws: PicketlineError.conflict(field: "action", reason: "Over is over")) {
            try await store.rsvp(action: past.slug, RSVP(name: "Ada", email: "ada@example.org"))
        }
        // Without an end, an action takes RSVPs until three hours after its start; with one, until its end.
        let now = clock.now()
        let started = try await store.createAction(ActionDraft(title: "Started", startsAt: now.addingTimeInterval(-2 * 3_600), timeZone: "UTC"))
        #expect(try await store.rsvp(action: started.slug, RSVP(name: "Ada", email: "ada@example.org")).created)
        let lapsed = try await store.createAction(ActionDraft(title: "Lapsed", startsAt: now.addingTimeInterval(-3 * 3_600 - 1), timeZone: "UTC"))
        await #expect(throws: PicketlineError.conflict(field: "action", reason: "Lapsed is over")) {
            try await store.rsvp(action: lapsed.slug, RSVP(name: "Ada", email: "ada@example.org"))
        }
        let long = try await store.createAction(ActionDraft(title: "Long", startsAt: now.addingTimeInterval(-5 * 3_600),
                                                            endsAt: now.addingTimeInterval(60), timeZone: "UTC"))
        #expect(try await store.rsvp(action: String(long.id), RSVP(name: "Ada", email: "ada@example.org")).created)
        clock.advance(by: 61)
        await #expect(throws: PicketlineError.conflict(field: "action", reason: "Long is over")) {
            try await store.rsvp(action: long.slug, RSVP(name: "Bo", email: "bo@example.org"))
        }
    }

    @Test(arguments: StoreFactory.allCases)
    func checkInAndHeadcountsAreCounted(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let action = try await future(store, clock: clock)
        let rsvp = try await store.rsvp(action: action.slug, RSVP(name: "Ada", phone: "+44 7700 900000"))
        let checkedIn = try await store.checkIn(rsvp.attendance.id)
        #expect(checkedIn.attended && checkedIn.checkedInAt == clock.now())
        // Only someone holding a place is checked in: not after declining, not from the waitlist.
        let full = try await future(store, clock: clock, capacity: 1, title: "Meeting")
        _ = try await store.rsvp(action: full.slug, RSVP(name: "Bo", email: "bo@example.org"))
        let waiting = try await store.rsvp(action: full.slug, RSVP(name: "Cy", email: "cy@example.org")).attendance
        let declined = try await store.rsvp(action: full.slug, RSVP(name: "Di", email: "di@example.org", status: .declined)).attendance
        #expect(waiting.waitlisted)
        for (id, field) in [(waiting.id, "waitlisted"), (declined.id, "status")] {
            do { _ = try await store.checkIn(id); Issue.record("checked in \(id)") } catch let error as PicketlineError {
                #expect(error.field == field)
            }
        }
        #expect(try await store.attendanceSummary(action: full.slug).attended == 0)
        _ = try await store.recordHeadcount(action: action.slug, count: 40, countedAt: action.startsAt, note: nil)
        _ = try await store.recordHeadcount(action: action.slug, count: 50, countedAt: action.startsAt.addingTimeInterval(900), note: "rain")
        let summary = try await store.attendanceSummary(action: action.slug)
        #expect(summary.attended == 1 && summary.latestHeadcount == 50)
        #expect(try await store.headcounts(action: action.slug).map(\.count) == [40, 50])
        // Declining after the check-in takes the check-in with the place: not counted as present.
        let left = try await store.setAttendanceStatus(rsvp.attendance.id, .declined)
        #expect(!left.attended && left.checkedInAt == nil)
        #expect(try await store.attendanceSummary(action: action.slug).attended == 0)
        await #expect(throws: PicketlineError.self) {
            try await store.recordHeadcount(action: action.slug, count: -1, countedAt: nil, note: nil)
        }
    }

    @Test(arguments: StoreFactory.allCases)
    func statementsAreSignedInOrderAndWithdrawnSignaturesStayOnRecord(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        for name in ["Russian Socialist Movement", "Marxist Tendency"] {
            _ = try await store.createOrganisation(OrganisationDraft(name: name))
        }
        let statement = try await store.createStatement(StatementDraft(
            title: "Release the detainees", body: "We demand:", demands: ["Release all detainees", "Stop the intervention"],
            issuedOn: "2022-01-06"))
        #expect(try await store.statement(statement.slug).demands == ["Release all detainees", "Stop the intervention"])
        _ = try await store.sign(statement: statement.slug, .organisation("russian-socialist-movement"))
        clock.advance(by: 1)
        _ = try await store.sign(statement: statement.slug, .organisation("marxist-tendency"))
        clock.advance(by: 1)
        let person = try await store.sign(statement: statement.slug, .person(name: "Ada", affiliation: "UCU", email: "ada@example.org"))
        await #expect(throws: PicketlineError.self) {
            try await store.sign(statement: statement.slug, .organisation("marxist-tendency"))
        }
        await #expect(throws: PicketlineError.self) {
            try await store.sign(statement: statement.slug, .person(name: "Ada L", affiliation: nil, email: "ada@example.org"))
        }
        #expect(try await store.signatures(statement: statement.slug, includeWithdrawn: false).map(\.name)
                == ["Russian Socialist Movement", "Marxist Tendency", "Ada"])
        _ = try await store.withdrawSignature(person.id)
        #expect(try await store.signatures(statement: statement.slug, includeWithdrawn: false).count == 2)
        #expect(try await store.signatures(statement: statement.slug, includeWithdrawn: true).count == 3)
        _ = try await store.updateStatement(statement.slug, StatementChanges(demands: ["Only one"], status: .withdrawn))
        #expect(try await store.statement(statement.slug).demands == ["Only one"])
        await #expect(throws: PicketlineError.self) {
            try await store.sign(statement: statement.slug, .person(name: "Bob", affiliation: nil, email: nil))
        }
    }

    @Test(arguments: StoreFactory.allCases)
    func incidentsKeepAFollowUpLog(_ factory: StoreFactory) async throws {
        let (store, clock, cleanup) = try factory.make(); defer { cleanup() }
        let action = try await future(store, clock: clock)
        let incident = try await store.reportIncident(action: action.slug, IncidentReport(
            kind: .arrest, description: "Arrested for criminal damage", peopleConcerned: "one comrade"))
        #expect(incident.state == .open)
        _ = try await store.followUpIncident(incident.id, state: .supported, note: "Solicitor at Charing Cross")
        let closed = try await store.followUpIncident(incident.id, state: .closed, note: "Released, no charge")
        #expect(closed.state == .closed)
        #expect(try await store.incidentUpdates(incident.id).map(\.state) == [.open, .supported, .closed])
        #expect(try await store.incidents(action: action.slug).map(\.id) == [incident.id])
        await #expect(throws: PicketlineError.self) { try await store.followUpIncident(incident.id, state: nil, note: nil) }
        // The state it has, with nothing to note, changes nothing; an empty note is named as such.
        _ = try await store.followUpIncident(incident.id, state: .closed, note: nil)
        #expect(try await store.incidentUpdates(incident.id).count == 3)
        await #expect(throws: PicketlineError.invalid(field: "note", reason: "must not be empty")) {
            try await store.followUpIncident(incident.id, state: nil, note: " ")
        }
        // An incident "reported" for later is a typo.
        await #expect(throws: PicketlineError.self) {
            try await store.reportIncident(action: action.slug, IncidentReport(kind: .other, occurredAt: clock.now().addingTimeInterval(86_400),
                                                                                 description: "x"))
        }
    }
}

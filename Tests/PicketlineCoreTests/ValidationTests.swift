import Foundation
import Testing
@testable import PicketlineCore

private let start = Date(timeIntervalSince1970: 1_641_643_200) // 2022-01-08T12:00:00Z

private func field(of body: () throws -> Void) -> String? {
    do { try body(); return nil } catch let error as PicketlineError { return error.field } catch { return "unexpected \(error)" }
}

@Test func anActionWithAnEmptyTitleIsRefusedNamingTheTitle() {
    #expect(field { _ = try ActionDraft(title: "   ", startsAt: start, timeZone: "Europe/London").validated() } == "title")
}

@Test func anActionEndingBeforeItStartsIsRefusedNamingTheEnd() {
    #expect(field {
        _ = try ActionDraft(title: "Picket", startsAt: start, endsAt: start.addingTimeInterval(-60), timeZone: "UTC").validated()
    } == "ends_at")
}

@Test func anUnknownTimeZoneIsRefused() {
    #expect(field { _ = try ActionDraft(title: "Picket", startsAt: start, timeZone: "Europe/Londn").validated() } == "time_zone")
    #expect(field { _ = try ActionDraft(title: "Picket", startsAt: start, timeZone: "Mars/Olympus").validated() } == "time_zone")
}

@Test func aNegativeCapacityIsRefused() {
    #expect(field { _ = try ActionDraft(title: "Picket", startsAt: start, timeZone: "UTC", capacity: -1).validated() } == "capacity")
    #expect(field { _ = try ActionDraft(title: "Picket", startsAt: start, timeZone: "UTC", capacity: 0).validated() } == nil)
}

@Test func latitudeWithoutLongitudeIsRefused() {
    let location = Location(latitude: 51.5)
    #expect(field { _ = try ActionDraft(title: "Picket", location: location, startsAt: start, timeZone: "UTC").validated() }
            == "location.longitude")
}

@Test func aValidActionGetsASlugFromItsTitle() throws {
    let draft = try ActionDraft(title: "Picket of the Kazakhstan Embassy!", startsAt: start, timeZone: "Europe/London").validated()
    #expect(draft.slug == "picket-of-the-kazakhstan-embassy")
}

@Test(arguments: ["ada", "ada@", "@example.org", "ada@example", "ada @example.org", "ada@example.org, bob@example.org",
                  "ada\t@example.org", "ada@exam\u{00A0}ple.org", "ada@example.org;bob@example.org", "Ada <ada@example.org>"])
func malformedEmailsAreRefused(_ email: String) {
    #expect(field { _ = try RSVP(name: "Ada", email: email).validated() } == "email")
}

@Test func emailsAreLowerCasedSoTheSameSupporterIsRecognised() throws {
    #expect(try RSVP(name: "Ada", email: "Ada@Example.ORG").validated().email == "ada@example.org")
}

@Test func anRSVPNeedsAnEmailOrAPhone() throws {
    #expect(field { _ = try RSVP(name: "Ada").validated() } == "email")
    #expect(try RSVP(name: "Ada", phone: "+44 20 7946 0000").validated().phone == "+44 20 7946 0000")
    #expect(field { _ = try RSVP(name: "Ada", phone: "call me").validated() } == "phone")
}

@Test func organisationsNeedANameAndAValidWebsiteAndCountry() {
    #expect(field { _ = try OrganisationDraft(name: "").validated() } == "name")
    #expect(field { _ = try OrganisationDraft(name: "rs21", website: "ftp://rs21.org.uk").validated() } == "website")
    #expect(field { _ = try OrganisationDraft(name: "rs21", country: "GBR").validated() } == "country")
    #expect(field { _ = try OrganisationDraft(name: "rs21", slug: "RS 21").validated() } == "slug")
}

@Test func statementsNeedABodyNonEmptyDemandsAndARealDate() {
    #expect(field { _ = try StatementDraft(title: "T", body: "").validated() } == "body")
    #expect(field { _ = try StatementDraft(title: "T", body: "B", demands: ["ok", " "]).validated() } == "demands[1]")
    #expect(field { _ = try StatementDraft(title: "T", body: "B", issuedOn: "2022-02-30").validated() } == "issued_on")
    #expect(field { _ = try StatementDraft(title: "T", body: "B", issuedOn: "6 January 2022").validated() } == "issued_on")
}

@Test func speakersAndIncidentsAndHeadcountsAreChecked() {
    #expect(field { _ = try SpeakerDraft(name: "").validated() } == "name")
    #expect(field { _ = try SpeakerDraft(name: "Simon", position: 0).validated() } == "position")
    #expect(field { _ = try IncidentReport(kind: .arrest, description: " ").validated() } == "description")
    #expect(field { _ = try Headcount.validate(count: -5, note: nil) } == "count")
}

@Test func errorMessagesNameTheFieldAndNeverCarryStorageDetail() {
    let invalid = PicketlineError.invalid(field: "title", reason: "must not be empty")
    #expect(invalid.message == "title: must not be empty")
    let storage = PicketlineError.unavailable(detail: "SQLite error 11: database disk image is malformed")
    #expect(!storage.message.contains("SQLite"))
}

@Test func hiddenAddressesShowOnlyTheLocality() {
    let location = Location(venue: "Secret squat", addressLines: ["1 Hidden Lane"], locality: "London", postalCode: "E1",
                            country: "GB", latitude: 51.5, longitude: -0.1, isPublic: false)
    let visible = location.publicView
    #expect(visible.venue == nil && visible.addressLines.isEmpty && visible.postalCode == nil && visible.latitude == nil)
    #expect(visible.locality == "London")
}

@Test func slugsFoldAccentsAndPunctuation() throws {
    #expect(slugify("Workers' Liberty") == "workers-liberty")
    #expect(slugify("Anti*Capitalist Resistance") == "anti-capitalist-resistance")
    #expect(slugify("Zhanaozen — Жанаөзен") == "zhanaozen-zanaozen")
    // Other scripts are transliterated; nothing usable gives the kind, digits alone kind-digits.
    #expect(slugify("Пикет у посольства Казахстана", kind: "action") == "piket-u-posolstva-kazahstana")
    #expect(slugify("!!!", kind: "campaign") == "campaign" && slugify("42", kind: "action") == "action-42")
    #expect(try ActionDraft(title: "42", startsAt: start, timeZone: "UTC").validated().slug == "action-42")
}

@Test func locationChangesKeepTheFieldsNotGivenClearTheEmptyOnesAndNeverTouchVisibility() throws {
    let hidden = Location(venue: "Depot", addressLines: ["12 Hidden St"], locality: "Leeds", postalCode: "LS1 1AA", country: "GB",
                          latitude: 53.8, longitude: -1.55, isPublic: false)
    let moved = try LocationChanges(addressLines: ["99 New St"]).applied(to: hidden).validated()
    #expect(moved == Location(venue: "Depot", addressLines: ["99 New St"], locality: "Leeds", postalCode: "LS1 1AA", country: "GB",
                              latitude: 53.8, longitude: -1.55, isPublic: false))
    let cleared = try LocationChanges(venue: "", postalCode: " ", coordinates: .some(nil)).applied(to: hidden).validated()
    #expect(cleared.venue == nil && cleared.postalCode == nil && cleared.latitude == nil && cleared.longitude == nil)
    #expect(cleared.addressLines == ["12 Hidden St"] && cleared.locality == "Leeds" && !cleared.isPublic)
    #expect(LocationChanges().isEmpty && !LocationChanges(locality: "Bradford").isEmpty)
    // Through ActionChanges: the address stays hidden unless locationPublic says otherwise.
    var action = Action(id: 1, slug: "depot-picket", kind: .picket, title: "Depot picket", description: nil, target: nil,
                        location: hidden, startsAt: start, endsAt: nil, timeZone: "Europe/London", status: .confirmed,
                        visibility: .public, capacity: nil, campaignID: nil, sourceURL: nil, revision: 1, createdAt: start, updatedAt: start)
    action = try ActionChanges(location: LocationChanges(locality: "Bradford")).applied(to: action)
    #expect(action.location.locality == "Bradford" && action.location.venue == "Depot" && !action.location.isPublic)
    #expect(try ActionChanges(locationPublic: true).applied(to: action).location.isPublic)
}

@Test func aWebhookPatternMustMatchSomeEventTypeSoThatATypoIsNotASilentSubscription() throws {
    #expect(try EventTypePattern.validated(["callout.*", "*", "attendance.created", "*.cancelled"]).count == 4)
    let error = #expect(throws: PicketlineError.self) { try EventTypePattern.validated(["callout.*", "bogus.event"]) }
    #expect(error?.field == "events" && error?.description.contains("callout.*") == true)
    #expect(throws: PicketlineError.self) { try EventTypePattern.validated(["calout.created"]) }
    // webhook.test goes only to the webhook `webhook test` names: a subscription to it would never fire.
    let test = #expect(throws: PicketlineError.self) { try EventTypePattern.validated(["webhook.test"]) }
    #expect(test?.description.contains("webhook test") == true)
    #expect(try EventTypePattern.validated(["webhook.*"]) == ["webhook.*"])
    #expect(Set(EventType.all).count == EventType.all.count && EventType.all.allSatisfy { !$0.contains("*") })
}

@Test func textWithControlCharactersIsRefusedNamingTheFieldButLineBreaksAndTabsPass() throws {
    #expect(field { _ = try Validation.required("Picket\u{0}of the embassy", field: "title") } == "title")
    #expect(field { _ = try Validation.optional("Bring \u{1B}[31mflags", field: "description") } == "description")
    #expect(field { _ = try RSVP(name: "Ada\u{7F}", email: "ada@example.org").validated() } == "name")
    #expect(try Validation.optional("Line one\nline two\twith a tab\r\n", field: "description") == "Line one\nline two\twith a tab")
    #expect(try Validation.required("Ünïcödé — fine", field: "title") == "Ünïcödé — fine")
}

@Test func aNewStartAloneMovesTheActionKeepingItsLength() throws {
    let action = Action(id: 1, slug: "depot-picket", kind: .picket, title: "Depot picket", description: nil, target: nil,
                        location: Location(locality: "Leeds"), startsAt: start, endsAt: start.addingTimeInterval(7_200),
                        timeZone: "Europe/London", status: .confirmed, visibility: .public, capacity: nil, campaignID: nil,
                        sourceURL: nil, revision: 1, createdAt: start, updatedAt: start)
    // To the next day: it would end before it starts if the end stayed.
    let nextDay = try ActionChanges(startsAt: start.addingTimeInterval(86_400)).applied(to: action)
    #expect(nextDay.startsAt == start.addingTimeInterval(86_400) && nextDay.endsAt == start.addingTimeInterval(86_400 + 7_200))
    // An end given as well is taken as given.
    let longer = try ActionChanges(startsAt: start.addingTimeInterval(-3_600), endsAt: start.addingTimeInterval(7_200)).applied(to: action)
    #expect(longer.endsAt == start.addingTimeInterval(7_200))
    // An action without an end keeps having none.
    var open = action
    open.endsAt = nil
    #expect(try ActionChanges(startsAt: start.addingTimeInterval(600)).applied(to: open).endsAt == nil)
}

@Test func aNewTimeZoneAloneKeepsTheLocalTimes() throws {
    // Created as 12:00–14:00 London time on 8 Jan 2022 (GMT), meant for New York.
    let london = Action(id: 1, slug: "rally", kind: .rally, title: "Rally", description: nil, target: nil,
                        location: Location(locality: "New York"), startsAt: start, endsAt: start.addingTimeInterval(7_200),
                        timeZone: "Europe/London", status: .confirmed, visibility: .public, capacity: nil, campaignID: nil,
                        sourceURL: nil, revision: 1, createdAt: start, updatedAt: start)
    let corrected = try ActionChanges(timeZone: "America/New_York").applied(to: london)
    // 12:00 in New York in January is 17:00 UTC.
    #expect(corrected.timeZone == "America/New_York")
    #expect(corrected.startsAt == start.addingTimeInterval(5 * 3_600) && corrected.endsAt == start.addingTimeInterval(7 * 3_600))
    // Across a DST difference: 12:00 London in July (BST, +1) to 12:00 Berlin (CEST, +2) is an hour earlier.
    var summer = london
    summer.startsAt = Date(timeIntervalSince1970: 1_657_278_000)  // 2022-07-08T11:00:00Z, 12:00 BST
    summer.endsAt = nil
    let berlin = try ActionChanges(timeZone: "Europe/Berlin").applied(to: summer)
    #expect(berlin.startsAt == Date(timeIntervalSince1970: 1_657_274_400) && berlin.endsAt == nil)
    // A start given with the zone is taken as given; the end keeps the length.
    let given = try ActionChanges(startsAt: start, timeZone: "America/New_York").applied(to: london)
    #expect(given.startsAt == start && given.endsAt == start.addingTimeInterval(7_200))
    // The same zone again changes nothing.
    #expect(try ActionChanges(timeZone: "Europe/London").applied(to: london).startsAt == start)
}

@Test func namesAndTitlesAreOneLine() throws {
    for name in ["Line1\nLine2", "x\r=1"] {
        #expect(throws: PicketlineError.invalid(field: "name", reason: "must be one line (no line breaks)")) {
            try RSVP(name: name, email: "a@example.org").validated()
        }
        #expect(throws: PicketlineError.self) { try SignatureRequest.person(name: "Ada", affiliation: name, email: nil).validated() }
    }
    // Text meant to run over lines keeps them.
    #expect(try Validation.optional("first\nsecond", field: "description") == "first\nsecond")
}

@Test func aNewStatementCannotBeWithdrawnAlready() throws {
    #expect(throws: PicketlineError.invalid(field: "status", reason: "a new statement is open or closed; withdraw it once published if need be")) {
        try StatementDraft(title: "Withdrawn at birth", body: "x", status: .withdrawn).validated()
    }
    #expect(try StatementDraft(title: "Historical", body: "x", status: .closed).validated().status == .closed)
}

@Test func theEndCanBeRemoved() throws {
    let action = Action(id: 1, slug: "vigil", kind: .vigil, title: "Vigil", description: nil, target: nil,
                        location: Location(locality: "Leeds"), startsAt: start, endsAt: start.addingTimeInterval(3_600),
                        timeZone: "Europe/London", status: .confirmed, visibility: .public, capacity: nil, campaignID: nil,
                        sourceURL: nil, revision: 1, createdAt: start, updatedAt: start)
    #expect(try ActionChanges(removesEnd: true).applied(to: action).endsAt == nil)
    // Moved and without an end at once: the end does not follow the start.
    let moved = try ActionChanges(startsAt: start.addingTimeInterval(600), removesEnd: true).applied(to: action)
    #expect(moved.startsAt == start.addingTimeInterval(600) && moved.endsAt == nil)
    #expect(throws: PicketlineError.invalid(field: "ends_at", reason: "give a new end or remove it, not both")) {
        try ActionChanges(endsAt: start.addingTimeInterval(60), removesEnd: true).applied(to: action)
    }
}

import Foundation
import GRDB
import Testing
import PicketlineCore
import PicketlineScheduler
@testable import PicketlineStore

/// Recurring schedules, catch-up, the ledger and the jobs, driven by a `ManualClock`.
@Suite struct ScheduleEngineTests {
    private func digest(_ fixture: SchedulerFixture, cron: String = "0 * * * *", zone: String = "UTC",
                        catchUp: CatchUpPolicy = .skip, campaign: String? = nil) async throws -> Schedule {
        try await fixture.engine.addSchedule(ScheduleDraft(kind: .digest, cron: cron, timeZone: zone, catchUp: catchUp, campaign: campaign))
    }

    @Test func aWeeklyDigestFiresEveryMondayAtNineLondonTimeThroughAYearAndBothClockChanges() async throws {
        let fixture = try SchedulerFixture(now: TestClock.instant("2026-01-01T00:00:00Z")); defer { fixture.remove() }
        let schedule = try await digest(fixture, cron: "0 9 * * mon", zone: "Europe/London")
        #expect(schedule.name == "digest-all")
        #expect(schedule.nextFireAt == TestClock.instant("2026-01-05T09:00:00Z"))

        try await fixture.runUntil(TestClock.instant("2027-01-01T00:00:00Z"))

        let fires = try await fixture.events(EventType.digestDue)
        let london = TestClock.zone("Europe/London")
        let local = fires.map { RFC3339.string(from: $0.occurredAt, in: london) }
        // 2026 has 52 Mondays; 30 of them fall in British Summer Time (30 March to 19 October).
        #expect(fires.count == 52)
        #expect(local.allSatisfy { $0.contains("T09:00:00+0") })
        #expect(local.filter { $0.hasSuffix("+01:00") }.count == 30)
        #expect(local.first == "2026-01-05T09:00:00+00:00" && local.last == "2026-12-28T09:00:00+00:00")
        #expect(local.contains("2026-03-23T09:00:00+00:00") && local.contains("2026-03-30T09:00:00+01:00"))
        #expect(local.contains("2026-10-19T09:00:00+01:00") && local.contains("2026-10-26T09:00:00+00:00"))
        let scheduledFor = try fires.map { try SchedulerFixture.payload($0)["scheduled_for"] as? String }
        #expect(scheduledFor == local)
        #expect(try await fixture.store.schedule("digest-all").nextFireAt == TestClock.instant("2027-01-04T09:00:00Z"))
        #expect(try await fixture.store.ledger(job: schedule.jobKey, limit: 1_000).count == 52)
    }

    @Test func aDigestListsTheUpcomingPublicActionsOfItsCampaign() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        _ = try await fixture.store.createCampaign(CampaignDraft(name: "Kazakhstan solidarity"))
        let soon = try await fixture.action(startingIn: 48, title: "Picket of the embassy", campaign: "kazakhstan-solidarity")
        _ = try await fixture.action(startingIn: 24 * 10, title: "Too far ahead", campaign: "kazakhstan-solidarity")
        _ = try await fixture.action(startingIn: 24, title: "Other campaign's rally")
        let hidden = try await fixture.action(startingIn: 30, title: "Private planning meeting", campaign: "kazakhstan-solidarity")
        _ = try await fixture.store.updateAction(hidden.slug, ActionChanges(visibility: .private))
        let cancelled = try await fixture.action(startingIn: 30, title: "Called off", campaign: "kazakhstan-solidarity")
        _ = try await fixture.store.cancelAction(cancelled.slug, reason: nil)

        let schedule = try await digest(fixture, cron: "0 9 * * *", zone: "Europe/London", campaign: "kazakhstan-solidarity")
        #expect(schedule.name == "digest-kazakhstan-solidarity")
        try await fixture.runUntil(TestClock.instant("2026-12-02T09:00:00Z"))
        let events = try await fixture.events(EventType.digestDue)
        #expect(events.count == 1 && events[0].campaignID == schedule.campaignID)
        let payload = try SchedulerFixture.payload(events[0])
        let actions = payload["actions"] as! [[String: Any]]
        #expect(actions.map { $0["slug"] as? String } == [soon.slug])
        #expect(actions[0]["starts_at"] as? String == "2026-12-03T09:00:00+00:00")
        #expect((payload["scope"] as? [String: Any])?["slug"] as? String == "kazakhstan-solidarity")
        #expect(payload["count"] as? Int == 1)
    }

    /// Several times of a minutely job within the 5-minute tolerance (a short stop of serve)
    /// make one fire under skip, for the latest of them, not a burst of one per minute.
    @Test func skipFiresAMinutelyJobOnceAfterAFewMinutesLate() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        _ = try await digest(fixture, cron: "* * * * *", catchUp: .skip)
        let first = try #require(try await fixture.store.schedule("digest-all").nextFireAt)
        fixture.clock.set(first.addingTimeInterval(4 * 60 + 30))
        let report = try await fixture.engine.fireDue()
        #expect(report.schedules.map(\.scheduledFor) == [first.addingTimeInterval(4 * 60)])
        #expect(report.skipped.map(\.count).reduce(0, +) == 4)
        #expect(try await fixture.events(EventType.digestDue).count == 1)
    }

    @Test(arguments: [(CatchUpPolicy.skip, 0, 10), (.once, 1, 0), (.all, 10, 0)])
    func afterDowntimeEachCatchUpPolicyFiresWhatItPromises(_ policy: CatchUpPolicy, fired: Int, skipped: Int) async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        _ = try await digest(fixture, catchUp: policy)
        // Down from 09:00 to 19:30: the fires of 10:00 to 19:00 were missed.
        fixture.clock.set(TestClock.instant("2026-12-01T19:30:00Z"))
        let report = try await fixture.engine.fireDue()
        #expect(report.schedules.count == fired)
        #expect(report.skipped.map(\.count).reduce(0, +) == skipped)
        let events = try await fixture.events(EventType.digestDue)
        #expect(events.count == fired)
        if policy == .once {
            let payload = try SchedulerFixture.payload(events[0])
            #expect(payload["scheduled_for"] as? String == "2026-12-01T19:00:00Z")
            #expect(payload["covers_missed"] as? Int == 9)
        }
        if policy == .all {
            #expect(report.schedules.map(\.scheduledFor).first == TestClock.instant("2026-12-01T10:00:00Z"))
            #expect(report.schedules.map(\.scheduledFor).last == TestClock.instant("2026-12-01T19:00:00Z"))
        }
        // Whatever the policy, the next fire is the next one in the future.
        #expect(try await fixture.engine.nextDueTime() == TestClock.instant("2026-12-01T20:00:00Z"))
        #expect(try await fixture.engine.fireDue().isEmpty)
    }

    @Test func catchUpAllIsBoundedToTheLatestHundredFires() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        _ = try await digest(fixture, catchUp: .all)
        fixture.clock.set(fixture.clock.now().addingTimeInterval(300 * 3_600 + 60))
        let report = try await fixture.engine.fireDue()
        #expect(report.schedules.count == CatchUpPolicy.maximumFires)
        #expect(report.skipped.first?.count == 200)
        #expect(report.schedules.last?.scheduledFor == TestClock.instant("2026-12-01T09:00:00Z").addingTimeInterval(300 * 3_600))
    }

    @Test func aFireAFewMinutesLateIsOnTimeNotMissed() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        _ = try await digest(fixture, catchUp: .skip)
        fixture.clock.set(TestClock.instant("2026-12-01T10:04:00Z"))
        #expect(try await fixture.engine.fireDue().schedules.map(\.scheduledFor) == [TestClock.instant("2026-12-01T10:00:00Z")])
    }

    @Test func aCrashInsideTheFireTransactionLeavesNothingHalfDoneAndTheRetryFiresOnce() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let action = try await fixture.action(startingIn: 72)
        _ = try await digest(fixture)
        // The ledger line is written first; the outbox insert then fails, as if the process died mid-fire.
        try await fixture.store.database.write { db in
            try db.execute(sql: """
                CREATE TRIGGER simulated_crash BEFORE INSERT ON outbox WHEN NEW.type IN ('reminder.due', 'digest.due')
                BEGIN SELECT RAISE(ABORT, 'simulated crash'); END
                """)
        }
        fixture.clock.set(action.startsAt.addingTimeInterval(-86_400))
        await #expect(throws: (any Error).self) { try await fixture.engine.fireDue() }
        let ledger = try await fixture.store.ledger(job: nil, limit: 100)
        #expect(ledger.isEmpty)
        #expect(try await fixture.store.reminders(action: action.slug).first?.reminder.state == .pending)

        try await fixture.store.database.write { db in try db.execute(sql: "DROP TRIGGER simulated_crash") }
        let report = try await fixture.engine.fireDue()
        #expect(report.sentReminders.count == 1)
        #expect(try await fixture.engine.fireDue().isEmpty)
        #expect(try await fixture.events(EventType.reminderDue).count == 1)
    }

    @Test func aFireAlreadyInTheLedgerIsNeverRepeatedEvenIfTheRestOfTheBookkeepingWasLost() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let action = try await fixture.action(startingIn: 72)
        let schedule = try await digest(fixture)
        fixture.clock.set(action.startsAt.addingTimeInterval(-86_400))
        let first = try await fixture.engine.fireDue()
        #expect(first.sentReminders.count == 1 && first.schedules.count == 1)

        // Roll the reminder and the schedule back to "not yet fired", as a crash after the
        // ledger but before that bookkeeping would have left them (or a second process
        // reading a stale snapshot): only the ledger stands in the way.
        try await fixture.store.database.write { db in
            try db.execute(sql: "UPDATE reminders SET state = 'pending', sent_at = NULL")
            try db.execute(sql: "UPDATE schedules SET next_fire_at = ? WHERE id = ?",
                           arguments: [first.schedules[0].scheduledFor, schedule.id])
        }
        let again = try await fixture.engine.fireDue()
        #expect(again.sentReminders.isEmpty && again.schedules.isEmpty)
        #expect(again.reminders.map(\.reminder.state) == [.sent])
        #expect(try await fixture.events(EventType.reminderDue).count == 1)
        #expect(try await fixture.events(EventType.digestDue).count == 1)
        // The schedule moved on all the same.
        #expect(try await fixture.store.schedule(schedule.name).nextFireAt == TestClock.instant("2026-12-03T10:00:00Z"))
    }

    @Test func twoProcessesRacingOnOneDatabaseSendEachReminderAndEachDigestOnce() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let other = try fixture.secondEngine()
        for index in 0..<10 { _ = try await fixture.action(startingIn: 30 + Double(index), title: "Picket \(index)") }
        _ = try await digest(fixture)
        var time = fixture.clock.now()
        let end = time.addingTimeInterval(48 * 3_600)
        while time < end {
            time = time.addingTimeInterval(15 * 60)
            fixture.clock.set(time)
            async let first = fixture.engine.fireDue()
            async let second = other.fireDue()
            _ = try await (first, second)
        }
        let reminders = try await fixture.events(EventType.reminderDue)
        #expect(reminders.count == 20)
        let keys = try reminders.map { event -> String in
            let reminder = try SchedulerFixture.payload(event)["reminder"] as! [String: Any]
            return "\(event.actionID!)-\(reminder["offset"] as! String)"
        }
        #expect(Set(keys).count == 20)
        #expect(try await fixture.events(EventType.digestDue).count == 48)
    }

    @Test func anOrganisationsDigestListsTheActionsItEndorsesNotThoseItIsInvitedTo() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let union = try await fixture.store.createOrganisation(OrganisationDraft(name: "Leeds Tenants Union", kind: .union))
        let endorsed = try await fixture.action(startingIn: 30, title: "Endorsed picket")
        _ = try await fixture.store.updateAction(endorsed.slug, ActionChanges(sourceURL: "https://example.org/endorsed-picket"))
        let invited = try await fixture.action(startingIn: 31, title: "Invited picket")
        _ = try await fixture.store.endorse(action: endorsed.slug, organisation: union.slug, role: .supporter, state: .confirmed)
        _ = try await fixture.store.endorse(action: invited.slug, organisation: union.slug, role: .supporter, state: .invited)
        _ = try await fixture.engine.addSchedule(ScheduleDraft(kind: .digest, cron: "0 9 * * *", timeZone: "UTC", organisation: union.slug))
        try await fixture.runUntil(TestClock.instant("2026-12-02T09:00:00Z"))
        let events = try await fixture.events(EventType.digestDue)
        #expect(events.count == 1)
        let actions = try #require(try SchedulerFixture.payload(events[0])["actions"] as? [[String: Any]])
        #expect(actions.map { $0["slug"] as? String } == [endorsed.slug])
        // Where it was published goes with it: chat messages link to it.
        #expect(actions[0]["source_url"] as? String == "https://example.org/endorsed-picket")
    }

    @Test func retentionAnonymisesAttendeesOfActionsEndedLongAgoAndKeepsTheCounts() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let old = try await fixture.action(startingIn: 1, title: "Old picket")
        let ada = try await fixture.store.rsvp(action: old.slug, RSVP(name: "Ada", email: "ada@example.org", phone: "+44 20 7946 0000",
                                                                        consentToContact: true))
        _ = try await fixture.store.rsvp(action: old.slug, RSVP(name: "Grace", email: "grace@example.org", status: .declined))
        _ = try await fixture.store.checkIn(ada.attendance.id)
        let before = try await fixture.store.attendanceSummary(action: old.slug)
        let schedule = try await fixture.engine.addSchedule(ScheduleDraft(kind: .retention, cron: "30 3 * * *", timeZone: "UTC", days: 30))

        fixture.clock.set(fixture.clock.now().addingTimeInterval(25 * 86_400))
        let recent = try await fixture.action(startingIn: 1, title: "Recent picket")
        _ = try await fixture.store.rsvp(action: recent.slug, RSVP(name: "Lin", email: "lin@example.org"))
        try await fixture.runUntil(fixture.clock.now().addingTimeInterval(10 * 86_400))

        let anonymised = try await fixture.store.attendances(action: old.slug)
        #expect(anonymised.allSatisfy { $0.name == "anonymised" && $0.email == nil && $0.phone == nil && $0.anonymisedAt != nil })
        #expect(try await fixture.store.attendanceSummary(action: old.slug) == before)
        #expect(try await fixture.store.attendances(action: recent.slug).map(\.email) == ["lin@example.org"])
        let leaked = try await fixture.store.outboxEvents(after: 0, limit: 1_000)
            .filter { $0.actionID == old.id && ($0.personalData ?? "").contains("@") }
        #expect(leaked.isEmpty)
        let ledger = try await fixture.store.ledger(job: schedule.jobKey, limit: 100)
        #expect(ledger.count == 10)
        #expect(ledger.contains { $0.detail?.hasPrefix("anonymised 2 attendees") == true })
    }

    @Test func deliveriesCleanupPrunesAttemptLogsOlderThanItsDays() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let schedule = try await fixture.engine.addSchedule(ScheduleDraft(kind: .deliveriesCleanup, cron: "0 4 * * *", timeZone: "UTC"))
        try await fixture.runUntil(TestClock.instant("2026-12-02T05:00:00Z"))
        #expect(try await fixture.store.ledger(job: schedule.jobKey, limit: 10).first?.detail == "deleted 0 webhook attempt logs older than 30 days")

        // Two attempt rows, one older than 30 days; the delivery they belong to is irrelevant here.
        try await fixture.store.database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: """
                INSERT INTO webhook_attempts (delivery_id, attempt_number, attempted_at, latency_milliseconds)
                VALUES (1, 1, ?, 5), (1, 2, ?, 5)
                """, arguments: [TestClock.instant("2026-10-01T00:00:00Z"), TestClock.instant("2026-12-01T00:00:00Z")])
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        try await fixture.runUntil(TestClock.instant("2026-12-03T05:00:00Z"))
        #expect(try await fixture.store.ledger(job: schedule.jobKey, limit: 10).first?.detail == "deleted 1 webhook attempt log older than 30 days")
        #expect(try await fixture.store.database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_attempts") } == 1)
    }

    @Test func aBackupScheduleKeepsTheNewestCopiesAndEachIsASoundDatabase() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let schedule = try await fixture.engine.addSchedule(ScheduleDraft(kind: .backup, cron: "15 3 * * *", timeZone: "UTC", days: 2))
        // Copies of other origins in the same folder (Deploy/README.md's cron recipe, one taken by
        // hand before an upgrade) are neither counted nor deleted.
        let directory = fixture.store.backupDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let others = ["picketline-2026-11-30.sqlite", "picketline-before-upgrade.sqlite"]
        for other in others { _ = try fixture.store.backup(to: (directory as NSString).appendingPathComponent(other)) }
        try await fixture.runUntil(TestClock.instant("2026-12-04T04:00:00Z"))  // fires on the 2nd, 3rd and 4th
        let all = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sqlite") }.sorted()
        #expect(all == ["picketline-2026-11-30.sqlite", "picketline-20261203-031500.sqlite", "picketline-20261204-031500.sqlite",
                        "picketline-before-upgrade.sqlite"])
        let copies = all.filter { !others.contains($0) }
        for copy in copies {
            let store = try SQLiteStore(path: (directory as NSString).appendingPathComponent(copy), migrate: false)
            #expect(try store.healthChecks().allSatisfy(\.ok))
            try store.close()
        }
        let ledger = try await fixture.store.ledger(job: schedule.jobKey, limit: 10)
        #expect(ledger.count == 3 && ledger.first?.detail == "wrote backups/picketline-20261204-031500.sqlite; 2 kept")
    }

    @Test func aPausedScheduleDoesNotFireAndResumesFromNow() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let schedule = try await digest(fixture)
        _ = try await fixture.engine.pause(schedule.name)
        #expect(try await fixture.engine.nextDueTime() == nil)
        fixture.clock.set(TestClock.instant("2026-12-01T15:30:00Z"))
        #expect(try await fixture.engine.fireDue().isEmpty)
        let resumed = try await fixture.engine.resume(schedule.name)
        #expect(resumed.nextFireAt == TestClock.instant("2026-12-01T16:00:00Z"))
        try await fixture.runUntil(TestClock.instant("2026-12-01T16:00:00Z"))
        #expect(try await fixture.events(EventType.digestDue).count == 1)
    }

    @Test func schedulesAreRefusedWithPreciseReasons() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        await #expect(throws: PicketlineError.invalid(field: "cron", reason: "day-of-month: 32 is out of range 1-31")) {
            try await fixture.engine.addSchedule(ScheduleDraft(kind: .digest, cron: "0 0 32 * *", timeZone: "UTC"))
        }
        await #expect(throws: PicketlineError.invalid(field: "tz", reason: "\"Mars/Olympus\" is not an IANA time zone (e.g. Europe/London)")) {
            try await fixture.engine.addSchedule(ScheduleDraft(kind: .digest, cron: "0 9 * * mon", timeZone: "Mars/Olympus"))
        }
        await #expect(throws: PicketlineError.invalid(field: "campaign", reason: "only a digest is scoped to a campaign or an organisation")) {
            try await fixture.engine.addSchedule(ScheduleDraft(kind: .retention, cron: "@daily", timeZone: "UTC", campaign: "x"))
        }
        _ = try await digest(fixture)
        await #expect(throws: PicketlineError.self) { try await digest(fixture) }
    }
}

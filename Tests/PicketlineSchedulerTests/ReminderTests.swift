import Foundation
import Testing
import PicketlineCore
import PicketlineScheduler
@testable import PicketlineStore

/// Reminders relative to an action, end to end through a real SQLite file and the engine.
@Suite struct ReminderTests {
    @Test func aNewActionGetsTheDefaultRemindersOneDayAndOneHourBefore() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let action = try await fixture.action(startingIn: 72)
        let reminders = try await fixture.store.reminders(action: action.slug).map(\.reminder)
        #expect(reminders.map(\.offset.description) == ["24h before", "1h before"])
        #expect(reminders.map(\.dueAt) == [action.startsAt.addingTimeInterval(-86_400), action.startsAt.addingTimeInterval(-3_600)])
        #expect(reminders.allSatisfy { $0.state == .pending })
        #expect(try await fixture.engine.nextDueTime() == action.startsAt.addingTimeInterval(-86_400))
    }

    @Test func eachReminderGoesOutOnceAsAReminderDueEventWithThePublicDetails() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let action = try await fixture.action(startingIn: 72)
        fixture.clock.set(action.startsAt.addingTimeInterval(-86_400 - 1))
        #expect(try await fixture.engine.fireDue().isEmpty)

        fixture.clock.set(action.startsAt.addingTimeInterval(-86_400))
        let report = try await fixture.engine.fireDue()
        #expect(report.sentReminders.map(\.reminder.offset.description) == ["24h before"])
        #expect(try await fixture.engine.fireDue().isEmpty)

        let events = try await fixture.events(EventType.reminderDue)
        #expect(events.count == 1)
        #expect(events[0].actionID == action.id && events[0].subjectType == "reminder" && events[0].personalData == nil)
        let payload = try SchedulerFixture.payload(events[0])
        let details = payload["action"] as! [String: Any]
        let reminder = payload["reminder"] as! [String: Any]
        #expect(details["slug"] as? String == action.slug)
        #expect(details["title"] as? String == "Emergency picket")
        #expect(details["target"] as? String == "Embassy of Kazakhstan")
        #expect(details["time_zone"] as? String == "Europe/London")
        // 2026-12-04T09:00Z is 09:00 GMT in London: written with its offset, not as Z.
        #expect(details["starts_at"] as? String == "2026-12-04T09:00:00+00:00")
        #expect((details["location"] as? [String: Any])?["venue"] as? String == "Embassy of Kazakhstan")
        #expect(reminder["kind"] as? String == "before_start" && reminder["offset_seconds"] as? Int == 86_400)
        #expect(reminder["offset"] as? String == "24h before")

        try await fixture.runUntil(action.startsAt)
        #expect(try await fixture.events(EventType.reminderDue).count == 2)
        let states = try await fixture.store.reminders(action: action.slug).map(\.reminder.state)
        #expect(states == [.sent, .sent])
    }

    @Test func movingAnActionMovesItsPendingReminders() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let action = try await fixture.action(startingIn: 72)
        // The 24h reminder goes out, then the picket is put back two days.
        try await fixture.runUntil(action.startsAt.addingTimeInterval(-80_000))
        #expect(try await fixture.events(EventType.reminderDue).count == 1)
        let later = action.startsAt.addingTimeInterval(2 * 86_400)
        _ = try await fixture.store.updateAction(action.slug, ActionChanges(startsAt: later, endsAt: later.addingTimeInterval(7_200)))

        let reminders = try await fixture.store.reminders(action: action.slug).map(\.reminder)
        #expect(reminders.map(\.dueAt) == [later.addingTimeInterval(-86_400), later.addingTimeInterval(-3_600)])
        // The sent one is due again for the new time: people need to hear it moved.
        #expect(reminders.map(\.state) == [.pending, .pending])

        // Nothing fires at the old times; both fire at the new ones.
        try await fixture.runUntil(action.startsAt)
        #expect(try await fixture.events(EventType.reminderDue).count == 1)
        try await fixture.runUntil(later)
        let events = try await fixture.events(EventType.reminderDue)
        #expect(events.count == 3)
        #expect(events.map(\.occurredAt).suffix(2) == [later.addingTimeInterval(-86_400), later.addingTimeInterval(-3_600)])
    }

    @Test func aReminderSentThenMovedAwayAndBackShowsAsSent() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let action = try await fixture.action(startingIn: 72)
        try await fixture.runUntil(action.startsAt.addingTimeInterval(-80_000))  // the 24h reminder goes out
        let later = action.startsAt.addingTimeInterval(2 * 86_400)
        _ = try await fixture.store.updateAction(action.slug, ActionChanges(startsAt: later))
        // Put back where it was: its 24h reminder already went out for that time.
        _ = try await fixture.store.updateAction(action.slug, ActionChanges(startsAt: action.startsAt))
        let reminder = try #require(try await fixture.store.reminders(action: action.slug).map(\.reminder).first { $0.offsetSeconds == 86_400 })
        #expect(reminder.state == .sent && reminder.sentAt != nil)
        #expect(reminder.dueAt == action.startsAt.addingTimeInterval(-86_400))
        // And it is not sent a second time.
        try await fixture.runUntil(action.startsAt)
        #expect(try await fixture.events(EventType.reminderDue).count == 2)
    }

    @Test func cancellingAnActionSuppressesItsReminders() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let action = try await fixture.action(startingIn: 72)
        _ = try await fixture.store.cancelAction(action.slug, reason: "The council backed down")
        let states = try await fixture.store.reminders(action: action.slug).map(\.reminder.state)
        #expect(states == [.suppressed, .suppressed])
        #expect(try await fixture.engine.nextDueTime() == nil)

        try await fixture.runUntil(action.startsAt.addingTimeInterval(86_400))
        #expect(try await fixture.events(EventType.reminderDue).isEmpty)
        #expect(try await fixture.events(EventType.actionCancelled).count == 1)
    }

    @Test func aReinstatedActionGetsBackTheRemindersStillAhead() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let action = try await fixture.action(startingIn: 72)
        _ = try await fixture.store.cancelAction(action.slug, reason: nil)
        fixture.clock.set(action.startsAt.addingTimeInterval(-2 * 3_600))
        _ = try await fixture.store.updateAction(action.slug, ActionChanges(status: .confirmed))
        let states = try await fixture.store.reminders(action: action.slug).map(\.reminder.state)
        #expect(states == [.passed, .pending])
    }

    @Test func aReminderWhoseTimeHasPassedWhenItIsCreatedIsNeverSent() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        // Called at short notice: 30 minutes from now. Both reminder times are already past.
        let action = try await fixture.action(startingIn: 0.5)
        let reminders = try await fixture.store.reminders(action: action.slug).map(\.reminder)
        #expect(reminders.map(\.state) == [.passed, .passed])
        #expect(try await fixture.engine.nextDueTime() == nil)
        try await fixture.runUntil(action.startsAt.addingTimeInterval(86_400))
        #expect(try await fixture.events(EventType.reminderDue).isEmpty)

        // Brought forward so that its 24h reminder time is past: that one is not sent either.
        let other = try await fixture.action(startingIn: 72, title: "Rally")
        let sooner = fixture.clock.now().addingTimeInterval(5 * 3_600)
        _ = try await fixture.store.updateAction(other.slug, ActionChanges(startsAt: sooner, endsAt: sooner.addingTimeInterval(3_600)))
        #expect(try await fixture.store.reminders(action: other.slug).map(\.reminder.state) == [.passed, .pending])
        try await fixture.runUntil(sooner)
        let sent = try await fixture.events(EventType.reminderDue).map { try SchedulerFixture.payload($0) }
        #expect(sent.map { ($0["reminder"] as! [String: Any])["offset"] as? String } == ["1h before"])
    }

    @Test func remindersLateBecauseTheSchedulerWasDownGoOutOnlyWhileStillUseful() async throws {
        let fixture = try SchedulerFixture(); defer { fixture.remove() }
        let action = try await fixture.action(startingIn: 72)
        _ = try await fixture.store.setReminderPolicy(action: action.slug, offsets: [
            ReminderOffset(.beforeStart, seconds: 86_400), ReminderOffset(.beforeStart, seconds: 3_600),
            ReminderOffset(.afterEnd, seconds: 7_200)])
        // Down from before the 24h reminder until 30 minutes into the picket.
        fixture.clock.set(action.startsAt.addingTimeInterval(1_800))
        let report = try await fixture.engine.fireDue()
        #expect(report.reminders.map(\.reminder.state) == [.missed, .missed])
        #expect(try await fixture.events(EventType.reminderDue).isEmpty)
        // The report-back two hours after the end is still ahead and goes out on time.
        try await fixture.runUntil(action.endsAt!.addingTimeInterval(3 * 3_600))
        let sent = try await fixture.events(EventType.reminderDue).map { try SchedulerFixture.payload($0) }
        #expect(sent.map { ($0["reminder"] as! [String: Any])["offset"] as? String } == ["2h after"])
    }

    /// Found by QA: an admin command run with another configuration (another directory's
    /// Config/, or PICKETLINE_REMINDERS_DEFAULT_OFFSETS) rewrote an action's reminders with its own
    /// defaults when it only changed the description. The defaults `serve` (or `reminder sync`)
    /// applied are kept in the database, and every process's writes follow them.
    @Test func writesFromAProcessWithOtherDefaultsFollowTheAppliedOnes() async throws {
        let fixture = try SchedulerFixture()   // serve: 24h and 1h before
        defer { fixture.remove() }
        #expect(try await fixture.store.syncReminders() == 0)   // as serve does when it starts
        let action = try await fixture.action(startingIn: 100)
        let elsewhere = try SQLiteStore(path: fixture.path, clock: fixture.clock,
                                        reminderDefaults: [ReminderOffset(.beforeStart, seconds: 48 * 3_600), ReminderOffset(.beforeStart, seconds: 7_200)])
        _ = try await elsewhere.updateAction(action.slug, ActionChanges(description: "now with a description"))
        #expect(try await fixture.store.reminders(action: action.slug).map(\.reminder.offset.description) == ["24h before", "1h before"])
        let created = try await elsewhere.createAction(ActionDraft(title: "Second picket", startsAt: action.startsAt, timeZone: "UTC",
                                                                   status: .confirmed))
        #expect(try await elsewhere.reminders(action: created.slug).map(\.reminder.offset.description) == ["24h before", "1h before"])
        #expect(try await elsewhere.reminderPolicy(action: created.slug).offsets.map(\.description) == ["24h before", "1h before"])
        // `reminder sync` run with the other configuration applies it, on purpose.
        #expect(try await elsewhere.syncReminders() == 2)
        #expect(try await fixture.store.reminders(action: action.slug).map(\.reminder.offset.description) == ["48h before", "2h before"])
        _ = try await fixture.store.updateAction(action.slug, ActionChanges(description: "and edited again"))
        #expect(try await fixture.store.reminders(action: action.slug).map(\.reminder.offset.description) == ["48h before", "2h before"])
    }

    /// Found by QA: with every schedule paused, doctor said "next schedule fire none" while
    /// reminders were due in minutes. It names the next reminder, and a reminder over an hour
    /// overdue (nothing running to send it) fails the check as an overdue schedule does.
    @Test func doctorCountsRemindersAsTheSchedulersWork() async throws {
        // Three hours ago (doctor reads the real clock): a reminder an hour before a start two
        // hours after that was pending then, and is two hours overdue now.
        let fixture = try SchedulerFixture(now: Date().addingTimeInterval(-3 * 3_600)); defer { fixture.remove() }
        _ = try await fixture.action(startingIn: 2)
        let overdue = try #require(try fixture.store.healthChecks().first { $0.name == "scheduler" })
        #expect(!overdue.ok && overdue.detail.hasPrefix("1 reminder over an hour overdue: is the scheduler"), "\(overdue.detail)")
        let later = try SchedulerFixture(now: Date()); defer { later.remove() }
        _ = try await later.action(startingIn: 30)
        let upcoming = try #require(try later.store.healthChecks().first { $0.name == "scheduler" })
        #expect(upcoming.ok && upcoming.detail.contains("next schedule fire none, next reminder 20"), "\(upcoming.detail)")
    }

    @Test func anActionPolicyOverridesItsCampaignsWhichOverridesTheConfiguration() async throws {
        let fixture = try SchedulerFixture(reminderDefaults: [ReminderOffset(.beforeStart, seconds: 2 * 86_400)])
        defer { fixture.remove() }
        _ = try await fixture.store.createCampaign(CampaignDraft(name: "Kazakhstan solidarity"))
        let loose = try await fixture.action(startingIn: 100, title: "Vigil")
        let action = try await fixture.action(startingIn: 100, campaign: "kazakhstan-solidarity")
        #expect(try await fixture.store.reminderPolicy(action: loose.slug).source == .configuration)
        #expect(try await fixture.store.reminders(action: loose.slug).map(\.reminder.offset.description) == ["48h before"])

        let updated = try await fixture.store.setCampaignReminderPolicy(
            campaign: "kazakhstan-solidarity", offsets: [ReminderOffset(.beforeStart, seconds: 3 * 3_600), ReminderOffset(.afterEnd, seconds: 7_200)])
        #expect(updated == 1)
        #expect(try await fixture.store.reminders(action: action.slug).map(\.reminder.offset.description) == ["3h before", "2h after"])
        #expect(try await fixture.store.reminders(action: loose.slug).map(\.reminder.offset.description) == ["48h before"])

        let own = try await fixture.store.setReminderPolicy(action: action.slug, offsets: [ReminderOffset(.beforeStart, seconds: 1_800)])
        #expect(own.map(\.offset.description) == ["30m before"])
        #expect(try await fixture.store.reminderPolicy(action: action.slug) == ReminderPolicy(
            offsets: [ReminderOffset(.beforeStart, seconds: 1_800)], source: .action))
        let inherited = try await fixture.store.setReminderPolicy(action: action.slug, offsets: nil)
        #expect(inherited.map(\.offset.description) == ["3h before", "2h after"])
        let none = try await fixture.store.setReminderPolicy(action: action.slug, offsets: [])
        #expect(none.isEmpty)
    }

    @Test func offsetsAreReadAndWrittenAsPeopleTypeThem() throws {
        #expect(try ReminderOffset.seconds(of: "24h", field: "before") == 86_400)
        #expect(try ReminderOffset.seconds(of: "1h30m", field: "before") == 5_400)
        #expect(try ReminderOffset.seconds(of: "2d", field: "before") == 172_800)
        #expect(ReminderOffset.format(seconds: 5_400) == "1h30m")
        #expect(ReminderOffset.format(seconds: 86_400) == "24h")
        #expect(ReminderOffset.format(seconds: 172_800) == "48h")
        #expect(ReminderOffset.format(seconds: 7 * 86_400) == "7d")
        #expect(try ReminderOffset.list("24h before, 1h before, 2h after", field: "x").map(\.description)
                == ["24h before", "1h before", "2h after"])
        #expect(throws: PicketlineError.invalid(field: "before", reason: "\"soon\" is not a duration like 24h, 90m, 1h30m or 2d")) {
            try ReminderOffset.seconds(of: "soon", field: "before")
        }
        #expect(throws: PicketlineError.invalid(field: "before", reason: "\"31d\" must be between 1m and 30d")) {
            try ReminderOffset.seconds(of: "31d", field: "before")
        }
    }
}

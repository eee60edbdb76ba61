import Foundation
import GRDB
import PicketlineCore
@testable import PicketlineStore
import Testing

/// `picketline reminder …`, `picketline schedule …` and the scheduler inside `serve`, through the real binary.
@Suite struct SchedulerCLITests {
    @Test func theDemoPicketHasItsRemindersScheduledAndVisible() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        let list = try cli.ok(["reminder", "list", "london-picket-kazakhstan-embassy-2022"])
        // The picket was on 8 January 2022 at noon in London: both reminder times are long past.
        #expect(list.contains("Reminders: 24h before, 1h before (the configured default)"), "\(list)")
        #expect(list.contains("24h before  2022-01-07T12:00:00+00:00  passed, not sent"), "\(list)")
        #expect(list.contains("1h before   2022-01-08T11:00:00+00:00  passed, not sent"), "\(list)")
        let all = try cli.ok(["reminder", "list"])
        #expect(all.contains("london-picket-kazakhstan-embassy-2022"))
        let json = try cli.ok(["reminder", "list", "london-picket-kazakhstan-embassy-2022", "--json"])
        #expect(json.contains("\"state\" : \"passed\""))
        // Nothing is sent retroactively.
        #expect(try cli.ok(["schedule", "run", "--once"]) == "nothing due\n")
        #expect(!(try cli.ok(["outbox", "list", "--type", "reminder.due"]).contains("reminder.due")))
    }

    @Test func remindersAreSetPerActionAndPerCampaign() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        _ = try cli.ok(["action", "create", "--title", "Second picket", "--starts", "2031-03-01 12:00", "--ends", "2031-03-01 14:00",
                        "--time-zone", "Europe/London", "--campaign", "kazakhstan-solidarity", "--status", "confirmed"])
        let set = try cli.ok(["reminder", "set", "second-picket", "--before", "24h", "--before", "1h", "--after", "2h"])
        #expect(set.contains("24h before, 1h before, 2h after (set on the action)"), "\(set)")
        #expect(set.contains("2h after    2031-03-01T16:00:00+00:00  scheduled"), "\(set)")

        _ = try cli.ok(["reminder", "set", "second-picket", "--inherit"])
        let defaults = try cli.ok(["reminder", "defaults", "kazakhstan-solidarity", "--before", "48h"])
        #expect(defaults.contains("kazakhstan-solidarity: 48h before (the campaign's default)"), "\(defaults)")
        let list = try cli.ok(["reminder", "list", "second-picket"])
        #expect(list.contains("48h before  2031-02-27T12:00:00+00:00  scheduled"), "\(list)")

        let bad = try cli.run(["reminder", "set", "second-picket", "--before", "soon"])
        #expect(bad.status == 1 && bad.stderr == "error: before: \"soon\" is not a duration like 24h, 90m, 1h30m or 2d\n")
        let unset = try cli.run(["reminder", "list"], environment: ["PICKETLINE_REMINDERS_DEFAULT_OFFSETS": "24h ahead"])
        #expect(unset.status == 1 && unset.stderr.contains("reminders.default_offsets"), "\(unset.stderr)")
        let wait = try cli.run(["schedule", "list"], environment: ["PICKETLINE_SCHEDULER_MAX_WAIT_SECONDS": "0"])
        #expect(wait.status == 1 && wait.stderr.contains("scheduler.max_wait_seconds: must be a whole number of seconds, 1-3600"))
    }

    @Test func schedulesAreAddedListedPausedAndRemoved() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        let added = try cli.ok(["schedule", "add", "--kind", "digest", "--cron", "0 9 * * mon", "--tz", "Europe/London",
                                "--campaign", "kazakhstan-solidarity"])
        #expect(added.hasPrefix("added schedule digest-kazakhstan-solidarity (id 1)"), "\(added)")
        let list = try cli.ok(["schedule", "list"])
        let row = try #require(list.split(separator: "\n").first { $0.contains("digest-kazakhstan-solidarity") })
        // The next fire: a Monday at 09:00 London time, written with the offset then in force.
        let next = try #require(row.split(separator: " ").first { $0.contains("T09:00:00+0") })
        #expect(next.hasSuffix("+00:00") || next.hasSuffix("+01:00"))
        let date = try #require(RFC3339.date(from: String(next)))
        #expect(Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Europe/London")!, from: date).weekday == 2)
        #expect(row.contains("skip"))

        _ = try cli.ok(["schedule", "add", "--kind", "retention", "--cron", "@daily", "--tz", "UTC", "--catch-up", "once"])
        #expect(try cli.ok(["schedule", "pause", "retention"]) == "paused schedule retention\n")
        #expect(try cli.ok(["schedule", "list"]).contains("paused"))
        #expect(try cli.ok(["schedule", "resume", "retention"]).contains("next fire "))
        #expect(try cli.ok(["schedule", "remove", "retention"]) == "removed schedule retention\n")
        #expect(!(try cli.ok(["schedule", "list"]).contains("retention")))

        let bad = try cli.run(["schedule", "add", "--kind", "digest", "--cron", "0 0 32 * *", "--tz", "Europe/London"])
        #expect(bad.status == 1 && bad.stderr == "error: cron: day-of-month: 32 is out of range 1-31\n")
        let fields = try cli.run(["schedule", "add", "--kind", "digest", "--cron", "0 9 * *", "--tz", "UTC"])
        #expect(fields.status == 1 && fields.stderr == "error: cron: expected 5 fields, got 4\n")
        let taken = try cli.run(["schedule", "add", "--kind", "digest", "--cron", "0 9 * * mon", "--campaign", "kazakhstan-solidarity"])
        #expect(taken.status == 1 && taken.stderr.contains("already named \"digest-kazakhstan-solidarity\""))
        #expect(try cli.ok(["schedule", "history"]) == "(none)\n")
        let unknown = try cli.run(["schedule", "pause", "nothing"])
        #expect(unknown.status == 1 && unknown.stderr == "error: schedule: \"nothing\" not found\n")
    }

    @Test(arguments: [["reminder"], ["reminder", "set"], ["reminder", "list"], ["reminder", "defaults"], ["reminder", "sync"],
                      ["schedule"], ["schedule", "add"], ["schedule", "list"], ["schedule", "remove"], ["schedule", "pause"],
                      ["schedule", "resume"], ["schedule", "run"], ["schedule", "history"]])
    func everySchedulerCommandExplainsItselfWithAnExample(_ path: [String]) throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let result = try cli.run(path + ["--help"], database: false)
        #expect(result.status == 0 && result.stdout.contains("Example"), "\(path): \(result.stdout)")
    }

    /// An action created by an admin command while `serve` runs gets its reminder on time: the
    /// doorbell makes the scheduler read the database again instead of at its next look, which
    /// here is ten minutes away.
    @Test func anActionCreatedBesideARunningServiceHasItsReminderSentOnTime() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["campaign", "list"])
        let port = 20_000 + Int.random(in: 0..<20_000)
        let process = try cli.start(["serve", "--port", String(port)], environment: ["PICKETLINE_SCHEDULER_MAX_WAIT_SECONDS": "600"])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
        var ready = false
        for _ in 0..<200 where !ready {
            Thread.sleep(forTimeInterval: 0.05)
            ready = httpGet(port: port, path: "/readyz")?.status == 200
        }
        #expect(ready)
        Thread.sleep(forTimeInterval: 0.3) // the scheduler's first pass found nothing and went to sleep
        // Its 1h reminder falls due three seconds after the action is created.
        let start = RFC3339.string(from: Date().addingTimeInterval(3_600 + 3))
        _ = try cli.ok(["action", "create", "--title", "Snap picket", "--starts", start, "--time-zone", "Europe/London"])
        var sent = false
        for _ in 0..<200 where !sent {
            Thread.sleep(forTimeInterval: 0.1)
            sent = try cli.ok(["outbox", "list", "--type", "reminder.due"]).contains("reminder.due")
        }
        #expect(sent, "the reminder waited for the scheduler's next look")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// `schedule run --once` (the cron-driven install) takes a due backup after recording the
    /// fire: it used to take it inside the write and re-enter its own connection, which stopped
    /// the process every time and left a partial copy behind.
    @Test func scheduleRunOnceTakesADueBackupAndTheDigestAfterIt() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        _ = try cli.ok(["schedule", "add", "--kind", "backup", "--days", "2", "--cron", "* * * * *", "--tz", "UTC"])
        _ = try cli.ok(["schedule", "add", "--kind", "digest", "--cron", "* * * * *", "--tz", "UTC"])
        let store = try SQLiteStore(path: cli.database)
        try store.database.write { db in
            try db.execute(sql: "UPDATE schedules SET next_fire_at = ?", arguments: [Date().addingTimeInterval(-30)])
        }
        try store.close()
        let run = try cli.run(["schedule", "run", "--once"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let backups = try FileManager.default.contentsOfDirectory(atPath: cli.directory.appendingPathComponent("backups").path)
        // One copy per fire (a fire time not on the minute can make two), and no partial one.
        #expect(!backups.isEmpty && backups.allSatisfy { $0.hasPrefix("picketline-") && $0.hasSuffix(".sqlite") }, "\(backups)")
        let history = try cli.ok(["schedule", "history"])
        #expect(history.contains("wrote backups/picketline-") && history.contains("upcoming actions"), "\(history)")
    }

    @Test func serveSendsADueReminderAndStopsTheSchedulerCleanlyOnSIGTERM() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        // Its 1h reminder falls due three seconds after the action is created.
        let start = RFC3339.string(from: Date().addingTimeInterval(3_600 + 3))
        _ = try cli.ok(["action", "create", "--title", "Snap picket", "--starts", start, "--time-zone", "Europe/London"])
        let port = 20_000 + Int.random(in: 0..<20_000)
        let process = Process()
        process.executableURL = BinaryRunner.executable
        process.arguments = ["serve", "--database", cli.database, "--port", String(port)]
        process.currentDirectoryURL = cli.directory
        let log = Pipe()
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var sent = false
        for _ in 0..<150 where !sent {
            Thread.sleep(forTimeInterval: 0.1)
            sent = try cli.ok(["outbox", "list", "--type", "reminder.due"]).contains("reminder.due")
        }
        #expect(sent)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let output = String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("scheduler started") && output.contains("reminder sent"), "\(output)")
        #expect(output.contains("scheduler stopped") && output.contains("database closed"), "\(output)")
        let list = try cli.ok(["reminder", "list", "snap-picket"])
        #expect(list.contains("1h before") && list.contains("sent "), "\(list)")
    }
}

import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineScheduler
import PicketlineStore
import ServiceLifecycle

extension ScheduleKind: VocabularyArgument {}
extension CatchUpPolicy: VocabularyArgument {}

/// `picketline schedule …`: recurring jobs on cron expressions.
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Recurring jobs: weekly digests, attendee retention, webhook log clean-up.",
        discussion: """
        Kinds: digest (a digest.due event listing the upcoming public actions of a campaign, an organisation
        or everything, --days ahead), retention (anonymise attendees of actions ended more than --days ago),
        deliveries-cleanup (delete webhook attempt logs older than --days), backup (a consistent copy in backups/
        beside the database, keeping the newest --days copies).
        Catch-up after downtime: skip (default; the latest time once, if at most 5 minutes late), once (one fire for all missed), all (each, at most 100).
        `serve` runs the scheduler; `schedule run --once` fires what is due and exits (for cron-driven installs).
        Example:
          picketline schedule add --kind digest --campaign kazakhstan-solidarity --cron "0 9 * * mon" --tz Europe/London
          picketline schedule add --kind retention --days 30 --cron "@daily" --tz UTC --catch-up once
          picketline schedule add --kind backup --days 14 --cron "15 3 * * *" --tz UTC
          picketline schedule list
        """,
        subcommands: [Add.self, List.self, Remove.self, Pause.self, Resume.self, Run.self, History.self])

    struct Add: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "add", 
            abstract: "Add a schedule; prints its first fire time.",
            discussion: """
            Check an expression first with `picketline cron next`.
            Example: picketline schedule add --kind digest --cron "0 9 * * mon" --tz Europe/London --campaign kazakhstan-solidarity
            """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "digest, retention, deliveries-cleanup or backup.") var kind: ScheduleKind
        @Option(help: "Cron expression, quoted: \"0 9 * * mon\".") var cron: String
        @Option(name: [.customLong("tz"), .long], help: "IANA time zone (default from configuration).") var timeZone: String?
        @Option(help: "A unique name; derived from the kind and scope when omitted.") var name: String?
        @Option(help: "Digest only: the campaign (id or slug).") var campaign: String?
        @Option(help: "Digest only: the organisation (id or slug) whose endorsed actions to list.") var organisation: String?
        @Option(parsing: .unconditional, help: "Digest: days ahead to list (7). Retention, deliveries-cleanup: age in days (30). Backup: copies kept (7).") var days: Int?
        @Option(help: "skip, once or all.") var catchUp: CatchUpPolicy = .skip

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let engine = SchedulerEngine(store: store, settings: configuration.scheduler.engineSettings)
            let schedule = try await engine.addSchedule(ScheduleDraft(
                name: name, kind: kind, cron: cron, timeZone: timeZone ?? configuration.defaultTimeZone, catchUp: catchUp,
                campaign: campaign, organisation: organisation, days: days))
            if output.json { return try Output.json(schedule) }
            Output.line("added schedule \(schedule.name) (id \(schedule.id)): \(schedule.kind.rawValue), \"\(schedule.cron)\" \(schedule.timeZone); next fire \(ScheduleCommand.next(schedule))")
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", 
            abstract: "List schedules with their next fire time (in the schedule's zone, with its offset).",
            discussion: "Example: picketline schedule list")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let schedules = try await store.schedules()
            if output.json { return try Output.json(schedules) }
            Output.table(["ID", "NAME", "KIND", "CRON", "ZONE", "CATCH-UP", "NEXT", "LAST"], schedules.map { schedule in
                [String(schedule.id), schedule.name, schedule.kind.rawValue, schedule.cron, schedule.timeZone,
                 schedule.catchUp.rawValue, ScheduleCommand.next(schedule),
                 schedule.lastFiredAt.map { RFC3339.string(from: $0, in: schedule.zone) } ?? "-"]
            })
        }
    }

    struct Remove: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "remove", 
            abstract: "Remove a schedule (its history stays in the ledger).",
            discussion: "Example: picketline schedule remove digest-kazakhstan-solidarity")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Schedule id or name.") var schedule: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let removed = try await store.removeSchedule(schedule)
            Output.line("removed schedule \(removed.name)")
        }
    }

    struct Pause: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "pause", 
            abstract: "Pause a schedule.",
            discussion: "Example: picketline schedule pause digest-kazakhstan-solidarity")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Schedule id or name.") var schedule: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let paused = try await SchedulerEngine(store: store).pause(schedule)
            Output.line("paused schedule \(paused.name)")
        }
    }

    struct Resume: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "resume", 
            abstract: "Resume a paused schedule from now (times that passed while paused are not fired).",
            discussion: "Example: picketline schedule resume digest-kazakhstan-solidarity")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Schedule id or name.") var schedule: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let resumed = try await SchedulerEngine(store: store).resume(schedule)
            Output.line("resumed schedule \(resumed.name); next fire \(ScheduleCommand.next(resumed))")
        }
    }

    struct Run: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "run", 
            abstract: "Fire what is due (reminders and schedules): once and exit, or until SIGTERM/SIGINT.",
            discussion: """
            Safe beside `serve` or another `schedule run`: every fire is recorded in a ledger with a unique
            (job, time) key in the same transaction as its event, so nothing is sent twice.
            Example: picketline schedule run --once     # e.g. from a system cron job every minute
            """)
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Fire what is due now and exit.") var once = false

        /// Without --once it runs on, watching the doorbell.
        var keepsRunning: Bool { !once }

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let engine = SchedulerEngine(store: store, settings: configuration.scheduler.engineSettings)
            if once {
                let report = try await engine.fireDue()
                for line in ScheduleCommand.describe(report) { Output.line(line) }
                if report.isEmpty { Output.line("nothing due") }
                return
            }
            let logger = LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
            let service = SchedulerService(engine: engine, logger: logger)
            // A schedule added or an action moved by an admin command is looked at now.
            let doorbell = DoorbellWatch.start(database: store.path, logger: logger) { service.loop.wake() }
            defer { doorbell?.cancel() }
            let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint],
                                                          logger: logger))
            try await group.run()
        }
    }

    struct History: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "history", 
            abstract: "Show the fire ledger, newest first: what fired, for which time, and what it did.",
            discussion: "Example: picketline schedule history digest-kazakhstan-solidarity --limit 10")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Schedule id or name; reminders and schedules alike when omitted.") var schedule: String?
        @Option(help: "At most this many lines.") var limit = 20

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            guard (1...1_000).contains(limit) else { throw PicketlineError.invalid(field: "limit", reason: "must be between 1 and 1000") }
            var job: String?
            if let schedule { job = try await store.schedule(schedule).jobKey }
            let entries = try await store.ledger(job: job, limit: limit)
            if output.json { return try Output.json(entries) }
            Output.table(["JOB", "SCHEDULED FOR", "FIRED AT", "RESULT"], entries.map {
                [$0.job, RFC3339.string(from: $0.scheduledFor), RFC3339.string(from: $0.firedAt), $0.detail ?? ""]
            })
        }
    }

    /// The next fire time in the schedule's zone with its offset, or why there is none.
    static func next(_ schedule: Schedule) -> String {
        if schedule.state == .paused { return "paused" }
        return schedule.nextFireAt.map { RFC3339.string(from: $0, in: schedule.zone) } ?? "never"
    }

    /// One line per thing a pass did, for `schedule run --once`.
    static func describe(_ report: FireReport) -> [String] {
        report.reminders.map { firing in
            let what = "reminder \(firing.reminder.offset) \(firing.actionSlug) (due \(RFC3339.string(from: firing.reminder.dueAt)))"
            if firing.reminder.state == .missed { return "missed \(what): too late to send" }
            return firing.outboxID.map { "sent \(what) as outbox event \($0)" } ?? "already sent \(what)"
        }
        + report.schedules.map { "fired \($0.name) for \(RFC3339.string(from: $0.scheduledFor)): \($0.detail)" }
        + report.skipped.map { "skipped \($0.count) missed fire time\($0.count == 1 ? "" : "s") of \($0.name) (catch-up skip)" }
        + report.problems
    }
}

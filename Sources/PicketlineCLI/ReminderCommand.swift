import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// `picketline reminder …`: reminders before and after actions.
struct ReminderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reminder",
        abstract: "Reminders before an action starts and report-backs after it ends (sent as reminder.due events).",
        discussion: """
        An action follows its own offsets, else its campaign's defaults, else reminders.default_offsets
        (24h and 1h before). Moving an action moves its pending reminders; cancelling it suppresses them;
        a reminder whose time has already passed when it is scheduled is never sent.
        Example:
          picketline reminder set london-picket-kazakhstan-embassy-2022 --before 24h --before 1h --after 2h
          picketline reminder list london-picket-kazakhstan-embassy-2022
          picketline reminder defaults kazakhstan-solidarity --before 48h --before 2h
        """,
        subcommands: [SetPolicy.self, List.self, Defaults.self, Sync.self])

    /// `--before` / `--after` offsets as flags.
    struct OffsetOptions: ParsableArguments {
        @Option(name: .customLong("before"), help: ArgumentHelp("A reminder this long before the start: 24h, 90m, 1h30m, 2d (repeat for several).", valueName: "duration"))
        var before: [String] = []
        @Option(name: .customLong("after"), help: ArgumentHelp("A report-back this long after the end (repeat for several).", valueName: "duration"))
        var after: [String] = []

        var isEmpty: Bool { before.isEmpty && after.isEmpty }

        func offsets() throws -> [ReminderOffset] {
            try before.map { try ReminderOffset(.beforeStart, duration: $0, field: "before") }
                + after.map { try ReminderOffset(.afterEnd, duration: $0, field: "after") }
        }
    }

    struct SetPolicy: StoreCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set an action's own reminder offsets (replacing its campaign's or the default ones).",
            discussion: """
            --none turns its reminders off; --inherit goes back to the campaign's or the configured defaults.
            Example: picketline reminder set london-picket-kazakhstan-embassy-2022 --before 24h --before 1h --after 2h
            """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String
        @OptionGroup var offsets: OffsetOptions
        @Flag(help: "No reminders for this action.") var none = false
        @Flag(help: "Remove the action's own offsets; follow its campaign or the configuration.") var inherit = false

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let given = [!offsets.isEmpty, none, inherit].filter { $0 }.count
            guard given == 1 else {
                throw PicketlineError.invalid(field: "options", reason: "give --before/--after, or --none, or --inherit")
            }
            let reminders = try await store.setReminderPolicy(action: action, offsets: inherit ? nil : none ? [] : try offsets.offsets())
            if output.json { return try Output.json(reminders) }
            let policy = try await store.reminderPolicy(action: action)
            Output.line("\(action): \(ReminderCommand.describe(policy))")
            try await ReminderCommand.printTable(store.reminders(action: action), showAction: false)
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", 
            abstract: "List reminders with their due times and states (scheduled, sent, passed, missed, suppressed).",
            discussion: "Example: picketline reminder list london-picket-kazakhstan-embassy-2022")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug; all actions when omitted.") var action: String?
        @Flag(help: "Only reminders still to be sent.") var pending = false

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            var entries = try await store.reminders(action: action)
            if pending { entries = entries.filter { $0.reminder.state == .pending } }
            if output.json { return try Output.json(entries) }
            if let action {
                let detail = try await store.action(action)
                let policy = try await store.reminderPolicy(action: action)
                Output.line("\(detail.title) (\(detail.slug)), starts \(Output.time(detail.startsAt, in: detail.zone))\(detail.status == .cancelled ? ", cancelled" : "")")
                Output.line("Reminders: \(ReminderCommand.describe(policy))")
                Output.line()
            }
            ReminderCommand.printTable(entries, showAction: action == nil)
        }
    }

    struct Defaults: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "defaults", 
            abstract: "Show or set a campaign's default reminder offsets for its actions.",
            discussion: """
            Actions of the campaign that are not over follow the new defaults at once (unless they have their own).
            Example: picketline reminder defaults kazakhstan-solidarity --before 48h --before 2h --after 3h
                     picketline reminder defaults kazakhstan-solidarity --clear
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Campaign id or slug.") var campaign: String
        @OptionGroup var offsets: OffsetOptions
        @Flag(help: "No reminders for the campaign's actions by default.") var none = false
        @Flag(help: "Remove the campaign's defaults (its actions follow the configuration).") var clear = false

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let given = [!offsets.isEmpty, none, clear].filter { $0 }.count
            guard given <= 1 else { throw PicketlineError.invalid(field: "options", reason: "give --before/--after, or --none, or --clear") }
            if given == 1 {
                let count = try await store.setCampaignReminderPolicy(campaign: campaign, offsets: clear ? nil : none ? [] : try offsets.offsets())
                Output.line("updated the reminders of \(count) action\(count == 1 ? "" : "s") of \(campaign)")
            }
            if let current = try await store.campaignReminderPolicy(campaign: campaign) {
                Output.line("\(campaign): \(ReminderCommand.describe(ReminderPolicy(offsets: current, source: .campaign)))")
            } else {
                Output.line("\(campaign): no defaults; its actions follow reminders.default_offsets (\(ReminderCommand.phrase(configuration.scheduler.reminderDefaults)))")
            }
        }
    }

    struct Sync: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "sync", 
            abstract: "Apply this configuration's reminders.default_offsets and re-schedule every action not yet over.",
            discussion: """
            Needed only after changing reminders.default_offsets without restarting `serve` (which does it on start).
            The defaults applied last are the ones every process follows, whatever its own configuration says.
            Example: PICKETLINE_REMINDERS_DEFAULT_OFFSETS="48h before, 1h before" picketline reminder sync
            """)
        @OptionGroup var global: GlobalOptions

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let count = try await store.syncReminders()
            Output.line("re-scheduled the reminders of \(count) action\(count == 1 ? "" : "s")")
        }
    }

    /// "24h before, 1h before (the configured default)".
    static func describe(_ policy: ReminderPolicy) -> String {
        let source = switch policy.source {
        case .action: "set on the action"
        case .campaign: "the campaign's default"
        case .configuration: "the configured default"
        }
        return "\(phrase(policy.offsets)) (\(source))"
    }

    static func phrase(_ offsets: [ReminderOffset]) -> String {
        offsets.isEmpty ? "none" : offsets.map(\.description).joined(separator: ", ")
    }

    static func printTable(_ entries: [ReminderEntry], showAction: Bool) {
        Output.table((showAction ? ["ACTION"] : []) + ["REMINDER", "DUE", "STATE"], entries.map { entry in
            let zone = TimeZone(identifier: entry.timeZone) ?? .gmt
            var state = entry.reminder.state.label
            if let sentAt = entry.reminder.sentAt, entry.reminder.state == .sent { state += " " + Output.time(sentAt, in: zone) }
            return (showAction ? [entry.actionSlug] : []) + [entry.reminder.offset.description,
                                                             RFC3339.string(from: entry.reminder.dueAt, in: zone), state]
        })
    }
}

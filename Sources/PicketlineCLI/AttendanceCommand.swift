import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// `picketline rsvp …`: what a supporter does, without an account.
struct RSVPCommand: StoreCommand {
    static let configuration = CommandConfiguration(
        commandName: "rsvp",
        abstract: "RSVP to an action (the same e-mail again updates the earlier RSVP).",
        discussion: """
        When the action is full the RSVP is waitlisted and promoted when a place frees.
        Example: picketline rsvp emergency-picket --name "Ada Lovelace" --email ada@example.org --consent
        """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Action id or slug.") var action: String
    @Option(help: "The supporter's name.") var name: String
    @Option(help: "E-mail (this or --phone is required).") var email: String?
    @Option(help: "Phone number.") var phone: String?
    @Flag(help: "The supporter agrees to be contacted afterwards.") var consent = false
    @Option(help: "accepted, tentative, declined or \"needs action\".") var status: AttendanceStatus = .accepted

    func run(store: SQLiteStore, configuration: Configuration) async throws {
        let outcome = try await store.rsvp(action: action, RSVP(name: name, email: email, phone: phone,
                                                                  consentToContact: consent, status: status))
        if output.json { return try Output.json(outcome) }
        let attendance = outcome.attendance
        let place = attendance.waitlisted ? "waitlisted" : attendance.status.rawValue
        Output.line("\(outcome.created ? "recorded" : "updated") RSVP \(attendance.id) for \(attendance.name): \(place)")
    }
}

/// `picketline attendance …`: what stewards and organisers do.
struct AttendanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attendance",
        abstract: "RSVP lists, status changes, check-in and counts.",
        discussion: "Example: picketline attendance list emergency-picket; picketline attendance check-in 12",
        subcommands: [List.self, Show.self, Status.self, CheckIn.self, Summary.self])

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List an action's RSVPs (personal data: organisers only).",
                                                        discussion: "Example: picketline attendance list emergency-picket --json")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let attendances = try await store.attendances(action: action)
            if output.json { return try Output.json(attendances) }
            Output.table(["ID", "STATUS", "PLACE", "IN", "NAME", "CONTACT"], attendances.map {
                [String($0.id), $0.status.rawValue, $0.waitlisted ? "waitlist" : ($0.status.holdsPlace ? "yes" : "-"),
                 $0.attended ? "yes" : "", $0.name, [$0.email, $0.phone].compactMap { $0 }.joined(separator: ", ")]
            })
        }
    }

    struct Show: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one RSVP.", discussion: "Example: picketline attendance show 12")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Attendance id.") var attendance: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let attendance = try await store.attendance(attendance)
            if output.json { return try Output.json(attendance) }
            Output.fields([("Name", attendance.name), ("E-mail", attendance.email), ("Phone", attendance.phone),
                           ("Status", attendance.status.rawValue), ("Waitlisted", attendance.waitlisted ? "yes" : "no"),
                           ("Checked in", attendance.checkedInAt.map { RFC3339.string(from: $0) } ?? "no"),
                           ("Consent to contact", attendance.consentToContact ? "yes" : "no")])
        }
    }

    struct Status: StoreCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Change an RSVP's status; declining frees a place for the waitlist.",
            discussion: "Example: picketline attendance status 12 declined")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Attendance id.") var attendance: Int64
        @Argument(help: "accepted, tentative, declined or \"needs action\".") var status: AttendanceStatus

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let attendance = try await store.setAttendanceStatus(attendance, status)
            Output.line("\(attendance.name): \(attendance.status.rawValue)\(attendance.waitlisted ? " (waitlisted)" : "")")
        }
    }

    struct CheckIn: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "check-in", abstract: "Mark someone as present.",
                                                        discussion: "Example: picketline attendance check-in 12")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Attendance id.") var attendance: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let attendance = try await store.checkIn(attendance)
            Output.line("checked in \(attendance.name)")
        }
    }

    struct Summary: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "summary", abstract: "Counts without names.",
                                                        discussion: "Example: picketline attendance summary emergency-picket")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let summary = try await store.attendanceSummary(action: action)
            if output.json { return try Output.json(SummaryView(summary: summary)) }
            Output.fields([("Accepted", String(summary.accepted)), ("Tentative", String(summary.tentative)),
                           ("Declined", String(summary.declined)), ("Needs action", String(summary.needsAction)),
                           ("Waitlisted", String(summary.waitlisted)), ("Checked in", String(summary.attended)),
                           ("Capacity", summary.capacity.map(String.init) ?? "unlimited"),
                           ("Places left", summary.placesLeft.map(String.init)),
                           ("Latest headcount", summary.latestHeadcount.map(String.init))])
        }
    }
}

/// `picketline headcount …`: stewards' anonymous tallies.
struct HeadcountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "headcount",
        abstract: "Anonymous tallies by stewards (\"around 50 people\").",
        discussion: "Example: picketline headcount record emergency-picket 50 --note \"in the rain\"",
        subcommands: [Record.self, List.self])

    struct Record: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "record", abstract: "Record a tally.",
                                                        discussion: "Example: picketline headcount record <action> 50 --at \"2022-01-08 12:30\"")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Action id or slug.") var action: String
        @Argument(help: "How many people.") var count: Int
        @Option(help: "When counted (default now), read in the action's time zone.") var at: String?
        @Option(help: "A note.") var note: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let target = try await store.action(action)
            let countedAt = try at.map { try Output.localTime($0, in: target.zone, field: "at") }
            let headcount = try await store.recordHeadcount(action: target.slug, count: count, countedAt: countedAt, note: note)
            Output.line("recorded headcount \(headcount.count) at \(Output.time(headcount.countedAt, in: target.zone))")
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List tallies.", discussion: "Example: picketline headcount list <action>")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let target = try await store.action(action)
            let headcounts = try await store.headcounts(action: target.slug)
            if output.json { return try Output.json(headcounts) }
            Output.table(["COUNTED", "COUNT", "NOTE"], headcounts.map {
                [Output.time($0.countedAt, in: target.zone), String($0.count), $0.note ?? ""]
            })
        }
    }
}

/// A summary for `--json`, with the places left as the API gives them.
private struct SummaryView: Encodable {
    var summary: AttendanceSummary
    enum Keys: String, CodingKey { case placesLeft }

    func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(summary.placesLeft, forKey: .placesLeft)
    }
}

import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// `picketline incident …`: arrests, injuries and police action that need follow-up.
struct IncidentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "Incidents at actions for the legal-support team to follow up (never public).",
        discussion: """
        Example:
          picketline incident report <action> --kind arrest --at "2022-01-08 13:10" --description "Arrested for 'criminal damage'; taken to Charing Cross"
          picketline incident follow-up 1 --state supported --note "Solicitor attending"
        """,
        subcommands: [Report.self, List.self, Show.self, FollowUp.self])

    struct Report: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "report", abstract: "Report an incident.",
                                                        discussion: "Example: picketline incident report <action> --kind arrest --description …")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String
        @Option(help: "arrest, injury, \"police action\", \"damage claim\" or other.") var kind: IncidentKind
        @Option(help: "What happened.") var description: String
        @Option(help: "Who is concerned (kept private).") var people: String?
        @Option(help: "When (default now), read in the action's time zone.") var at: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let target = try await store.action(action)
            let incident: Incident
            do {
                incident = try await store.reportIncident(action: target.slug, IncidentReport(
                    kind: kind, occurredAt: try at.map { try Output.localTime($0, in: target.zone, field: "at") },
                    description: description, peopleConcerned: people))
            } catch PicketlineError.invalid(let field, let reason) where field == "occurred_at" {
                throw PicketlineError.invalid(field: "at", reason: reason)  // the option it came from
            }
            if output.json { try Output.json(incident) } else { Output.line("reported incident \(incident.id) (\(incident.kind.rawValue)), open") }
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List incidents, newest first.",
                                                        discussion: "Example: picketline incident list --action <action>")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only this action (id or slug).") var action: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let incidents = try await store.incidents(action: action)
            if output.json { return try Output.json(incidents) }
            // Times in the action's zone, as every other listing shows them.
            var zones: [Int64: TimeZone] = [:]
            for id in Set(incidents.map(\.actionID)) { zones[id] = try await store.action(String(id)).zone }
            Output.table(["ID", "ACTION", "WHEN", "KIND", "STATE", "DESCRIPTION"], incidents.map {
                [String($0.id), String($0.actionID), Output.time($0.occurredAt, in: zones[$0.actionID] ?? .gmt), $0.kind.rawValue,
                 $0.state.rawValue, String($0.description.prefix(60))]
            })
        }
    }

    struct Show: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an incident and its follow-up log.",
                                                        discussion: "Example: picketline incident show 1")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Incident id.") var incident: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let incident = try await store.incident(incident)
            let updates = try await store.incidentUpdates(incident.id)
            if output.json {
                struct Detail: Encodable { var incident: Incident; var updates: [IncidentUpdate] }
                return try Output.json(Detail(incident: incident, updates: updates))
            }
            let zone = try await store.action(String(incident.actionID)).zone
            Output.fields([("Incident", String(incident.id)), ("Kind", incident.kind.rawValue), ("State", incident.state.rawValue),
                           ("When", Output.time(incident.occurredAt, in: zone)), ("People", incident.peopleConcerned),
                           ("Description", incident.description)])
            Output.line("\nFollow-up:")
            for update in updates {
                Output.line("  \(Output.time(update.createdAt, in: zone))  \(update.state.rawValue)  \(update.note ?? "")")
            }
        }
    }

    struct FollowUp: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "follow-up", abstract: "Record follow-up: a new state and/or a note.",
                                                        discussion: "Example: picketline incident follow-up 1 --state closed --note \"Released without charge\"")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Incident id.") var incident: Int64
        @Option(help: "open, supported or closed.") var state: IncidentState?
        @Option(help: "What was done.") var note: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let incident = try await store.followUpIncident(incident, state: state, note: note)
            Output.line("incident \(incident.id): \(incident.state.rawValue)")
        }
    }
}

/// `picketline outbox …`: the domain events waiting for the webhook sender.
struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Inspect the domain events written with every change.",
        discussion: "Example: picketline outbox list --after 0 --limit 20",
        subcommands: [List.self])

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List events, oldest first.",
                                                        discussion: "Example: picketline outbox list --type attendance.created --json")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only events after this position.") var after: Int64 = 0
        @Option(help: "At most this many.") var limit = 100
        @Option(help: "Only this event type.") var type: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let events = try await store.outboxEvents(after: after, limit: limit, type: type)
            if output.json { return try Output.json(events) }
            Output.table(["#", "WHEN", "TYPE", "SUBJECT"], events.map {
                [String($0.id), RFC3339.string(from: $0.occurredAt), $0.type, "\($0.subjectType) \($0.subjectID)"]
            })
            if events.count == limit, let last = events.last {
                Output.line("(the first \(limit); more with --after \(last.id))")
            }
        }
    }
}

import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// `picketline speaker …`
struct SpeakerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speaker",
        abstract: "The chair and the ordered line-up of an action.",
        discussion: """
        Only confirmed speakers are shown publicly.
        Example:
          picketline speaker add <action> --name "Simon Hannah" --organisation anticapitalist-resistance --role chair --confirmed
          picketline speaker move 7 --to 2
        """,
        subcommands: [Add.self, List.self, Confirm.self, Withdraw.self, Move.self])

    struct Add: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "add", 
            abstract: "Add someone to the line-up.",
            discussion: "Example: picketline speaker add <action> --name \"Paul Mason\" --affiliation \"journalist, NUJ\"")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String
        @Option(help: "The speaker's name.") var name: String
        @Option(help: "Registered organisation they speak for (id or slug).") var organisation: String?
        @Option(help: "Free-text affiliation when the organisation is not registered.") var affiliation: String?
        @Option(help: "chair, speaker, steward or \"legal observer\".") var role: SpeakerRole = .speaker
        @Option(parsing: .unconditional, help: "Place in the line-up (1 = first); default last.") var position: Int?
        @Flag(help: "Already confirmed (default: invited).") var confirmed = false

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let speaker = try await store.addSpeaker(action: action, SpeakerDraft(
                name: name, organisation: organisation, affiliation: affiliation, role: role,
                state: confirmed ? .confirmed : .invited, position: position))
            if output.json { try Output.json(speaker) } else {
                Output.line("added \(speaker.name) (speaker id \(speaker.id)) at position \(speaker.position), \(speaker.state.rawValue)")
            }
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Show the line-up in order.",
                                                        discussion: "Example: picketline speaker list london-picket-kazakhstan-embassy-2022")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Action id or slug.") var action: String
        @Flag(help: "Include withdrawn speakers.") var all = false

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let lineup = try await store.lineup(action: action, includeWithdrawn: all)
            if output.json { return try Output.json(lineup) }
            Output.table(["#", "ID", "ROLE", "STATE", "NAME", "AFFILIATION"], lineup.map {
                [String($0.speaker.position), String($0.speaker.id), $0.speaker.role.rawValue, $0.speaker.state.rawValue,
                 $0.speaker.name, $0.affiliationText ?? ""]
            })
        }
    }

    struct Confirm: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "confirm", abstract: "Confirm a speaker.", discussion: "Example: picketline speaker confirm 7")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Speaker id (see speaker list).") var speaker: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let speaker = try await store.setSpeakerState(speaker, .confirmed)
            Output.line("\(speaker.name): confirmed")
        }
    }

    struct Withdraw: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "withdraw", abstract: "Withdraw a speaker.", discussion: "Example: picketline speaker withdraw 7")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Speaker id (see speaker list).") var speaker: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let speaker = try await store.setSpeakerState(speaker, .withdrawn)
            Output.line("\(speaker.name): withdrawn")
        }
    }

    struct Move: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "move", abstract: "Move a speaker to another place in the line-up.",
                                                        discussion: "Example: picketline speaker move 7 --to 1")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Speaker id (see speaker list).") var speaker: Int64
        @Option(parsing: .unconditional, help: "New 1-based position.") var to: Int

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let lineup = try await store.moveSpeaker(speaker, to: to)
            if output.json { return try Output.json(lineup) }
            for entry in lineup { Output.line("\(entry.speaker.position). \(entry.speaker.name)") }
        }
    }
}

import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// The `picketline` binary: the service (`serve`) and the admin CLI.
public struct PicketlineCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "picketline",
        abstract: "Organise pickets and actions: campaigns, endorsements, speakers, RSVPs, statements, incidents.",
        discussion: """
        Everything is kept in one SQLite file (default ./picketline.sqlite; see --database and Config/).

        A first session:
          picketline demo                                     # load the London picket of January 2022
          picketline action list
          picketline action endorsements london-picket-kazakhstan-embassy-2022
          picketline rsvp <action> --name "Ada" --email ada@example.org
        """,
        version: PicketlineVersion.current,
        subcommands: [
            ServeCommand.self, MigrateCommand.self, DemoCommand.self, TokenCommand.self,
            CampaignCommand.self, OrganisationCommand.self, ActionCommand.self, EndorsementCommand.self,
            SpeakerCommand.self, RSVPCommand.self, AttendanceCommand.self, HeadcountCommand.self,
            StatementCommand.self, IncidentCommand.self, OutboxCommand.self, CronCommand.self,
            BackupCommand.self, RestoreCommand.self, DoctorCommand.self, ConfigCommand.self,
            WebhookCommand.self, CalloutCommand.self, DeliveryCommand.self, DeliverCommand.self,
            ReminderCommand.self, ScheduleCommand.self,
        ]
    )

    public init() {}

    /// Parses the process arguments and runs the chosen command, awaiting async ones.
    /// (`main()` would pick the synchronous entry point from outside an `@main` type.)
    public static func runMain(_ arguments: [String]? = nil) async {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}


/// Applies pending database migrations.
struct MigrateCommand: StoreCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create the database or bring it up to date.",
        discussion: "Safe to run at any time; every command migrates on open too. The other commands (but demo, restore and serve) refuse a database that does not exist, so that a mistyped path is not a new, empty one.\n\nExample: picketline migrate --database /var/lib/picketline/picketline.sqlite")

    @OptionGroup var global: GlobalOptions
    var needsExistingDatabase: Bool { false }

    func run(store: SQLiteStore, configuration: Configuration) async throws {
        let status = try store.migrationStatus()
        Output.line("\(configuration.databasePath): \(status.applied.count) of \(status.known.count) migrations applied (\(status.applied.last ?? "none"))")
    }
}

extension ActionKind: VocabularyArgument {}
extension ActionStatus: VocabularyArgument {}
extension Visibility: VocabularyArgument {}
extension OrganisationKind: VocabularyArgument {}
extension EndorsementRole: VocabularyArgument {}
extension ParticipationState: VocabularyArgument {}
extension SpeakerRole: VocabularyArgument {}
extension AttendanceStatus: VocabularyArgument {}
extension StatementStatus: VocabularyArgument {}
extension IncidentKind: VocabularyArgument {}
extension IncidentState: VocabularyArgument {}

/// A closed vocabulary typed on the command line; accepts the word or its hyphenated /
/// underscored form ("needs-action", "legal_observer").
public protocol VocabularyArgument: ExpressibleByArgument, RawRepresentable, CaseIterable where RawValue == String {}

extension VocabularyArgument {
    public init?(argument: String) {
        let normal = argument.lowercased().replacingOccurrences(of: "_", with: " ")
        if let value = Self(rawValue: normal) ?? Self(rawValue: normal.replacingOccurrences(of: "-", with: " "))
            ?? Self(rawValue: normal.replacingOccurrences(of: " ", with: "-")) {
            self = value
        } else {
            return nil
        }
    }
}

import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// `picketline statement …`
struct StatementCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statement",
        abstract: "Statements with ordered demands, signed by organisations and people.",
        discussion: """
        Example:
          picketline statement create --title "Release the detainees" --body-file statement.txt \\
            --demand "Release all detained protesters" --demand "Stop the intervention"
          picketline statement sign release-the-detainees --organisation workers-power
          picketline statement sign release-the-detainees --name "Ada Lovelace" --affiliation "UCU"
        """,
        subcommands: [Create.self, List.self, Show.self, Update.self, Sign.self, Signatures.self, WithdrawSignature.self])

    struct Create: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Publish a statement.",
                                                        discussion: """
            The text comes from --body or --body-file (one of them is needed).

            Example: picketline statement create --title "Release the detainees" \\
                       --body "We call for …" --demand "Release all political prisoners" \\
                       --demand "End the state of emergency"
            """)
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "The statement's title (one line).") var title: String
        @Option(help: "URL name; derived from the title when omitted.") var slug: String?
        @Option(help: "The text (or --body-file).") var body: String?
        @Option(help: "Read the text from a file.") var bodyFile: String?
        @Option(name: .customLong("demand"), help: "A demand, in order (repeat).") var demands: [String] = []
        @Option(help: "The date it bears, e.g. 2022-01-06.") var issuedOn: String?
        @Option(help: "Where it was published.") var sourceURL: String?
        @Option(help: "Campaign id or slug.") var campaign: String?
        @Option(help: "The action it supports (id or slug).") var action: String?
        @Option(help: "open (taking signatures), closed or withdrawn.") var status: StatementStatus = .open
        @Option(help: "public or private.") var visibility: Visibility = .public

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let statement = try await store.createStatement(StatementDraft(
                title: title, slug: slug, body: try readBody(body, file: bodyFile) ?? "", demands: demands,
                issuedOn: issuedOn, sourceURL: sourceURL, campaign: campaign, action: action, status: status,
                visibility: visibility))
            if output.json { try Output.json(statement) } else { Output.line("published statement \(statement.slug) (id \(statement.id))") }
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List statements.", discussion: "Example: picketline statement list")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only this campaign.") var campaign: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let statements = try await store.statements(campaign: campaign)
            if output.json { return try Output.json(statements) }
            Output.table(["ID", "DATE", "STATUS", "SLUG", "TITLE"], statements.map {
                [String($0.id), $0.issuedOn ?? "", $0.status.rawValue, $0.slug, $0.title]
            })
        }
    }

    struct Show: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a statement, its demands and signatories.",
                                                        discussion: "Example: picketline statement show statement-of-the-socialist-movement-of-kazakhstan")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Statement id or slug.") var statement: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let statement = try await store.statement(statement)
            let signatures = try await store.signatures(statement: statement.slug, includeWithdrawn: false)
            if output.json {
                struct Detail: Encodable { var statement: PicketlineCore.Statement; var signatures: [Signature] }
                return try Output.json(Detail(statement: statement, signatures: signatures))
            }
            Output.fields([("Statement", statement.title), ("Slug", statement.slug), ("Date", statement.issuedOn),
                           ("Status", statement.status.rawValue), ("Source", statement.sourceURL)])
            Output.line()
            Output.line(statement.body)
            if !statement.demands.isEmpty {
                Output.line("\nDemands:")
                for (index, demand) in statement.demands.enumerated() { Output.line("  \(index + 1). \(demand)") }
            }
            if !signatures.isEmpty {
                Output.line("\nSigned by:")
                for signature in signatures {
                    Output.line("  \(signature.name)\(signature.affiliation.map { " (\($0))" } ?? "")")
                }
            }
        }
    }

    struct Update: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "update", 
            abstract: "Change a statement; --status closed stops signatures, withdrawn takes it down.",
            discussion: "Example: picketline statement update <statement> --status closed")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Statement id or slug.") var statement: String
        @Option(help: "New title (one line).") var title: String?
        @Option(help: "New text (Markdown); or --body-file.") var body: String?
        @Option(help: "Read the new text from this file.") var bodyFile: String?
        @Option(name: .customLong("demand"), help: "Replaces all demands (repeat, in order).") var demands: [String] = []
        @Option(help: "Date it was issued, e.g. 2022-01-06.") var issuedOn: String?
        @Option(help: "Where it was first published (http or https URL).") var sourceURL: String?
        @Option(help: "open (signable), closed (no more signatures) or withdrawn (taken down; only admins still see it).") var status: StatementStatus?
        @Option(help: "public, or private (only admins see it and its signatories).") var visibility: Visibility?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let changes = StatementChanges(title: title, body: try readBody(body, file: bodyFile),
                                           demands: demands.isEmpty ? nil : demands, issuedOn: issuedOn,
                                           sourceURL: sourceURL, status: status, visibility: visibility)
            guard changes != StatementChanges() else {
                throw PicketlineError.invalid(field: "options", reason: "nothing to change; see picketline statement update --help")
            }
            let statement = try await store.updateStatement(statement, changes)
            Output.line("updated statement \(statement.slug)")
        }
    }

    struct Sign: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "sign", 
            abstract: "Sign a statement as an organisation or as a person.",
            discussion: "Example: picketline statement sign <statement> --organisation rs21\n         picketline statement sign <statement> --name \"Ada\" --affiliation UCU")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Statement id or slug.") var statement: String
        @Option(help: "Sign as this organisation (id or slug).") var organisation: String?
        @Option(help: "Sign as this person.") var name: String?
        @Option(help: "The person's affiliation.") var affiliation: String?
        @Option(help: "The person's e-mail (kept private; stops double signing).") var email: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let request: SignatureRequest
            switch (organisation, name) {
            case (let organisation?, nil): request = .organisation(organisation)
            case (nil, let name?): request = .person(name: name, affiliation: affiliation, email: email)
            default: throw PicketlineError.invalid(field: "organisation", reason: "give either --organisation or --name")
            }
            let signature = try await store.sign(statement: statement, request)
            if output.json { try Output.json(signature) } else { Output.line("signed by \(signature.name) (signature id \(signature.id))") }
        }
    }

    struct Signatures: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "signatures", abstract: "List signatures in signing order.",
                                                        discussion: "Example: picketline statement signatures <statement> --all")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Statement id or slug.") var statement: String
        @Flag(help: "Include withdrawn signatures.") var all = false

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let signatures = try await store.signatures(statement: statement, includeWithdrawn: all)
            if output.json { return try Output.json(signatures) }
            Output.table(["ID", "KIND", "SIGNED", "STATE", "NAME"], signatures.map {
                [String($0.id), $0.kind.rawValue, RFC3339.string(from: $0.signedAt), $0.isActive ? "signed" : "withdrawn",
                 $0.name + ($0.affiliation.map { " (\($0))" } ?? "")]
            })
        }
    }

    struct WithdrawSignature: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "withdraw-signature", abstract: "Withdraw a signature.",
                                                        discussion: "Example: picketline statement withdraw-signature 31")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Signature id (see statement signatures).") var signature: Int64

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let signature = try await store.withdrawSignature(signature)
            Output.line("withdrew the signature of \(signature.name)")
        }
    }
}

/// Reads a statement body from `--body` or `--body-file` (not both).
func readBody(_ body: String?, file: String?) throws -> String? {
    if body != nil && file != nil { throw PicketlineError.invalid(field: "body", reason: "give --body or --body-file, not both") }
    guard let file else { return body }
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
        throw PicketlineError.invalid(field: "body_file", reason: "cannot read \(file)")
    }
    return text
}

import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// `picketline organisation …`
struct OrganisationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "organisation",
        abstract: "Organisations that call, support and sign.",
        discussion: "Example: picketline organisation create --name \"Workers Power\" --kind party --country GB",
        subcommands: [Create.self, List.self, Show.self, Update.self, Endorsements.self],
        aliases: ["org"])

    struct Create: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "create", 
            abstract: "Register an organisation.",
            discussion: "Example: picketline organisation create --name \"rs21\" --kind party --website https://www.rs21.org.uk --country GB")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "The organisation's name.") var name: String
        @Option(help: "URL name; derived from the name when omitted.") var slug: String?
        @Option(help: "What kind of organisation.") var kind: OrganisationKind = .other
        @Option(help: "Website (http or https).") var website: String?
        @Option(help: "Contact e-mail.") var email: String?
        @Option(help: "Two-letter country code, e.g. GB.") var country: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let organisation = try await store.createOrganisation(OrganisationDraft(
                name: name, slug: slug, kind: kind, website: website, email: email, country: country))
            if output.json { try Output.json(organisation) } else {
                Output.line("created organisation \(organisation.slug) (id \(organisation.id))")
            }
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List organisations.", discussion: "Example: picketline org list")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let organisations = try await store.organisations()
            if output.json { return try Output.json(organisations) }
            Output.table(["ID", "SLUG", "KIND", "COUNTRY", "NAME"], organisations.map {
                [String($0.id), $0.slug, $0.kind.rawValue, $0.country ?? "", $0.name]
            })
        }
    }

    struct Show: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show an organisation.", discussion: "Example: picketline org show workers-power")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Organisation id or slug.") var organisation: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let organisation = try await store.organisation(organisation)
            if output.json { return try Output.json(organisation) }
            Output.fields([("Organisation", organisation.name), ("Slug", organisation.slug), ("ID", String(organisation.id)),
                           ("Kind", organisation.kind.rawValue), ("Website", organisation.website),
                           ("E-mail", organisation.email), ("Country", organisation.country)])
        }
    }

    struct Update: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "update", abstract: "Change an organisation's details.",
                                                        discussion: "Example: picketline org update rs21 --website https://www.rs21.org.uk")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Organisation id or slug.") var organisation: String
        @Option(help: "New name (one line).") var name: String?
        @Option(help: "party, union, campaign, \"community group\", ngo, media or other.") var kind: OrganisationKind?
        @Option(help: "Website; an empty string clears it.") var website: String?
        @Option(help: "Contact e-mail; an empty string clears it.") var email: String?
        @Option(help: "Two-letter country code; an empty string clears it.") var country: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let organisation = try await store.updateOrganisation(organisation, OrganisationChanges(
                name: name, kind: kind, website: website, email: email, country: country))
            if output.json { try Output.json(organisation) } else { Output.line("updated organisation \(organisation.slug)") }
        }
    }

    struct Endorsements: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "endorsements", 
            abstract: "List the actions an organisation endorses.",
            discussion: "Example: picketline org endorsements ukraine-solidarity-campaign")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Organisation id or slug.") var organisation: String
        @Flag(help: "Include withdrawn endorsements.") var all = false

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let endorsed = try await store.endorsements(byOrganisation: organisation, includeWithdrawn: all)
            if output.json { return try Output.json(endorsed) }
            Output.table(["ACTION", "STARTS", "ROLE", "STATE", "TITLE"], endorsed.map {
                [String($0.action.id), Output.time($0.action.startsAt, in: $0.action.zone), $0.endorsement.role.rawValue,
                 $0.endorsement.state.rawValue, Output.title($0.action)]
            })
        }
    }
}

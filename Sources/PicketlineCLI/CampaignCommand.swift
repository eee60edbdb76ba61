import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// `picketline campaign …`
struct CampaignCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaign",
        abstract: "Campaigns group actions and statements.",
        discussion: "Example: picketline campaign create --name \"Solidarity with Kazakhstan\"",
        subcommands: [Create.self, List.self, Show.self, Update.self])

    struct Create: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "create", 
            abstract: "Create a campaign.",
            discussion: "Example: picketline campaign create --name \"Solidarity with Kazakhstan\" --slug kazakhstan")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "The campaign's name.") var name: String
        @Option(help: "URL name; derived from the name when omitted.") var slug: String?
        @Option(help: "What the campaign is about.") var description: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let campaign = try await store.createCampaign(CampaignDraft(name: name, slug: slug, description: description))
            if output.json { try Output.json(campaign) } else { Output.line("created campaign \(campaign.slug) (id \(campaign.id))") }
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List campaigns.", discussion: "Example: picketline campaign list --json")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let campaigns = try await store.campaigns()
            if output.json { return try Output.json(campaigns) }
            Output.table(["ID", "SLUG", "NAME"], campaigns.map { [String($0.id), $0.slug, $0.name] })
        }
    }

    struct Show: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a campaign and its actions.", discussion: "Example: picketline campaign show kazakhstan-solidarity")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Campaign id or slug.") var campaign: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let campaign = try await store.campaign(campaign)
            if output.json { return try Output.json(campaign) }
            Output.fields([("Campaign", campaign.name), ("Slug", campaign.slug), ("ID", String(campaign.id)),
                           ("Description", campaign.description)])
            let actions = try await store.actions(ActionFilter(campaign: campaign.slug), page: .first).items
            Output.line()
            Output.table(["ID", "STARTS", "STATUS", "TITLE"], actions.map {
                [String($0.id), Output.time($0.startsAt, in: $0.zone), $0.status.rawValue, Output.title($0)]
            })
        }
    }

    struct Update: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "update", abstract: "Change a campaign's name or description.",
                                                        discussion: "Example: picketline campaign update kazakhstan --description \"…\"")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Campaign id or slug.") var campaign: String
        @Option(help: "New name (one line).") var name: String?
        @Option(help: "New description; \"\" removes it.") var description: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let campaign = try await store.updateCampaign(campaign, CampaignChanges(name: name, description: description))
            if output.json { try Output.json(campaign) } else { Output.line("updated campaign \(campaign.slug)") }
        }
    }
}

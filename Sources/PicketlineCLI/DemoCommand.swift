import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineStore

/// `picketline demo`: loads the London picket of January 2022 and two statements.
struct DemoCommand: StoreCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load the demo data: the London picket of the Kazakhstan Embassy (January 2022) and two statements.",
        discussion: """
        Loading twice is harmless: an existing demo is left as it is.
        Example: picketline demo && picketline action endorsements \(DemoData.actionSlug)
        """)
    @OptionGroup var global: GlobalOptions
    /// The demo makes the database when there is none.
    var needsExistingDatabase: Bool { false }

    func run(store: SQLiteStore, configuration: Configuration) async throws {
        if (try? await store.action(DemoData.actionSlug)) != nil {
            Output.line("the demo is already loaded in \(configuration.databasePath)")
            return
        }
        try await DemoLoader.load(into: store)
        Output.line("loaded the demo into \(configuration.databasePath): try `picketline action show \(DemoData.actionSlug)`")
    }
}

/// Writes the demo through the public `Store` API, exactly as an organiser would.
enum DemoLoader {
    static func load(into store: some Store) async throws {
        _ = try await store.createCampaign(DemoData.campaign)
        for organisation in DemoData.organisations where (try? await store.organisation(organisation.slug!)) == nil {
            _ = try await store.createOrganisation(organisation)
        }
        let action = try await store.createAction(DemoData.action)
        _ = try await store.endorse(action: action.slug, organisation: "anticapitalist-resistance", role: .caller, state: .confirmed)
        for supporter in DemoData.supporters {
            _ = try await store.endorse(action: action.slug, organisation: supporter, role: .supporter, state: .confirmed)
        }
        for speaker in DemoData.lineup { _ = try await store.addSpeaker(action: action.slug, speaker) }
        _ = try await store.recordHeadcount(action: action.slug, count: 50, countedAt: action.startsAt.addingTimeInterval(1800),
                                            note: DemoData.headcountNote)
        _ = try await store.reportIncident(action: action.slug, DemoData.arrest)
        var russian = DemoData.russianStatement
        russian.action = nil
        let first = try await store.createStatement(russian)
        for signatory in DemoData.russianSignatories { _ = try await store.sign(statement: first.slug, .organisation(signatory)) }
        var kazakh = DemoData.kazakhStatement
        kazakh.action = action.slug
        let second = try await store.createStatement(kazakh)
        _ = try await store.sign(statement: second.slug, .organisation("socialist-movement-of-kazakhstan"))
    }
}

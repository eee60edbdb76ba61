import Foundation
import Logging
import PicketlineCore
import PicketlineStore
import PicketlineTestSupport
@testable import PicketlineWebhooks

/// A real SQLite store, a real receiver on 127.0.0.1 and dispatchers over a real curl transport.
struct DispatchFixture {
    let directory: URL
    let store: SQLiteStore
    let clock: any WallClock
    let receiver: TestReceiver

    /// 2026-12-01T09:00:00Z, for tests that move time by hand.
    static let start = Date(timeIntervalSince1970: 1_796_115_600)

    /// With `manualClock` the store and dispatchers use it; otherwise the system clock (needed
    /// where a receiver checks the signature's timestamp against its own clock).
    init(manualClock: ManualClock? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("picketline-dispatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let clock: any WallClock = manualClock ?? SystemClock()
        self.clock = clock
        store = try SQLiteStore(path: directory.appendingPathComponent("test.sqlite").path, clock: clock)
        receiver = try TestReceiver()
    }

    /// A transport that may reach 127.0.0.1 only, with short timeouts.
    static func transportConfiguration(_ adjust: (inout CurlTransport.Configuration) -> Void = { _ in }) -> CurlTransport.Configuration {
        var configuration = CurlTransport.Configuration(connectTimeout: .seconds(2), totalTimeout: .seconds(5),
                                                        allowList: [IPCIDR("127.0.0.1/32")!])
        adjust(&configuration)
        return configuration
    }

    /// A dispatcher without jitter (so retry times are exact), on its own transport.
    func dispatcher(delays: [TimeInterval] = RetryPolicy.defaultDelays, disableAfter: TimeInterval = 5 * 86_400,
                    lease: TimeInterval = 60, batchSize: Int = 256,
                    transport adjust: (inout CurlTransport.Configuration) -> Void = { _ in }) -> OutboxDispatcher {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return OutboxDispatcher(
            store: store, transport: CurlTransport(configuration: Self.transportConfiguration(adjust)), clock: clock,
            settings: .init(batchSize: batchSize, lease: lease,
                            retryPolicy: RetryPolicy(delays: delays, giveUpAfter: disableAfter, random: { 0.5 }),
                            disableAfter: disableAfter),
            logger: logger)
    }

    /// The London picket of January 2022, as in the demo data, a week after the fixture's start.
    func picket() async throws -> Action {
        let campaign = try await store.createCampaign(CampaignDraft(name: "Solidarity with the Kazakhstan uprising", slug: "kazakhstan-solidarity"))
        let caller = try await store.createOrganisation(OrganisationDraft(name: "Anti*Capitalist Resistance", slug: "anticapitalist-resistance",
                                                                          kind: .party, website: "https://anticapitalistresistance.org", country: "GB"))
        return try await store.createAction(ActionDraft(
            kind: .picket, title: "Picket of the Kazakhstan Embassy", slug: "london-picket-kazakhstan-embassy-2022",
            target: "Embassy of the Republic of Kazakhstan",
            location: Location(venue: "Embassy of the Republic of Kazakhstan", addressLines: ["125 Pall Mall"],
                               locality: "London", postalCode: "SW1Y 5EA", country: "GB"),
            startsAt: Self.start.addingTimeInterval(7 * 86_400), endsAt: Self.start.addingTimeInterval(7 * 86_400 + 7_200),
            timeZone: "Europe/London", status: .confirmed, campaign: campaign.slug,
            sourceURL: "https://anticapitalistresistance.org/london-picket-of-kazakhstan-embassy/", caller: caller.slug))
    }

    /// Subscribes the receiver's `path` (bypassing the address check, which the transport still applies).
    func subscribe(_ path: String, format: PayloadFormat = .standard, events: [String] = ["callout.*"],
                   personalData: Bool = false) async throws -> WebhookSubscription {
        try await store.createSubscription(
            WebhookSubscriptionDraft(url: receiver.url(path), eventTypes: events, format: format, personalData: personalData),
            secret: StandardWebhookSigner.generateSecret())
    }

    /// Polls (every 10 ms, at most `seconds`) until `condition` holds; returns whether it did.
    func eventually(within seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    func remove() {
        receiver.stop()
        try? store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

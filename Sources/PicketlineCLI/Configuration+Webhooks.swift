import Foundation
import Logging
import PicketlineCore
import PicketlineHTTP
import PicketlineWebhooks

/// Turns the `[webhooks]` settings into the transport, the dispatcher and the API's checks.
extension Configuration {
    /// Limits and timeouts of the one curl multi handle.
    var transportConfiguration: CurlTransport.Configuration {
        CurlTransport.Configuration(
            maxConcurrentTransfers: webhooks.maxConcurrency, maxConnectionsPerHost: webhooks.maxPerHost,
            connectTimeout: .milliseconds(Int(webhooks.connectTimeoutSeconds * 1_000)),
            totalTimeout: .milliseconds(Int(webhooks.timeoutSeconds * 1_000)),
            allowList: webhooks.allowCIDRs)
    }

    /// Batch size, lease and retry schedule of the dispatcher.
    var dispatcherSettings: OutboxDispatcher.Settings {
        let disableAfter = webhooks.disableAfterHours * 3_600
        return OutboxDispatcher.Settings(
            batchSize: max(64, webhooks.maxConcurrency * 4), lease: webhooks.leaseSeconds,
            retryPolicy: RetryPolicy(delays: webhooks.retrySchedule, giveUpAfter: disableAfter),
            disableAfter: disableAfter)
    }

    /// A dispatcher over `store` with its own curl transport (one multi handle per process).
    func dispatcher(store: any DeliveryStore, logger: Logger) -> OutboxDispatcher {
        OutboxDispatcher(store: store, transport: CurlTransport(configuration: transportConfiguration),
                         settings: dispatcherSettings, logger: logger)
    }

    /// The dispatcher as a long-running service, polling as configured.
    func dispatcherService(store: any DeliveryStore, logger: Logger) -> OutboxDispatcherService {
        OutboxDispatcherService(dispatcher: dispatcher(store: store, logger: logger),
                                pollInterval: .milliseconds(Int(webhooks.pollSeconds * 1_000)), logger: logger)
    }

    /// Why a subscription may not use `url`, with what to do about it; nil when it may.
    func webhookURLRefusal(_ url: String) async -> String? {
        // The URL itself is wrong: the allow-list would not help, so it is not offered.
        if let problem = AddressGuard.urlProblem(url) { return "\(url) is refused: \(problem)" }
        switch await AddressGuard(allowList: webhooks.allowCIDRs).checkResolving(url: url) {
        case .allowed:
            return nil
        case .refused(let reason):
            return "\(url) is refused: \(reason). Webhooks may only reach public addresses; to allow a private or "
                + "local block, add it to webhooks.allow_cidrs (PICKETLINE_WEBHOOKS_ALLOW_CIDRS)"
        case .unresolvable(let reason):
            return "cannot check \(url): \(reason)"
        }
    }

    /// What the HTTP API's call-out and webhook routes need.
    func webhookAdministration(store: any DeliveryStore & CalloutStore,
                               dispatchNow: @escaping @Sendable () -> Void = {}) -> WebhookAdministration {
        let configuration = self
        return WebhookAdministration(
            deliveries: store, callouts: store, refusal: { await configuration.webhookURLRefusal($0) },
            newSecret: { StandardWebhookSigner.generateSecret() }, secretOverlap: webhooks.secretOverlapHours * 3_600,
            dispatchNow: dispatchNow)
    }
}

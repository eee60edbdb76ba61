import Foundation
import Logging
import PicketlineCore
import ServiceLifecycle

/// The dispatcher as a long-running service for `picketline serve` (and `picketline deliver`).
///
/// Wakes every `pollInterval`, sooner when a retry is due, and at once when `wake()` is called
/// (`serve` does so when a call-out is sent through the API, and when an admin command rings the
/// database's doorbell). On graceful shutdown it starts no more requests, gives those under way up
/// to `shutdownGrace` to finish, then hands back every lease it still holds so that the next
/// process takes those deliveries at once.
public struct OutboxDispatcherService: Service {
    let dispatcher: OutboxDispatcher
    let pollInterval: Duration
    let shutdownGrace: Duration
    let logger: Logger
    private let signal = WakeSignal()

    /// Makes the service around a dispatcher.
    public init(dispatcher: OutboxDispatcher, pollInterval: Duration = .seconds(1), shutdownGrace: Duration = .seconds(20),
                logger: Logger = Logger(label: "picketline.webhooks")) {
        self.dispatcher = dispatcher; self.pollInterval = pollInterval; self.shutdownGrace = shutdownGrace; self.logger = logger
    }

    public func run() async throws {
        logger.info("webhook dispatcher started", metadata: ["owner": "\(dispatcher.settings.owner)"])
        let grace = shutdownGrace
        var lastQuietCheck = ContinuousClock.now - .seconds(3_600)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            var busy = false
            // Once a minute: subscriptions that failed until their retries ran out, and then
            // went quiet, are judged by the clock rather than by an attempt that never comes.
            if ContinuousClock.now - lastQuietCheck >= .seconds(60) {
                lastQuietCheck = ContinuousClock.now
                do { _ = try await dispatcher.disableQuietFailures() } catch {
                    logger.error("checking failing webhooks failed", metadata: ["error": "\(error)"])
                }
            }
            do {
                // Pipelined like `deliver --once`: a 1,000-subscription call-out is expanded and
                // claimed in batches while the earlier ones are in flight; bounded so that a long
                // fan-out does not hold off the shutdown check.
                let report = try await dispatcher.dispatchDue(maxBatches: 16, abandonWhen: { [dispatcher] in
                    try? await gracefulShutdown()
                    guard !Task.isCancelled else { return }
                    // Stopping: what is under way may finish (and is recorded); nothing else starts,
                    // so no request goes out after the stop that the log would not show.
                    dispatcher.transport.stopStarting()
                    try? await Task.sleep(for: grace)
                })
                busy = report.claimed > 0
            } catch {
                logger.error("webhook dispatch failed", metadata: ["error": "\(error)"])
            }
            if busy { continue }
            let wait = await nextWait()
            let signal = self.signal
            try? await cancelWhenGracefulShutdown { await signal.sleep(for: wait) }
        }
        let released = (try? await dispatcher.releaseAll()) ?? 0
        logger.info("webhook dispatcher stopped", metadata: ["leases_released": "\(released)"])
    }

    /// Looks for new outbox events and due deliveries now instead of at the next poll.
    public func wake() {
        signal.wake()
    }

    /// Until the earliest due delivery, at most `pollInterval` (new outbox events need a look too).
    private func nextWait() async -> Duration {
        guard let due = try? await dispatcher.store.nextDueAt() else { return pollInterval }
        let seconds = due.timeIntervalSince(dispatcher.clock.now())
        if seconds <= 0.05 { return .milliseconds(50) }
        return min(pollInterval, .milliseconds(Int(seconds * 1_000)))
    }
}

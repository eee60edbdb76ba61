import Foundation
import Logging
import Metrics
import PicketlineCore
import Synchronization

/// Moves domain events from the outbox to webhook receivers.
///
/// One cycle: expand new outbox events into deliveries, claim a batch of due deliveries under a
/// lease, render each (format, personal data only when granted, Standard Webhooks signature with
/// every valid secret), send them all concurrently through one transport, classify each response
/// with the retry policy and record every attempt. Leases are renewed while a batch is in flight;
/// a process that dies leaves leases that expire, and the deliveries are claimed again.
public struct OutboxDispatcher: Sendable {
    /// How the dispatcher batches, leases and retries.
    public struct Settings: Sendable {
        /// Deliveries claimed and sent together.
        public var batchSize: Int
        /// How long a claim holds before another dispatcher may take the delivery (renewed while sending).
        public var lease: TimeInterval
        /// Backoff schedule, jitter and `Retry-After` handling.
        public var retryPolicy: RetryPolicy
        /// A subscription failing for this long without a success is disabled.
        public var disableAfter: TimeInterval
        /// Outbox events turned into deliveries per transaction.
        public var expansionBatch: Int
        /// Names this dispatcher in leases; unique per process.
        public var owner: String

        /// Makes settings; the defaults are the production ones.
        public init(batchSize: Int = 256, lease: TimeInterval = 60, retryPolicy: RetryPolicy = RetryPolicy(),
                    disableAfter: TimeInterval = 5 * 86_400, expansionBatch: Int = 500,
                    owner: String = OutboxDispatcher.uniqueOwner()) {
            self.batchSize = max(1, batchSize); self.lease = max(1, lease); self.retryPolicy = retryPolicy
            self.disableAfter = disableAfter; self.expansionBatch = max(1, expansionBatch); self.owner = owner
        }
    }

    /// What a cycle (or a drain) did.
    public struct Report: Sendable, Equatable {
        /// Deliveries claimed.
        public var claimed = 0
        /// Answered 2xx.
        public var delivered = 0
        /// Failed and scheduled again.
        public var retrying = 0
        /// Given up (window passed, unusable request, 410).
        public var failed = 0
        /// Handed back unsent or unrecorded (shutdown).
        public var released = 0
        /// Subscriptions disabled by these attempts.
        public var disabledSubscriptions: [Int64] = []

        public init() {}

        mutating func add(_ other: Report) {
            claimed += other.claimed; delivered += other.delivered; retrying += other.retrying
            failed += other.failed; released += other.released
            disabledSubscriptions += other.disabledSubscriptions
        }
    }

    public let store: any DeliveryStore
    public let transport: any WebhookTransport
    public let clock: any WallClock
    public let settings: Settings
    let logger: Logger

    /// Makes a dispatcher over a store and a transport.
    public init(store: any DeliveryStore, transport: any WebhookTransport, clock: any WallClock = SystemClock(),
                settings: Settings = Settings(), logger: Logger = Logger(label: "picketline.webhooks")) {
        self.store = store; self.transport = transport; self.clock = clock; self.settings = settings; self.logger = logger
    }

    /// `host:pid:random`, so that leases of two processes (or two dispatchers) never mix.
    public static func uniqueOwner() -> String {
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8).lowercased())"
    }

    // MARK: Cycles

    /// Expands every outbox event not yet seen; returns the deliveries made.
    @discardableResult
    public func expandAll() async throws -> Int {
        var made = 0
        // Bounded: each round moves the cursor forward by up to `expansionBatch` events.
        for _ in 0..<10_000 {
            let expansion = try await store.expandOutbox(limit: settings.expansionBatch)
            made += expansion.deliveries
            if expansion.events < settings.expansionBatch { break }
        }
        if made > 0 { logger.debug("deliveries made", metadata: ["count": "\(made)"]) }
        return made
    }

    /// Claims one batch of due deliveries and sends it. When `abandonWhen` returns before the
    /// batch is done, the batch's leases are released and the cycle returns without waiting.
    public func dispatchDue(abandonWhen: (@Sendable () async -> Void)? = nil) async throws -> Report {
        let claimed = try await store.claimDueDeliveries(owner: settings.owner, limit: settings.batchSize, lease: settings.lease)
        return try await process(claimed, abandonWhen: abandonWhen)
    }

    /// Expands and sends until nothing is due (retries scheduled later stay for a later run).
    public func drain(maxBatches: Int = 100_000) async throws -> Report {
        var total = Report()
        for _ in 0..<max(1, maxBatches) {
            try await expandAll()
            let batch = try await dispatchDue()
            if batch.claimed == 0 { break }
            total.add(batch)
        }
        return total
    }

    /// Sends these deliveries now, whatever their schedule (for `webhook test` and manual retries).
    public func deliverNow(_ ids: [Int64]) async throws -> Report {
        let claimed = try await store.claimDeliveries(ids, owner: settings.owner, lease: settings.lease)
        return try await process(claimed, abandonWhen: nil)
    }

    /// Gives back every lease this dispatcher holds.
    @discardableResult
    public func releaseAll() async throws -> Int {
        try await store.releaseLeases(nil, owner: settings.owner)
    }

    // MARK: One batch

    func process(_ claimed: [ClaimedDelivery], abandonWhen: (@Sendable () async -> Void)?) async throws -> Report {
        var report = Report()
        report.claimed = claimed.count
        guard !claimed.isEmpty else { return report }
        let startedAt = clock.now()
        var requests: [WebhookRequest] = []
        var byRequest: [String: ClaimedDelivery] = [:]
        var attempts: [AttemptReport] = []
        for delivery in claimed {
            do {
                let request = try render(delivery, at: startedAt)
                requests.append(request)
                byRequest[request.id] = delivery
            } catch {
                let reason = "invalid-request: cannot render the payload: \(error)"
                attempts.append(AttemptReport(deliveryID: delivery.delivery.id, attemptedAt: startedAt, statusCode: nil,
                                              latencyMilliseconds: 0, responsePrefix: nil, error: reason,
                                              next: .failed(reason: reason)))
            }
        }

        let heartbeat = renewLeases(requests.compactMap { Int64($0.id) })
        let responses = await send(requests, abandonWhen: abandonWhen)
        heartbeat.cancel()

        var unsent: [Int64] = []
        if let responses {
            let finishedAt = clock.now()
            for response in responses {
                guard let delivery = byRequest[response.requestID] else { continue }
                if response.errorCategory == .shutdown {
                    unsent.append(delivery.delivery.id)
                    continue
                }
                attempts.append(attemptReport(delivery, response, startedAt: startedAt, finishedAt: finishedAt))
            }
        } else {
            unsent = requests.compactMap { Int64($0.id) }
            logger.notice("batch abandoned at shutdown; leases released", metadata: ["deliveries": "\(unsent.count)"])
        }

        let latency = Timer(label: "picketline_webhook_delivery_duration_seconds")
        for attempt in attempts {
            let result: String
            switch attempt.next {
            case .delivered: report.delivered += 1; result = "delivered"
            case .retry: report.retrying += 1; result = "retry"
            case .failed, .disableSubscription: report.failed += 1; result = "failed"
            }
            Counter(label: "picketline_webhook_attempts_total", dimensions: [("result", result)]).increment()
            latency.recordMilliseconds(attempt.latencyMilliseconds)
        }
        report.disabledSubscriptions = try await store.recordAttempts(attempts, owner: settings.owner, disableAfter: settings.disableAfter)
        for id in report.disabledSubscriptions {
            logger.warning("webhook disabled", metadata: ["webhook": "\(id)"])
        }
        if !unsent.isEmpty {
            report.released = try await store.releaseLeases(unsent, owner: settings.owner)
        }
        logger.info("batch sent", metadata: [
            "claimed": "\(report.claimed)", "delivered": "\(report.delivered)", "retrying": "\(report.retrying)",
            "failed": "\(report.failed)", "released": "\(report.released)",
        ])
        return report
    }

    /// The request for one delivery: body in the subscription's format, personal data only when
    /// granted, signed with every secret valid at `now`.
    func render(_ claimed: ClaimedDelivery, at now: Date) throws -> WebhookRequest {
        let subscription = claimed.subscription
        var data = try JSONValue(parsing: Data(claimed.event.payload.utf8))
        if subscription.personalData, let personal = claimed.event.personalData {
            data = data.setting("personal_data", to: try JSONValue(parsing: Data(personal.utf8)))
        }
        if subscription.format != .standard { data = Self.withActionLink(data) }
        let body = subscription.format.render(eventType: claimed.event.type, timestamp: claimed.event.occurredAt, data: data)
        let signer = try StandardWebhookSigner(secrets: subscription.signingSecrets(at: now))
        let headers = signer.headers(id: claimed.delivery.messageID, timestamp: Int(now.timeIntervalSince1970), body: body)
        return WebhookRequest(id: String(claimed.delivery.id), url: subscription.url, headers: headers, body: body)
    }

    /// Chat messages link to the action: its `url`, else where it was published (`source_url`).
    static func withActionLink(_ data: JSONValue) -> JSONValue {
        guard let action = data["action"], action["url"]?.stringValue == nil,
              let source = action["source_url"]?.stringValue else { return data }
        return data.setting("action", to: action.setting("url", to: .string(source)))
    }

    func attemptReport(_ claimed: ClaimedDelivery, _ response: WebhookResponse, startedAt: Date, finishedAt: Date) -> AttemptReport {
        let delivery = claimed.delivery
        let policy = settings.retryPolicy
        let decision = policy.nextAttempt(attemptNumber: delivery.attempts + 1, response: response,
                                          firstAttemptAt: delivery.firstAttemptAt ?? startedAt, now: finishedAt)
        let outcome = policy.classify(response)
        var error: String?
        switch outcome {
        case .delivered: error = nil
        case .gone: error = "HTTP 410 Gone: the receiver asked not to be sent more"
        case .retryable(let reason), .permanentFailure(let reason): error = reason
        }
        let next: DeliveryNextStep
        switch decision {
        case .delivered: next = .delivered
        case .retry(let at): next = .retry(at: at)
        case .disableSubscription: next = .disableSubscription(reason: "the receiver answered 410 Gone")
        case .giveUp:
            if case .permanentFailure(let reason) = outcome {
                next = .failed(reason: reason)
            } else {
                next = .failed(reason: "gave up: no success within the retry window")
            }
        }
        let milliseconds = Int(response.latency.components.seconds) * 1_000
            + Int(response.latency.components.attoseconds / 1_000_000_000_000_000)
        var metadata: Logger.Metadata = [
            "delivery": "\(delivery.id)", "webhook": "\(claimed.subscription.id)", "host": "\(claimed.subscription.host)",
            "attempt": "\(delivery.attempts + 1)", "latency_ms": "\(milliseconds)",
        ]
        if let code = response.statusCode { metadata["status"] = "\(code)" }
        if let error { metadata["error"] = "\(error)" }
        if next == .delivered {
            logger.debug("delivered", metadata: metadata)
        } else {
            logger.notice("delivery attempt failed", metadata: metadata)
        }
        return AttemptReport(
            deliveryID: delivery.id, attemptedAt: startedAt, statusCode: response.statusCode, latencyMilliseconds: milliseconds,
            responsePrefix: response.bodyPrefix.isEmpty ? nil : String(decoding: response.bodyPrefix, as: UTF8.self),
            error: error, next: next)
    }

    /// Keeps the batch's leases alive while it is in flight.
    private func renewLeases(_ ids: [Int64]) -> Task<Void, Never> {
        let store = self.store, owner = settings.owner, lease = settings.lease
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(lease / 3))
                if Task.isCancelled { break }
                try? await store.extendLeases(ids, owner: owner, lease: lease)
            }
        }
    }

    /// Sends a batch; nil when `abandonWhen` returned first (the transfers go on and are ignored).
    private func send(_ requests: [WebhookRequest], abandonWhen: (@Sendable () async -> Void)?) async -> [WebhookResponse]? {
        guard !requests.isEmpty else { return [] }
        guard let abandonWhen else { return await transport.send(requests) }
        let transport = self.transport
        let gate = ResumeOnce<[WebhookResponse]?>()
        return await withCheckedContinuation { continuation in
            gate.arm(continuation)
            let watcher = Task {
                await abandonWhen()
                guard !Task.isCancelled else { return }
                gate.resume(returning: nil)
            }
            Task {
                let responses = await transport.send(requests)
                gate.resume(returning: responses)
                watcher.cancel()
            }
        }
    }
}

/// A continuation that the first of several racers resumes; the others are ignored.
private final class ResumeOnce<Value: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<Value, Never>?>(nil)

    func arm(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resume(returning value: Value) {
        continuation.withLock { $0.take() }?.resume(returning: value)
    }
}

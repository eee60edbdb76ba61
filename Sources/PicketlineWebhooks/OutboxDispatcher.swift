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

    /// Claims a batch of due deliveries and sends it, recording attempts as they finish; with
    /// `maxBatches` above one, the next batch is claimed while the previous one is in flight (as
    /// `drain` does), up to that many. When `abandonWhen` returns before the work is done, what
    /// finished is recorded, the other leases are released and the cycle returns without waiting.
    public func dispatchDue(maxBatches: Int = 1, abandonWhen: (@Sendable () async -> Void)? = nil) async throws -> Report {
        try await claimAndProcess(maxBatches: maxBatches, abandonWhen: abandonWhen).report
    }

    /// Expands and sends until nothing is due (retries scheduled later stay for a later run).
    ///
    /// Pipelined: the next batch is claimed while the previous one is in flight, so the transport
    /// always has work queued, and attempts are recorded as they finish.
    public func drain(maxBatches: Int = 100_000) async throws -> Report {
        var total = Report()
        var claims = 0
        while claims < max(1, maxBatches) {
            let round = try await claimAndProcess(maxBatches: max(1, maxBatches) - claims, abandonWhen: nil)
            claims += round.claims
            if round.report.claimed == 0 { break }
            total.add(round.report)
        }
        total.disabledSubscriptions += try await disableQuietFailures()
        return total
    }

    /// Claims a batch and sends it; while it is in flight, claims the next, up to `maxBatches`
    /// claims in all. Returns the report and the number of claims made.
    private func claimAndProcess(maxBatches: Int, abandonWhen: (@Sendable () async -> Void)?) async throws
        -> (report: Report, claims: Int) {
        // A quarter batch first: the transport starts on it while the next, whole batch is made.
        let first = try await claimDue(limit: max(1, min(settings.batchSize, max(16, settings.batchSize / 4))))
        let (report, more) = try await process(first, moreClaims: max(1, maxBatches) - 1, abandonWhen: abandonWhen)
        return (report, 1 + more)
    }

    /// Expands new outbox events a batch of deliveries at a time and claims a batch, in one
    /// transaction: the first deliveries of a large call-out go out while the rest are being made.
    /// Empty only when nothing is due and nothing is left to expand.
    private func claimDue(limit: Int? = nil) async throws -> [ClaimedDelivery] {
        let limit = limit ?? settings.batchSize
        // Bounded: each round moves the expansion forward (or claims, and returns).
        for _ in 0..<10_000 {
            let round = try await store.expandAndClaim(events: settings.expansionBatch, deliveries: limit,
                                                       owner: settings.owner, limit: limit, lease: settings.lease)
            if round.expansion.deliveries > 0 { logger.debug("deliveries made", metadata: ["count": "\(round.expansion.deliveries)"]) }
            let expansionLeft = round.expansion.partial || round.expansion.events >= settings.expansionBatch
            if !round.claimed.isEmpty || !expansionLeft { return round.claimed }
        }
        return []
    }

    /// Disables the subscriptions that have failed for `disableAfter` and have nothing left to
    /// send (see `DeliveryStore.disableQuietFailures`).
    public func disableQuietFailures() async throws -> [Int64] {
        let disabled = try await store.disableQuietFailures(disableAfter: settings.disableAfter)
        if !disabled.isEmpty {
            logger.warning("webhooks disabled after failing without a success", metadata: [
                "webhooks": "\(disabled.map(String.init).joined(separator: ","))", "after_seconds": "\(Int(settings.disableAfter))"])
        }
        return disabled
    }

    /// Sends these deliveries now, whatever their schedule (for `webhook test` and manual retries).
    public func deliverNow(_ ids: [Int64]) async throws -> Report {
        let claimed = try await store.claimDeliveries(ids, owner: settings.owner, lease: settings.lease)
        return try await process(claimed, abandonWhen: nil).report
    }

    /// Gives back every lease this dispatcher holds.
    @discardableResult
    public func releaseAll() async throws -> Int {
        try await store.releaseLeases(nil, owner: settings.owner)
    }

    // MARK: Sending and recording

    /// Sends claimed deliveries and records every attempt, in transactions of whatever finished
    /// while the previous one committed (so a fan-out costs a few commits, not one per delivery).
    /// With `moreClaims`, the next batch is claimed (and expanded) whenever no more than two
    /// batches are left in flight, in a task of its own so that the claim's transaction and the
    /// recording's can share one commit; until a claim returns nothing or `moreClaims` were made.
    /// Leases are renewed while deliveries are in flight. Returns the report and the claims made.
    func process(_ claimed: [ClaimedDelivery], moreClaims: Int = 0,
                 abandonWhen: (@Sendable () async -> Void)?) async throws -> (report: Report, claims: Int) {
        var report = Report()
        guard !claimed.isEmpty else { return (report, 0) }
        let inFlight = InFlight()
        let heartbeat = renewLeases(inFlight)
        defer { heartbeat.cancel() }
        let watcher = abandonWhen.map { abandonWhen in
            Task {
                await abandonWhen()
                guard !Task.isCancelled else { return }
                inFlight.abandon()
            }
        }
        defer { watcher?.cancel() }

        var sent: [String: (delivery: ClaimedDelivery, startedAt: Date)] = [:]
        var bodies: [BodyKey: [UInt8]] = [:]
        var toRecord: [AttemptReport] = []
        var unsent: [Int64] = []
        var claimsLeft = max(0, moreClaims)
        var claimsMade = 0
        var claiming: Task<Void, Never>?
        let refill = 2 * max(1, settings.batchSize)

        func launch(_ batch: [ClaimedDelivery]) async {
            report.claimed += batch.count
            let startedAt = clock.now()
            var requests: [WebhookRequest] = []
            requests.reserveCapacity(batch.count)
            for delivery in batch {
                do {
                    let request = try render(delivery, at: startedAt, bodies: &bodies)
                    requests.append(request)
                    sent[request.id] = (delivery, startedAt)
                } catch {
                    let reason = "invalid-request: cannot render the payload: \(error)"
                    toRecord.append(AttemptReport(deliveryID: delivery.delivery.id, attemptedAt: startedAt, statusCode: nil,
                                                  latencyMilliseconds: 0, responsePrefix: nil, error: reason,
                                                  next: .failed(reason: reason)))
                }
            }
            inFlight.lease(requests.compactMap { Int64($0.id) })
            await transport.start(requests) { inFlight.finished($0) }
        }

        /// Starts claiming the next batch when the transport is running low.
        func claimIfLow() {
            guard claimsLeft > 0, claiming == nil, sent.count <= refill else { return }
            claimsLeft -= 1
            claimsMade += 1
            let dispatcher = self
            claiming = Task {
                do { inFlight.claimed(.success(try await dispatcher.claimDue())) } catch { inFlight.claimed(.failure(error)) }
            }
        }

        /// Turns the responses that arrived into attempts to record (a transfer cut short by the
        /// transport's shutdown is handed back instead).
        func collectFinished() {
            let finishedAt = clock.now()
            for response in inFlight.take() {
                guard let (delivery, startedAt) = sent.removeValue(forKey: response.requestID) else { continue }
                if response.errorCategory == .shutdown {
                    unsent.append(delivery.delivery.id)
                    continue
                }
                toRecord.append(attemptReport(delivery, response, startedAt: startedAt, finishedAt: finishedAt))
            }
        }

        await launch(claimed)
        while true {
            if inFlight.isAbandoned { break }
            claimIfLow()
            if let result = inFlight.takeClaim() {
                claiming = nil
                // A failed claim ends the call; what is in flight keeps its lease until it runs out.
                let batch = try result.get()
                if batch.isEmpty { claimsLeft = 0 } else { await launch(batch) }
                continue
            }
            collectFinished()
            if !toRecord.isEmpty {
                try await record(toRecord, into: &report)
                inFlight.settled(toRecord.map(\.deliveryID))
                toRecord.removeAll(keepingCapacity: true)
                continue
            }
            if sent.isEmpty, claiming == nil, claimsLeft == 0 { break }
            await inFlight.wait()
        }

        if inFlight.isAbandoned {
            // Record what did finish; hand back the rest (their transfers go on and are ignored),
            // and a batch claimed meanwhile, unsent.
            collectFinished()
            if !toRecord.isEmpty { try await record(toRecord, into: &report) }
            let abandoned = sent.values.map(\.delivery.delivery.id)
            logger.notice("batch abandoned at shutdown; leases released", metadata: ["deliveries": "\(abandoned.count)"])
            unsent += abandoned
            await claiming?.value
            if case .success(let batch)? = inFlight.takeClaim() { unsent += batch.map(\.delivery.id) }
        }
        if !unsent.isEmpty {
            report.released = try await store.releaseLeases(unsent, owner: settings.owner)
        }
        logger.info("batch sent", metadata: [
            "claimed": "\(report.claimed)", "delivered": "\(report.delivered)", "retrying": "\(report.retrying)",
            "failed": "\(report.failed)", "released": "\(report.released)",
        ])
        return (report, claimsMade)
    }

    /// Records attempts in one transaction and counts them.
    private func record(_ attempts: [AttemptReport], into report: inout Report) async throws {
        var delivered = 0, retrying = 0, failed = 0
        let latency = Timer(label: "picketline_webhook_delivery_duration_seconds")
        for attempt in attempts {
            switch attempt.next {
            case .delivered: delivered += 1
            case .retry: retrying += 1
            case .failed, .disableSubscription: failed += 1
            }
            latency.recordMilliseconds(attempt.latencyMilliseconds)
        }
        let disabled = try await store.recordAttempts(attempts, owner: settings.owner, disableAfter: settings.disableAfter)
        for (result, count) in [("delivered", delivered), ("retry", retrying), ("failed", failed)] where count > 0 {
            Counter(label: "picketline_webhook_attempts_total", dimensions: [("result", result)]).increment(by: count)
        }
        report.delivered += delivered; report.retrying += retrying; report.failed += failed
        report.disabledSubscriptions += disabled
        for id in disabled {
            logger.warning("webhook disabled", metadata: ["webhook": "\(id)"])
        }
    }

    /// What makes two deliveries' bodies identical: the event, the format, and whether personal data goes in.
    struct BodyKey: Hashable {
        var event: Int64
        var format: PayloadFormat
        var personalData: Bool
    }

    /// The request for one delivery: body in the subscription's format, personal data only when
    /// granted, signed with every secret valid at `now`.
    func render(_ claimed: ClaimedDelivery, at now: Date) throws -> WebhookRequest {
        var bodies: [BodyKey: [UInt8]] = [:]
        return try render(claimed, at: now, bodies: &bodies)
    }

    /// As `render(_:at:)`, reusing bodies already rendered for the same event and format (the
    /// signature differs per delivery: message id and secret).
    func render(_ claimed: ClaimedDelivery, at now: Date, bodies: inout [BodyKey: [UInt8]]) throws -> WebhookRequest {
        let subscription = claimed.subscription
        let key = BodyKey(event: claimed.event.id, format: subscription.format,
                          personalData: subscription.personalData && claimed.event.personalData != nil)
        let body: [UInt8]
        if let known = bodies[key] {
            body = known
        } else {
            var data = try JSONValue(parsing: Data(claimed.event.payload.utf8))
            if key.personalData, let personal = claimed.event.personalData {
                data = data.setting("personal_data", to: try JSONValue(parsing: Data(personal.utf8)))
            }
            if subscription.format != .standard { data = Self.withActionLink(data) }
            body = subscription.format.render(eventType: claimed.event.type, timestamp: claimed.event.occurredAt,
                                              sequence: claimed.event.id, data: data)
            bodies[key] = body
        }
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
        // A test is answered once, to whoever asked: retried for days, it would post "this webhook
        // works" to a channel long after the answer was shown, when the receiver came back.
        case .retry where claimed.event.type == EventType.webhookTest: next = .failed(reason: "a test is sent once")
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
        // The metadata (the host means parsing the URL) only when the line is written.
        let level: Logger.Level = next == .delivered ? .debug : .notice
        if logger.logLevel <= level {
            var metadata: Logger.Metadata = [
                "delivery": "\(delivery.id)", "webhook": "\(claimed.subscription.id)", "host": "\(claimed.subscription.host)",
                "attempt": "\(delivery.attempts + 1)", "latency_ms": "\(milliseconds)",
            ]
            if let code = response.statusCode { metadata["status"] = "\(code)" }
            if let error { metadata["error"] = "\(error)" }
            logger.log(level: level, next == .delivered ? "delivered" : "delivery attempt failed", metadata: metadata)
        }
        return AttemptReport(
            deliveryID: delivery.id, attemptedAt: startedAt, statusCode: response.statusCode, latencyMilliseconds: milliseconds,
            responsePrefix: response.bodyPrefix.isEmpty ? nil : String(decoding: response.bodyPrefix, as: UTF8.self),
            error: error, next: next)
    }

    /// Keeps the leases of what is in flight alive.
    private func renewLeases(_ inFlight: InFlight) -> Task<Void, Never> {
        let store = self.store, owner = settings.owner, lease = settings.lease
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(lease / 3))
                if Task.isCancelled { break }
                let ids = inFlight.leasedIDs()
                if !ids.isEmpty { try? await store.extendLeases(ids, owner: owner, lease: lease) }
            }
        }
    }
}

/// What a `process` call has in flight: responses that arrived (from the transport's threads) and
/// not yet taken, the next batch claimed, the leases to renew, and whether the call was told to give up.
private final class InFlight: Sendable {
    private struct State {
        var arrived: [WebhookResponse] = []
        var claim: Result<[ClaimedDelivery], any Error>?
        var waiter: CheckedContinuation<Void, Never>?
        var abandoned = false
        var leased: Set<Int64> = []
    }

    private let state = Mutex(State())

    /// Called by the transport, once per request.
    func finished(_ response: WebhookResponse) {
        notify { $0.arrived.append(response) }
    }

    /// Called once per claim started, with the batch or the error.
    func claimed(_ result: Result<[ClaimedDelivery], any Error>) {
        notify { $0.claim = result }
    }

    /// Applies `change` and wakes the call waiting in `wait()`, if any.
    private func notify(_ change: (inout State) -> Void) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            change(&state)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The claim that came back since the last call, if any.
    func takeClaim() -> Result<[ClaimedDelivery], any Error>? {
        state.withLock { state in
            defer { state.claim = nil }
            return state.claim
        }
    }

    func abandon() {
        notify { $0.abandoned = true }
    }

    var isAbandoned: Bool { state.withLock { $0.abandoned } }

    /// The responses that arrived since the last call.
    func take() -> [WebhookResponse] {
        state.withLock { state in
            defer { state.arrived.removeAll(keepingCapacity: true) }
            return state.arrived
        }
    }

    /// Returns once a response or a claim arrived that was not taken yet, or the call was abandoned.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if !state.arrived.isEmpty || state.claim != nil || state.abandoned { return true }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
    }

    func lease(_ ids: [Int64]) { state.withLock { $0.leased.formUnion(ids) } }
    func settled(_ ids: [Int64]) { state.withLock { $0.leased.subtract(ids) } }
    func leasedIDs() -> [Int64] { state.withLock { Array($0.leased) } }
}

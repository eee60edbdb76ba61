import Foundation
import PicketlineCore
import PicketlineWebhooks

/// The `[webhooks]` section of the configuration: limits, timeouts, retry schedule, the SSRF allow-list.
public struct WebhookSettings: Sendable, Equatable {
    /// CIDR blocks the SSRF guard lets through although they are not public (e.g. `10.0.0.0/8`).
    public var allowCIDRs: [IPCIDR] = []
    /// Requests in flight at once, over all receivers.
    public var maxConcurrency = 64
    /// Requests in flight at once to one host.
    public var maxPerHost = 8
    public var connectTimeoutSeconds = 5.0
    /// The whole request, connect included.
    public var timeoutSeconds = 15.0
    /// Delays between attempts; past the end the last one repeats.
    public var retrySchedule: [TimeInterval] = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400]
    /// A subscription failing this long without a success is disabled.
    public var disableAfterHours = 120.0
    /// After `webhook rotate-secret`, how long the old secret keeps signing too.
    public var secretOverlapHours = 24.0
    /// How long a claimed delivery stays with a dispatcher before another may take it (renewed while sending).
    public var leaseSeconds = 60.0
    /// How often a running dispatcher looks for new events when nothing woke it (the API and
    /// admin commands wake it at once; see `Doorbell`).
    public var pollSeconds = 1.0

    public init() {}

    static let keys: [(key: String, environment: String)] = [
        ("webhooks.allow_cidrs", "PICKETLINE_WEBHOOKS_ALLOW_CIDRS"),
        ("webhooks.max_concurrency", "PICKETLINE_WEBHOOKS_MAX_CONCURRENCY"),
        ("webhooks.max_per_host", "PICKETLINE_WEBHOOKS_MAX_PER_HOST"),
        ("webhooks.connect_timeout_seconds", "PICKETLINE_WEBHOOKS_CONNECT_TIMEOUT_SECONDS"),
        ("webhooks.timeout_seconds", "PICKETLINE_WEBHOOKS_TIMEOUT_SECONDS"),
        ("webhooks.retry_schedule", "PICKETLINE_WEBHOOKS_RETRY_SCHEDULE"),
        ("webhooks.disable_after_hours", "PICKETLINE_WEBHOOKS_DISABLE_AFTER_HOURS"),
        ("webhooks.secret_overlap_hours", "PICKETLINE_WEBHOOKS_SECRET_OVERLAP_HOURS"),
        ("webhooks.lease_seconds", "PICKETLINE_WEBHOOKS_LEASE_SECONDS"),
        ("webhooks.poll_seconds", "PICKETLINE_WEBHOOKS_POLL_SECONDS"),
    ]

    /// Sets one `webhooks.` key from its text.
    mutating func set(_ key: String, _ value: String, source: String) throws {
        func bad(_ reason: String) -> PicketlineError { .invalid(field: key, reason: "\(reason) (\(source))") }
        func positive(_ text: String, maximum: Double) throws -> Double {
            guard let number = Double(text.trimmingCharacters(in: .whitespaces)), number > 0, number <= maximum else {
                throw bad("must be a number of seconds or hours above 0 and at most \(Int(maximum))")
            }
            return number
        }
        func count(_ text: String) throws -> Int {
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), (1...10_000).contains(number) else {
                throw bad("must be a whole number from 1 to 10000")
            }
            return number
        }
        switch key {
        case "webhooks.allow_cidrs":
            allowCIDRs = try Self.list(value).map { block in
                guard let cidr = IPCIDR(block) else { throw bad("\(block.debugDescription) is not an address block such as 10.0.0.0/8 or ::1/128") }
                return cidr
            }
        case "webhooks.max_concurrency": maxConcurrency = try count(value)
        case "webhooks.max_per_host": maxPerHost = try count(value)
        case "webhooks.connect_timeout_seconds": connectTimeoutSeconds = try positive(value, maximum: 300)
        case "webhooks.timeout_seconds": timeoutSeconds = try positive(value, maximum: 600)
        case "webhooks.retry_schedule":
            let delays = try Self.list(value).map { item in
                guard let seconds = Self.duration(item) else { throw bad("\(item.debugDescription) is not a delay such as 5s, 30m, 2h or 1d") }
                return seconds
            }
            guard !delays.isEmpty else { throw bad("needs at least one delay, e.g. \"5s, 5m, 30m, 2h\"") }
            retrySchedule = delays
        case "webhooks.disable_after_hours": disableAfterHours = try positive(value, maximum: 24 * 365)
        case "webhooks.secret_overlap_hours":
            guard let hours = Double(value.trimmingCharacters(in: .whitespaces)), hours >= 0,
                  hours <= WebhookSubscription.maximumSecretOverlapHours else {
                throw bad("must be a number of hours from 0 to \(Int(WebhookSubscription.maximumSecretOverlapHours))")
            }
            secretOverlapHours = hours
        case "webhooks.lease_seconds": leaseSeconds = try positive(value, maximum: 3_600)
        case "webhooks.poll_seconds": pollSeconds = try positive(value, maximum: 3_600)
        default:
            throw PicketlineError.invalid(field: key, reason: "unknown setting (\(source)); known: \(Self.keys.map(\.key).joined(separator: ", "))")
        }
    }

    /// Comma- or space-separated items.
    static func list(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init).filter { !$0.isEmpty }
    }

    /// `5s`, `5m`, `2h`, `1d` or a bare number of seconds.
    static func duration(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        var number = text.lowercased()
        var factor = 1.0
        if let last = number.last, let unit = units[last] {
            factor = unit
            number.removeLast()
        }
        guard let value = Double(number), value > 0 else { return nil }
        return value * factor
    }
}

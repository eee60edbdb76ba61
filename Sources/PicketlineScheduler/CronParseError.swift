/// Why a cron expression was rejected: the field it was found in, the offending text and a
/// reason meant for the person who wrote the expression.
public struct CronParseError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// `minute`, `hour`, `day-of-month`, `month`, `day-of-week`, or `expression` when the
    /// problem is the expression as a whole (field count, macro).
    public let field: String
    /// The text that was rejected, as written.
    public let token: String
    /// What is wrong with `token`, as a sentence fragment without the field name.
    public let reason: String

    /// Creates an error; `reason` should read well after "`field`: ".
    public init(field: String, token: String, reason: String) {
        self.field = field
        self.token = token
        self.reason = reason
    }

    /// The message to show, e.g. `day-of-month: 32 is out of range 1-31`.
    public var description: String { "\(field): \(reason)" }
}

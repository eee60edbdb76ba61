import Foundation

/// A stewards' anonymous tally: "around 50 people" recorded without names.
public struct Headcount: Codable, Sendable, Equatable, Identifiable {
    public var id: Int64
    public var actionID: Int64
    public var count: Int
    public var countedAt: Date
    public var note: String?
    public var createdAt: Date

    public init(id: Int64, actionID: Int64, count: Int, countedAt: Date, note: String?, createdAt: Date) {
        self.id = id; self.actionID = actionID; self.count = count; self.countedAt = countedAt
        self.note = note; self.createdAt = createdAt
    }

    /// Checks a tally before it is recorded.
    public static func validate(count: Int, note: String?) throws -> String? {
        guard count >= 0 else { throw PicketlineError.invalid(field: "count", reason: "must not be negative") }
        guard count <= 10_000_000 else { throw PicketlineError.invalid(field: "count", reason: "is implausibly large") }
        return try Validation.optional(note, field: "note", maxLength: 2_000)
    }
}

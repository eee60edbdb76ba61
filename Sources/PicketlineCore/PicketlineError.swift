import Foundation

/// Every failure the domain can report. The edges translate it: the CLI prints `message`
/// and exits non-zero, the HTTP layer maps `code` to a status and a JSON body.
public enum PicketlineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Input that breaks a rule; `field` names the offending field as the user wrote it.
    case invalid(field: String, reason: String)
    /// A reference (id or slug) that names nothing.
    case notFound(entity: String, reference: String)
    /// The request is well formed but clashes with the current state.
    case conflict(field: String?, reason: String)
    /// A storage or system failure; the text is for logs, never for clients.
    case unavailable(detail: String)

    /// A stable machine-readable code (`invalid`, `not_found`, `conflict`, `unavailable`).
    public var code: String {
        switch self {
        case .invalid: "invalid"
        case .notFound: "not_found"
        case .conflict: "conflict"
        case .unavailable: "unavailable"
        }
    }

    /// The field the error is about, if any.
    public var field: String? {
        switch self {
        case .invalid(let field, _): field
        // The kind of thing named: the body field or path parameter that named it (`campaign`).
        case .notFound(let entity, _): entity
        case .conflict(let field, _): field
        case .unavailable: nil
        }
    }

    /// A message safe to show a user: storage detail is withheld.
    public var message: String {
        switch self {
        case .invalid(let field, let reason): "\(field): \(reason)"
        case .notFound(let entity, let reference): "no \(entity) \(reference.debugDescription)"
        case .conflict(_, let reason): reason
        case .unavailable: "the database is unavailable; see the service log"
        }
    }

    public var description: String { message }
}

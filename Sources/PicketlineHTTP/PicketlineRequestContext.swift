import Foundation
import Hummingbird
import Logging
import NIOCore
import PicketlineCore

/// Who is calling: nobody, an admin, or an organiser acting for one organisation.
public enum Caller: Sendable, Equatable {
    case anonymous
    case admin(tokenID: Int64)
    case organiser(tokenID: Int64, organisationID: Int64)

    var isAuthenticated: Bool { self != .anonymous }
    var isAdmin: Bool { if case .admin = self { true } else { false } }
    /// The organisation an organiser's token acts for.
    var organisationID: Int64? { if case .organiser(_, let organisationID) = self { organisationID } else { nil } }
}

/// The per-request context: the caller (set by `TokenAuthenticator`) and the client's address
/// (for rate limits).
public struct PicketlineRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller = .anonymous
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client address as text ("127.0.0.1"), or "unknown" (in-process tests have none).
    var clientAddress: String { remoteAddress?.ipAddress ?? "unknown" }
}

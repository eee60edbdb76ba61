import Crypto
import Foundation
import Hummingbird
import PicketlineCore

/// Creates and recognises API tokens. Only the SHA-256 of a token is stored, so a copy of the
/// database does not hand out access.
public enum APITokens {
    /// A new secret: `plt_` and 32 random bytes in URL-safe base64.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "plt_" + base64
    }

    /// The stored form of a secret.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// Reads `Authorization: Bearer …` and sets the caller; a token that is sent but unknown,
/// revoked or malformed is a 401, never a silent downgrade to anonymous.
struct TokenAuthenticator: RouterMiddleware {
    typealias Context = PicketlineRequestContext
    let tokens: any TokenStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw APIError.unauthorized }
        guard let token = try await tokens.activeToken(hash: APITokens.hash(String(parts[1]).trimmingCharacters(in: .whitespaces))) else {
            throw APIError.unauthorized
        }
        var context = context
        switch token.role {
        case .admin: context.caller = .admin(tokenID: token.id)
        case .organiser:
            guard let organisation = token.organisationID else { throw APIError.unauthorized }
            context.caller = .organiser(tokenID: token.id, organisationID: organisation)
        }
        return try await next(request, context)
    }
}

import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineHTTP
import PicketlineStore

/// `picketline token …`: API tokens for partner sites, bots and organisers.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens (only a hash is stored; the token is shown once).",
        discussion: """
        Example:
          picketline token create --name "coalition website" --role admin
          picketline token create --name "ACR organisers" --role organiser --organisation anticapitalist-resistance
          curl -H "Authorization: Bearer plt_…" http://127.0.0.1:8080/api/v1/actions
        """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "create", 
            abstract: "Create a token and print it once.",
            discussion: "Example: picketline token create --name bot --role organiser --organisation rs21")
        @OptionGroup var global: GlobalOptions
        @Option(help: "A name to recognise it by.") var name: String
        @Option(help: "admin (everything) or organiser (its organisation's actions).") var role: TokenRole
        @Option(help: "For organisers: the organisation (id or slug).") var organisation: String?

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let secret = APITokens.generate()
            let token = try await store.createToken(name: name, role: role, organisation: organisation, tokenHash: APITokens.hash(secret))
            Output.line(secret)
            FileHandle.standardError.write(Data("created \(token.role.rawValue) token \(token.id) (\(token.name)); keep it secret, it is not shown again\n".utf8))
        }
    }

    struct List: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (never their secrets).", discussion: "Example: picketline token list")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var output: OutputOptions

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let tokens = try await store.tokens()
            if output.json {
                struct Row: Encodable { var id: Int64; var name: String; var role: TokenRole; var organisationID: Int64?; var createdAt: Date; var revokedAt: Date? }
                return try Output.json(tokens.map { Row(id: $0.id, name: $0.name, role: $0.role, organisationID: $0.organisationID,
                                                        createdAt: $0.createdAt, revokedAt: $0.revokedAt) })
            }
            Output.table(["ID", "ROLE", "ORG", "STATE", "NAME"], tokens.map {
                [String($0.id), $0.role.rawValue, $0.organisationID.map(String.init) ?? "", $0.isActive ? "active" : "revoked", $0.name]
            })
        }
    }

    struct Revoke: StoreCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token by id or name.", discussion: "Example: picketline token revoke bot")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Token id or name.") var token: String

        func run(store: SQLiteStore, configuration: Configuration) async throws {
            let token = try await store.revokeToken(token)
            Output.line("revoked token \(token.id) (\(token.name))")
        }
    }
}

extension TokenRole: VocabularyArgument {}

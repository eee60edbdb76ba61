import Foundation

/// How a subscription wants its payloads: a Standard Webhooks JSON envelope or a chat message.
/// (The rendering lives with the transport in PicketlineWebhooks.)
public enum PayloadFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// `{"type": …, "timestamp": …, "data": {…}}`
    case standard
    /// A Slack incoming-webhook message: `{"text": …}` (Mattermost and Rocket.Chat accept it too).
    case slack
    /// A Discord webhook message: `{"content": …}`, at most 2000 characters.
    case discord

    /// Discord rejects `content` longer than this.
    public static let discordContentLimit = 2_000
}

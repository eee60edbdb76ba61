import Foundation
import PicketlineCore
import PicketlineStore
import PicketlineHTTP

/// Everything the service and the CLI can be configured with, read once at the edge:
/// built-in defaults, then the file, then `PICKETLINE_…` environment variables, then flags.
public struct Configuration: Sendable, Equatable {
    /// The SQLite file.
    public var databasePath = "picketline.sqlite"
    /// `full` (survives power loss) or `normal`.
    public var databaseDurability = Durability.full
    /// trace, debug, info, notice, warning, error, critical.
    public var logLevel = "info"
    /// `text` (human-readable) or `json` (one object per line).
    public var logFormat = "text"
    /// The zone used for actions created without `--time-zone`.
    public var defaultTimeZone = "UTC"
    /// The HTTP service.
    public var http = HTTPConfiguration()
    /// Webhook delivery.
    public var webhooks = WebhookSettings()
    /// Reminders and recurring schedules.
    public var scheduler = SchedulerSettings()

    public init() {}

    /// Every key the file and the environment understand, with its environment variable.
    static let keys: [(key: String, environment: String)] = [
        ("database.path", "PICKETLINE_DATABASE_PATH"),
        ("database.durability", "PICKETLINE_DATABASE_DURABILITY"),
        ("log.level", "PICKETLINE_LOG_LEVEL"),
        ("log.format", "PICKETLINE_LOG_FORMAT"),
        ("actions.default_time_zone", "PICKETLINE_DEFAULT_TIME_ZONE"),
        ("http.host", "PICKETLINE_HTTP_HOST"),
        ("http.port", "PICKETLINE_HTTP_PORT"),
        ("http.max_body_bytes", "PICKETLINE_HTTP_MAX_BODY_BYTES"),
        ("http.public_writes_per_minute", "PICKETLINE_HTTP_PUBLIC_WRITES_PER_MINUTE"),
        ("http.public_base_url", "PICKETLINE_HTTP_PUBLIC_BASE_URL"),
        ("http.event_loops", "PICKETLINE_HTTP_EVENT_LOOPS"),
        ("http.cors_origins", "PICKETLINE_HTTP_CORS_ORIGINS"),
    ] + WebhookSettings.keys + SchedulerSettings.keys

    /// Sets one key from its text; the error names the key and, when known, the file line.
    mutating func set(_ key: String, _ value: String, source: String) throws {
        func bad(_ reason: String) -> PicketlineError { .invalid(field: key, reason: "\(reason) (\(source))") }
        switch key {
        case "database.path":
            guard !value.isEmpty else { throw bad("must not be empty") }
            databasePath = value
        case "database.durability":
            guard let durability = Durability(rawValue: value.lowercased()) else { throw bad("must be full or normal") }
            databaseDurability = durability
        case "log.level":
            let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard levels.contains(value.lowercased()) else { throw bad("must be one of \(levels.joined(separator: ", "))") }
            logLevel = value.lowercased()
        case "log.format":
            guard ["text", "json"].contains(value.lowercased()) else { throw bad("must be text or json") }
            logFormat = value.lowercased()
        case "actions.default_time_zone":
            do { defaultTimeZone = try Validation.timeZone(value, field: key) } catch { throw bad("is not an IANA time zone") }
        case "http.host":
            guard !value.isEmpty else { throw bad("must not be empty") }
            http.host = value
        case "http.port":
            guard let port = Int(value), (0...65_535).contains(port) else { throw bad("must be a port number 0-65535") }
            http.port = port
        case "http.max_body_bytes":
            guard let bytes = Int(value), bytes >= 1_024 else { throw bad("must be a number of bytes, at least 1024") }
            http.maxBodyBytes = bytes
        case "http.public_writes_per_minute":
            guard let limit = Int(value), limit >= 1 else { throw bad("must be a whole number, at least 1") }
            http.publicWritesPerMinute = limit
        case "http.event_loops":
            guard let loops = Int(value), (1...256).contains(loops) else { throw bad("must be a whole number from 1 to 256") }
            http.eventLoops = loops
        case "http.cors_origins":
            do {
                http.corsOrigins = try value.split(separator: ",").map { try HTTPConfiguration.corsOrigin(String($0)) }
            } catch PicketlineError.invalid(_, let reason) { throw bad(reason) }
        case "http.public_base_url":
            guard let url = URL(string: value), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw bad("must be an http(s) URL")
            }
            http.publicBaseURL = value.hasSuffix("/") ? String(value.dropLast()) : value
        case _ where key.hasPrefix("webhooks."):
            try webhooks.set(key, value, source: source)
        case _ where SchedulerSettings.owns(key):
            try scheduler.set(key, value, source: source)
        default:
            throw PicketlineError.invalid(field: key, reason: "unknown setting (\(source)); known: \(Self.keys.map(\.key).joined(separator: ", "))")
        }
    }

    /// Loads defaults, then `file` (if any), then the environment.
    public static func load(file: String?, environment: [String: String]) throws -> Configuration {
        var configuration = Configuration()
        if let file {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw PicketlineError.invalid(field: "config", reason: "cannot read \(file)")
            }
            for (key, value, line) in try ConfigFile.parse(text, name: file) {
                try configuration.set(key, value, source: "\(file):\(line)")
            }
        }
        for (key, variable) in keys {
            if let value = environment[variable] { try configuration.set(key, value, source: "environment \(variable)") }
        }
        return configuration
    }
}

/// A small TOML subset: `[section]`, `key = "string" | number | true/false`, `#` comments.
enum ConfigFile {
    static func parse(_ text: String, name: String) throws -> [(key: String, value: String, line: Int)] {
        var section = ""
        var entries: [(String, String, Int)] = []
        // TOML allows a key, and a section header, once: a second would silently win.
        var keyLines: [String: Int] = [:]
        var sectionLines: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    throw PicketlineError.invalid(field: "config", reason: "\(name):\(number): malformed section header")
                }
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if let earlier = sectionLines[section] {
                    throw PicketlineError.invalid(field: "config", reason: "\(name):\(number): [\(section)] already appears on line \(earlier)")
                }
                sectionLines[section] = number
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw PicketlineError.invalid(field: "config", reason: "\(name):\(number): expected key = value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else {
                    throw PicketlineError.invalid(field: "config", reason: "\(name):\(number): unterminated string")
                }
                value = String(value.dropFirst().dropLast())
            }
            let fullKey = section.isEmpty ? key : "\(section).\(key)"
            if let earlier = keyLines[fullKey] {
                throw PicketlineError.invalid(field: "config", reason: "\(name):\(number): \(fullKey) is already set on line \(earlier)")
            }
            keyLines[fullKey] = number
            entries.append((fullKey, value, number))
        }
        return entries
    }

    private static func stripComment(_ line: String) -> String {
        var inString = false
        for (offset, character) in line.enumerated() {
            if character == "\"" { inString.toggle() }
            if character == "#" && !inString { return String(line.prefix(offset)) }
        }
        return line
    }
}

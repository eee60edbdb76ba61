#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import PicketlineCore

/// `log.format = text`: the line swift-log's `StreamLogHandler` writes, with the time in UTC:
/// `2026-11-29T11:40:12Z info picketline : method=POST path=/api/v1/… status=201 [PicketlineHTTP] request`.
///
/// Each line is built in one buffer and written with one `write(2)`, so lines from several
/// threads never interleave. It replaces `StreamLogHandler`, which on every line read the local
/// time zone (a `stat` of /etc/localtime), prettified the metadata through string interpolation
/// and locked, wrote and flushed stdio: a tenth of the CPU an RSVP costs (perf, Deploy/bench.sh).
struct TextLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = RFC3339.string(from: Date())
        line.reserveCapacity(160)
        line += " "
        line += event.level.rawValue
        line += " "
        line += label
        line += " :"
        // The handler's metadata and the event's (which wins on a shared key), in key order: a
        // small array sorted rather than a merged dictionary whose keys are sorted and looked up.
        var fields: [(key: String, value: Logger.MetadataValue)] = []
        fields.reserveCapacity(metadata.count + (event.metadata?.count ?? 0))
        if let own = event.metadata { for (key, value) in own { fields.append((key, value)) } }
        for (key, value) in metadata where event.metadata?[key] == nil { fields.append((key, value)) }
        fields.sort { $0.key < $1.key }
        for field in fields {
            line += " "
            line += field.key
            line += "="
            if case .string(let text) = field.value { line += text } else { line += field.value.description }
        }
        line += " ["
        line += event.source
        line += "] "
        line += event.message.description
        line += "\n"
        line.withUTF8 { LogOutput.write(UnsafeRawBufferPointer($0)) }
    }
}

/// What both log formats share.
enum LogOutput {
    /// Writes one whole line to standard error with one `write(2)` (repeated only for the rest of
    /// a partial write), so that lines from several threads never interleave.
    static func write(_ bytes: UnsafeRawBufferPointer) {
        var written = 0
        while written < bytes.count {
            let result = Glibc.write(STDERR_FILENO, bytes.baseAddress! + written, bytes.count - written)
            if result > 0 { written += result } else if result < 0 && errno == EINTR { continue } else { return }
        }
    }

    /// The handler's metadata with the event's on top.
    static func merged(_ handler: Logger.Metadata, _ event: Logger.Metadata?) -> Logger.Metadata {
        guard let event, !event.isEmpty else { return handler }
        return handler.isEmpty ? event : handler.merging(event) { $1 }
    }
}

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
    /// Where lines go: standard error unless a test passes another descriptor.
    let descriptor: Int32

    init(label: String, descriptor: Int32 = 2) {
        self.label = label
        self.descriptor = descriptor
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
        let merged: Logger.Metadata
        if let extra = event.metadata, !extra.isEmpty {
            merged = metadata.isEmpty ? extra : metadata.merging(extra) { $1 }
        } else {
            merged = metadata
        }
        for key in merged.keys.sorted() {
            line += " "
            line += key
            line += "="
            line += merged[key]!.description
        }
        line += " ["
        line += event.source
        line += "] "
        line += event.message.description
        line += "\n"
        line.withUTF8 { bytes in
            var written = 0
            while written < bytes.count {
                let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if result > 0 { written += result } else if result < 0 && errno == EINTR { continue } else { return }
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import PicketlineCore
import Synchronization

/// `log.format = text`: the line swift-log's `StreamLogHandler` writes, with the time in UTC:
/// `2026-11-29T11:40:12Z info picketline : method=POST path=/api/v1/… status=201 [PicketlineHTTP] request`.
///
/// Each line is built in one buffer and handed whole to `LogOutput`, so lines from several
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
        line.withUTF8 { LogOutput.write(UnsafeRawBufferPointer($0), level: event.level) }
    }
}

/// What both log formats share.
enum LogOutput {
    /// Where every log line of this process goes.
    static let standardError = LogSink(descriptor: STDERR_FILENO)

    /// Writes one whole line (newline included) to standard error; see `LogSink`.
    static func write(_ bytes: UnsafeRawBufferPointer, level: Logger.Level) {
        standardError.write(bytes, urgent: level >= .warning)
    }

    /// The handler's metadata with the event's on top.
    static func merged(_ handler: Logger.Metadata, _ event: Logger.Metadata?) -> Logger.Metadata {
        guard let event, !event.isEmpty else { return handler }
        return handler.isEmpty ? event : handler.merging(event) { $1 }
    }
}

/// Writes whole log lines to a file descriptor, each with one `write(2)` (repeated only for the
/// rest of a partial write), so that lines from several threads never interleave.
///
/// `serve` batches: a line below warning (the access line of every request, for one) waits in
/// memory until 16 KiB have gathered or `interval` has passed since the first of them, and goes
/// out with the others in one write. A warning or an error goes out at once, after the lines
/// before it, and its caller returns once it is written. Written one by one, the access lines cost
/// a tenth of serve's CPU per RSVP, most of it the kernel growing the log file a line at a time
/// (perf record, Deploy/bench.sh). What a crash can take with it is the lines of the last
/// `interval`, never a warning or an error. The other commands write every line at once.
///
/// A batch is written on a queue of its own, never by the thread that logged the line that
/// filled it: the lock the request threads log through is held only to copy a line in, not for a
/// 16 KiB write to a slow disk or a full pipe. Batches are handed to the queue under that lock, so
/// they are written in the order their lines were logged.
final class LogSink: Sendable {
    /// Lines gathered beyond this go out at once.
    static let batchBytes = 16 * 1024

    private struct State {
        var interval: Duration?
        var pending: [UInt8] = []
        var flushScheduled = false
    }

    private let descriptor: Int32
    private let state = Mutex(State())
    private let writes = DispatchQueue(label: "picketline.log-writes")

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// From now on, lines that are not urgent wait up to `interval` to be written together.
    func batch(every interval: Duration) {
        state.withLock { $0.interval = interval }
    }

    func write(_ line: UnsafeRawBufferPointer, urgent: Bool) {
        enum Next { case nothing, scheduleFlush(Duration), awaitWritten }
        let next: Next = state.withLock { state in
            guard let interval = state.interval else {
                writeAll(line)
                return .nothing
            }
            state.pending.append(contentsOf: line)
            if urgent || state.pending.count >= Self.batchBytes {
                handOver(&state)
                return urgent ? .awaitWritten : .nothing
            }
            guard !state.flushScheduled else { return .nothing }
            state.flushScheduled = true
            return .scheduleFlush(interval)
        }
        switch next {
        case .nothing: break
        case .scheduleFlush(let interval):
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(interval / .nanoseconds(1)))) {
                self.flush(waiting: false)
            }
        case .awaitWritten: writes.sync {}
        }
    }

    /// Writes the lines waiting, if any, and returns once they are written (when `serve` stops).
    func flush() { flush(waiting: true) }

    private func flush(waiting: Bool) {
        state.withLock { state in
            state.flushScheduled = false
            if !state.pending.isEmpty { handOver(&state) }
        }
        if waiting { writes.sync {} }
    }

    /// Passes the lines gathered to the writing queue; called under `state`'s lock.
    private func handOver(_ state: inout State) {
        let batch = state.pending
        state.pending = []
        state.pending.reserveCapacity(Self.batchBytes + 1024)
        writes.async { batch.withUnsafeBytes { self.writeAll($0) } }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) {
        var written = 0
        while written < bytes.count {
            let result = Glibc.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
            if result > 0 { written += result } else if result < 0 && errno == EINTR { continue } else { return }
        }
    }
}

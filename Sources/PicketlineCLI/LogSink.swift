#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Logging
import Synchronization

/// Where log lines go: standard error, written in batches.
///
/// `info` and quieter lines wait in a buffer for at most `delay` (or until 16 KB are waiting);
/// a `notice`, warning or error is written at once together with everything before it, and the
/// buffer is written when the process exits. A busy `serve` writes one access-log line per
/// request, and one `write(2)` each was about 4 % of its CPU; a crash can lose at most the
/// last `delay` of info lines, never a warning or an error.
final class LogSink: Sendable {
    static let standardError = LogSink(descriptor: 2)

    private struct State: ~Copyable {
        var buffer: [UInt8] = []
        var flushScheduled = false
    }

    let descriptor: Int32
    let delay: Duration
    private let limit = 16 * 1_024
    private let state = Mutex(State())

    init(descriptor: Int32, delay: Duration = .milliseconds(100)) {
        self.descriptor = descriptor
        self.delay = delay
    }

    /// Queues one line (with its newline); `level` decides whether it waits.
    func write(_ line: String, level: Logger.Level) {
        var line = line
        let urgent = level > .info
        let schedule = line.withUTF8 { bytes in
            state.withLock { state -> Bool in
                state.buffer.append(contentsOf: bytes)
                if urgent || state.buffer.count >= limit {
                    Self.writeAll(state.buffer, to: descriptor)
                    state.buffer.removeAll(keepingCapacity: true)
                    return false
                }
                if state.flushScheduled { return false }
                state.flushScheduled = true
                return true
            }
        }
        if schedule {
            let (seconds, attoseconds) = delay.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { self.flush() }
        }
    }

    /// Writes whatever is waiting.
    func flush() {
        state.withLock { state in
            state.flushScheduled = false
            guard !state.buffer.isEmpty else { return }
            Self.writeAll(state.buffer, to: descriptor)
            state.buffer.removeAll(keepingCapacity: true)
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
        bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let result = Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
                if result > 0 { written += result } else if result < 0 && errno == EINTR { continue } else { return }
            }
        }
    }
}

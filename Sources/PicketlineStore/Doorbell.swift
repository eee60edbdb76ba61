import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Lets a short-lived process (an admin command) tell the long-running ones on the same database
/// (`serve`, `deliver`, `schedule run`) that it committed something they should look at now: a
/// call-out to fan out, an action whose reminders moved, a schedule added.
///
/// The doorbell is an empty file beside the database (`<database>-wake`). The watcher creates it
/// and watches it with inotify; ringing opens it for writing and closes it again, which inotify
/// reports as `IN_CLOSE_WRITE`. Nothing is written and nothing is sent anywhere; a ring with no
/// watcher (no service running, or another platform) does nothing, and the services still poll,
/// so a lost ring only costs the wait it was meant to save.
public enum Doorbell {
    /// The doorbell of the database at `databasePath`.
    public static func path(forDatabase databasePath: String) -> String { databasePath + "-wake" }

    /// Rings the doorbell of the database at `databasePath`, if a watcher made one.
    public static func ring(database databasePath: String) {
        let descriptor = open(path(forDatabase: databasePath), O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)
        if descriptor >= 0 { close(descriptor) }
    }
}

/// Watches a database's doorbell and calls `onRing` (on a queue of its own) after each ring; rings
/// that come close together may be reported once. Linux only: elsewhere `init` throws and the
/// caller keeps to its polling.
///
/// `@unchecked Sendable`: the inotify descriptor and the watch are touched only on `queue`
/// (the source's handlers), and `source` is only cancelled, which Dispatch allows from any thread.
public final class DoorbellWatch: @unchecked Sendable {
    private let source: any DispatchSourceRead
    private let queue = DispatchQueue(label: "picketline.doorbell")

    /// Creates the doorbell if needed and starts watching it; throws `DoorbellError` when that is
    /// not possible here (then the caller only polls).
    public init(database databasePath: String, onRing: @escaping @Sendable () -> Void) throws {
        #if os(Linux)
        let path = Doorbell.path(forDatabase: databasePath)
        let descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw DoorbellError.unavailable("inotify_init1: \(String(cString: strerror(errno)))") }
        func watch() throws {
            // Group-writable, so that an admin of the service's group can ring it too.
            let file = open(path, O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW, 0o660)
            guard file >= 0 else { throw DoorbellError.unavailable("cannot create \(path): \(String(cString: strerror(errno)))") }
            close(file)
            guard inotify_add_watch(descriptor, path, UInt32(IN_CLOSE_WRITE)) >= 0 else {
                throw DoorbellError.unavailable("cannot watch \(path): \(String(cString: strerror(errno)))")
            }
        }
        do { try watch() } catch {
            close(descriptor)
            throw error
        }
        source = DispatchSource.makeReadSource(fileDescriptor: descriptor, queue: queue)
        source.setEventHandler {
            var rang = false
            var removed = false
            let size = 4_096
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<inotify_event>.alignment)
            defer { buffer.deallocate() }
            // Bounded: a few reads empty the queue; what comes after raises the source again.
            for _ in 0..<64 {
                let count = read(descriptor, buffer, size)
                if count <= 0 { break }
                var offset = 0
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                    if event.mask & UInt32(IN_CLOSE_WRITE) != 0 { rang = true }
                    // The file was deleted (or its file system unmounted): the watch is gone.
                    if event.mask & UInt32(IN_IGNORED) != 0 { removed = true }
                    offset += MemoryLayout<inotify_event>.size + Int(event.len)
                }
            }
            if removed {
                // Someone removed the doorbell: make it again, and look now in case a ring was lost.
                try? watch()
                rang = true
            }
            if rang { onRing() }
        }
        source.setCancelHandler { close(descriptor) }
        source.resume()
        #else
        throw DoorbellError.unavailable("needs inotify (Linux)")
        #endif
    }

    /// Stops watching; the doorbell file stays for the next watcher.
    public func cancel() {
        source.cancel()
    }

    deinit { source.cancel() }
}

/// Why a doorbell cannot be watched.
public enum DoorbellError: Error, CustomStringConvertible {
    case unavailable(String)
    public var description: String {
        switch self {
        case .unavailable(let reason): "doorbell unavailable: \(reason)"
        }
    }
}

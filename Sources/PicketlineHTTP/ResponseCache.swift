import Foundation
import Hummingbird

/// Answers to anonymous GETs that depend only on the URI and the stored data, kept while the
/// store's change version stays the same. The version moves on every commit from any process
/// (SQLite's `data_version`), so a change made through the CLI shows on the very next request.
/// The version is read before the answer is built: a commit landing in between leaves an entry
/// under the older version, which the next request replaces, never a stale one under the newer.
final class ResponseCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (version: Int64, response: Response)] = [:]
    /// Distinct URIs kept at most; query strings are the caller's to vary, so this bounds memory.
    let capacity: Int

    init(capacity: Int = 512) { self.capacity = capacity }

    func response(for key: String, version: Int64) -> Response? {
        lock.withLock {
            guard let entry = entries[key], entry.version == version else { return nil }
            return entry.response
        }
    }

    func keep(_ response: Response, for key: String, version: Int64) {
        lock.withLock {
            if entries[key] == nil, entries.count >= capacity {
                // Entries from older versions are dead weight; if every entry is current, start over.
                entries = entries.filter { $0.value.version == version }
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            }
            entries[key] = (version, response)
        }
    }

    var count: Int { lock.withLock { entries.count } }
}

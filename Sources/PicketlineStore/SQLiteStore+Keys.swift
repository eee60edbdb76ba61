import Foundation
import GRDB
import PicketlineCore

extension SQLiteStore {
    /// A secret of this instance, made from the system's random source the first time it is
    /// asked for and kept in `instance_keys` (so it survives restarts and goes with backups).
    public func instanceKey(_ name: String) async throws -> [UInt8] {
        if let known = try await read({ db in try Data.fetchOne(db, sql: "SELECT value FROM instance_keys WHERE name = ?", arguments: [name]) }) {
            return Array(known)
        }
        return try await write { db, _ in
            var fresh = [UInt8](repeating: 0, count: 32)
            fresh.withUnsafeMutableBytes { SystemRandom.fill($0) }
            // Two processes asking at once keep the first one written.
            try db.execute(sql: "INSERT OR IGNORE INTO instance_keys (name, value) VALUES (?, ?)", arguments: [name, Data(fresh)])
            return Array(try Data.fetchOne(db, sql: "SELECT value FROM instance_keys WHERE name = ?", arguments: [name])!)
        }
    }
}

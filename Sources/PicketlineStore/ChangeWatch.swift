import Foundation
import GRDB

/// Tells whether anything was committed to the database since the last look, by any connection
/// of any process: SQLite's `PRAGMA data_version` on one connection kept for that purpose (the
/// value is per connection, so it must always be the same one). Opened on first use, so CLI
/// commands that never ask do not pay for it.
final class ChangeWatch: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var connection: DatabaseQueue?

    init(path: String) { self.path = path }

    func version() throws -> Int64 {
        let connection = try lock.withLock {
            if let connection = self.connection { return connection }
            var configuration = Configuration()
            configuration.readonly = true
            configuration.label = "picketline.change-watch"
            let opened = try DatabaseQueue(path: path, configuration: configuration)
            self.connection = opened
            return opened
        }
        return try connection.inDatabase { db in
            try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
        }
    }

    func close() throws {
        try lock.withLock {
            try connection?.close()
            connection = nil
        }
    }
}

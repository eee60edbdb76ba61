import Foundation
import GRDB
import GRDBSQLite

/// SQLite's automatic checkpoint, done as SQLite does it and timed.
///
/// SQLite checkpoints inside the commit that leaves the WAL at 1,000 pages or more: a PASSIVE
/// checkpoint (it copies what no reader still needs and waits for nobody) run by the committing
/// connection after the commit is durable. That copy and the database file's fsync are part of the
/// COMMIT statement, so a slow one delays every write queued behind it. Installed as the writer's
/// WAL hook, this does the same thing (`sqlite3_wal_checkpoint` once the WAL has `threshold` pages,
/// which is what SQLite's default hook calls) and measures it, so that `/metrics` tells a slow
/// checkpoint from a slow commit.
///
/// Touched only on the writer's connection, one commit at a time.
final class TimedCheckpoints: @unchecked Sendable {
    /// WAL pages after which a commit checkpoints: SQLite's own default (`wal_autocheckpoint`).
    static let threshold: Int32 = 1_000

    private let checkpointed: @Sendable (UInt64) -> Void
    /// Time spent in checkpoints since `take()` last read it, so that the commit's own time can be
    /// told apart from the checkpoint inside it.
    private var spent: UInt64 = 0

    init(checkpointed: @escaping @Sendable (UInt64) -> Void) {
        self.checkpointed = checkpointed
    }

    /// Replaces SQLite's automatic checkpoint on the writer's connection. The hook holds no
    /// reference: the group commit keeps this object for as long as the connection.
    func install(on db: Database) {
        guard let handle = db.sqliteConnection else { return }
        sqlite3_wal_hook(handle, { context, handle, schema, pages in
            guard pages >= TimedCheckpoints.threshold, let context else { return SQLITE_OK }
            let checkpoints = Unmanaged<TimedCheckpoints>.fromOpaque(context).takeUnretainedValue()
            let started = DispatchTime.now().uptimeNanoseconds
            // The commit is already durable: as with SQLite's own hook, a checkpoint that cannot
            // finish (a reader still needs the pages) is simply tried again after a later commit.
            _ = sqlite3_wal_checkpoint(handle, schema)
            let elapsed = DispatchTime.now().uptimeNanoseconds &- started
            checkpoints.spent &+= elapsed
            checkpoints.checkpointed(elapsed)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    /// The time spent checkpointing since the last call, and starts counting again.
    func take() -> UInt64 {
        defer { spent = 0 }
        return spent
    }
}

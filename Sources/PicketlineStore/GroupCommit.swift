import Foundation
import GRDB

/// Batches concurrent writes into one transaction ("group commit"): while one transaction is
/// being committed (and fsynced, with `synchronous=FULL`), the writes that arrive queue up and go
/// into the next one together. Each write runs in its own savepoint, so one that fails is rolled
/// back alone; nobody is answered before the transaction holding their write has committed.
///
/// This is what lets a durable store take more RSVPs per second than the disk's fsync rate.
final class GroupCommit: @unchecked Sendable {
    // `lock` guards `pending` and `draining`; transactions run only on `queue`, one at a time.
    private let lock = NSLock()
    private var pending: [Job] = []
    private var draining = false
    private let queue = DispatchQueue(label: "picketline.group-commit")
    private let database: any DatabaseWriter
    private let maximumBatch: Int
    private let timings: WriteTimings?

    struct Job {
        /// Runs the write inside the shared transaction, keeping its outcome; false when it failed
        /// after changing rows outside a savepoint, so that the transaction must not commit.
        let run: (Database) -> Bool
        /// Answers the caller: nil once the transaction committed, or the commit's error.
        let finish: ((any Error)?) -> Void
        /// When the write was queued (`DispatchTime`'s monotonic nanoseconds), for `WriteTimings`.
        let queued: UInt64
    }

    /// At most `maximumBatch` writes share a transaction. Without a bound, a burst of requests
    /// (every connection of a busy client at once) ends up in one transaction that keeps taking
    /// writes for as long as they arrive: none of them is answered until the last is in, and the
    /// threads serving HTTP then wait while that commit finishes. With 16, the first commits of a
    /// burst are answered while the rest are still being read, for a few more fsyncs (the
    /// README's benchmark notes give the measurements).
    init(database: any DatabaseWriter, maximumBatch: Int = 16, timings: WriteTimings? = nil) {
        self.database = database
        self.maximumBatch = maximumBatch
        self.timings = timings
        checkpoints = timings.map { timings in TimedCheckpoints(checkpointed: timings.checkpointed) }
    }

    /// With `WriteTimings`, the checkpoints inside commits are timed apart (see `TimedCheckpoints`).
    private let checkpoints: TimedCheckpoints?

    /// Takes over SQLite's automatic checkpoint on the writer's connection, to time it. Only for a
    /// connection that checkpoints on commit (SQLite's default), and only with `WriteTimings`.
    func timeCheckpoints() throws {
        guard let checkpoints else { return }
        try database.writeWithoutTransaction { db in checkpoints.install(on: db) }
    }

    /// Runs `body` in a shared IMMEDIATE transaction and returns its result after the commit.
    ///
    /// Each write runs in its own savepoint, so that one which fails is undone alone. A body that
    /// can only fail before it changes anything (it checks, then writes) passes
    /// `throwsBeforeChanges: true` and runs without one: a savepoint costs two statements and a
    /// copy of every page the write touches, 5–11 % of the CPU of an RSVP (README, Performance).
    /// Should such a body throw after changing rows after all, the whole transaction is rolled back
    /// and every write in it fails, as when the disk fails mid-transaction; nothing half-done is
    /// ever committed.
    func write<T: Sendable>(throwsBeforeChanges: Bool = false,
                            _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let outcome = OutcomeBox<T>()
            let job = Job(
                run: { db in
                    if throwsBeforeChanges {
                        let changes = db.totalChangesCount
                        do {
                            outcome.result = .success(try body(db))
                        } catch {
                            outcome.result = .failure(error)
                            return db.totalChangesCount == changes
                        }
                        return true
                    }
                    // Savepoint statements are cached: GRDB's `inSavepoint` compiles them afresh
                    // for every job, which showed in profiles of the RSVP path.
                    do {
                        try db.cachedStatement(sql: "SAVEPOINT job").execute()
                    } catch {
                        outcome.result = .failure(error)
                        return true
                    }
                    do {
                        let value = try body(db)
                        try db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
                        outcome.result = .success(value)
                    } catch {
                        outcome.result = .failure(error)
                        // Undo this job alone; if SQLite already rolled the whole transaction
                        // back, `drain` notices and fails the batch.
                        try? db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT job").execute()
                        try? db.cachedStatement(sql: "RELEASE SAVEPOINT job").execute()
                    }
                    return true
                },
                finish: { commitError in
                    if let commitError {
                        continuation.resume(throwing: commitError)
                    } else {
                        continuation.resume(with: outcome.result ?? .failure(CancellationError()))
                    }
                },
                queued: timings == nil ? 0 : DispatchTime.now().uptimeNanoseconds)
            let start: Bool = lock.withLock {
                pending.append(job)
                if draining { return false }
                draining = true
                return true
            }
            if start { queue.async { self.drain() } }
        }
    }

    /// Writes waiting for a transaction (for tests).
    var pendingCount: Int { lock.withLock { pending.count } }

    private func drain() {
        while true {
            let batch: [Job] = lock.withLock {
                let batch = Array(pending.prefix(maximumBatch))
                pending.removeFirst(batch.count)
                if batch.isEmpty { draining = false }
                return batch
            }
            if batch.isEmpty { return }
            var taken = batch
            var committing: UInt64 = 0, committed: UInt64 = 0, checkpointing: UInt64 = 0
            do {
                try database.writeWithoutTransaction { db in
                    // BEGIN and COMMIT are prepared once: GRDB's `inTransaction` compiles both
                    // afresh for every transaction (2 % of serve's CPU under RSVP load).
                    try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
                    do {
                        var next = batch
                        while !next.isEmpty {
                            for job in next {
                                guard job.run(db) else { throw GroupCommitError.failedAfterChanges }
                                // Some errors (a full disk, an interrupt) end the whole transaction:
                                // the jobs before this one are lost too, so the batch fails as one.
                                guard db.isInsideTransaction else { throw GroupCommitError.transactionAborted }
                            }
                            // Writes that arrived meanwhile join this transaction instead of waiting
                            // for its commit and then paying for their own.
                            next = lock.withLock {
                                let more = Array(pending.prefix(max(0, maximumBatch - taken.count)))
                                pending.removeFirst(more.count)
                                return more
                            }
                            taken += next
                        }
                        let commit = try db.cachedStatement(sql: "COMMIT TRANSACTION")
                        if timings != nil { committing = DispatchTime.now().uptimeNanoseconds }
                        try commit.execute()
                        if timings != nil {
                            committed = DispatchTime.now().uptimeNanoseconds
                            checkpointing = checkpoints?.take() ?? 0
                        }
                    } catch {
                        // A failed COMMIT (SQLITE_BUSY, a full disk) leaves the transaction open:
                        // it is rolled back, and nothing of it stays.
                        if db.isInsideTransaction { try? db.rollback() }
                        throw error
                    }
                }
                for job in taken { job.finish(nil) }
                if let timings {
                    // Recorded after the answers, so that recording delays none of them.
                    // The commit's own time: a checkpoint inside it is reported on its own.
                    timings.committed(taken.count, (committed &- committing) &- min(checkpointing, committed &- committing))
                    for job in taken { timings.answered(committed &- job.queued) }
                }
            } catch {
                for job in taken { job.finish(error) }
            }
        }
    }
}

/// What the writer reports of its work, for `serve`'s `/metrics`: how long commits take (the
/// disk's part) and how long a write waits for its answer (what a caller, an RSVP say, sees).
/// Called on the writer's thread after each successful commit; keep it cheap.
public struct WriteTimings: Sendable {
    /// A transaction of `writes` writes committed; its COMMIT (the WAL's frames and the fsync,
    /// without a checkpoint that ran inside it) took `nanoseconds`.
    public var committed: @Sendable (_ writes: Int, _ nanoseconds: UInt64) -> Void
    /// A write was committed `nanoseconds` after it was queued: its wait for the writer, its
    /// transaction and the commit (a checkpoint inside it included).
    public var answered: @Sendable (_ nanoseconds: UInt64) -> Void
    /// A commit that left the WAL at 1,000 pages or more checkpointed it (copied its pages into the
    /// database file and synced that) in `nanoseconds`, before its writes were answered.
    public var checkpointed: @Sendable (_ nanoseconds: UInt64) -> Void

    public init(committed: @escaping @Sendable (_ writes: Int, _ nanoseconds: UInt64) -> Void,
                answered: @escaping @Sendable (_ nanoseconds: UInt64) -> Void,
                checkpointed: @escaping @Sendable (_ nanoseconds: UInt64) -> Void = { _ in }) {
        self.committed = committed
        self.answered = answered
        self.checkpointed = checkpointed
    }
}

enum GroupCommitError: Error, CustomStringConvertible {
    case transactionAborted
    case failedAfterChanges
    var description: String {
        switch self {
        case .transactionAborted: "the database abandoned the transaction; nothing in it was saved"
        case .failedAfterChanges: "a write failed half-done, so its transaction was rolled back; nothing in it was saved"
        }
    }
}

/// Holds one write's result between the savepoint and the commit; touched only on the writer queue
/// before the commit and by the caller after, never concurrently.
private final class OutcomeBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}

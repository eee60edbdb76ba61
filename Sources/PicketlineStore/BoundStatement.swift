import GRDB
import GRDBSQLite

/// A cached GRDB statement driven through SQLite's own calls, for the few statements that run
/// thousands of times per fan-out (expanding, recording attempts).
///
/// GRDB's `execute(arguments:)` builds an array of boxed `DatabaseValue`s per call and its rows
/// copy every column; profiles of a 1,000-subscription fan-out showed that wrapping cost more than
/// SQLite's work. Here each value is bound in place and columns are read by position. Errors come
/// back as GRDB's `DatabaseError`, so callers and `SQLiteStore`'s error translation see no
/// difference. Used only inside one `Database` access, like the statement it wraps.
struct BoundStatement {
    private let statement: GRDB.Statement
    private var handle: OpaquePointer { statement.sqliteStatement }

    init(_ db: Database, sql: String) throws {
        statement = try db.cachedStatement(sql: sql)
    }

    /// Clears the previous run's state and bindings; call before binding a new set.
    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(handle, index, value) }
    func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(handle, index, Int64(value)) }

    func bind(_ index: Int32, _ value: Bool) { sqlite3_bind_int64(handle, index, value ? 1 : 0) }

    func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ index: Int32, _ value: Int?) { bind(index, value.map(Int64.init)) }

    func bind(_ index: Int32, _ value: String?) {
        guard let value else { sqlite3_bind_null(handle, index); return }
        var text = value
        text.withUTF8 { bytes in
            // SQLITE_TRANSIENT: SQLite copies the text before this call returns.
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            bytes.withMemoryRebound(to: CChar.self) { characters in
                if let start = characters.baseAddress {
                    _ = sqlite3_bind_text(handle, index, start, Int32(characters.count), transient)
                } else {
                    _ = sqlite3_bind_text(handle, index, "", 0, transient) // an empty string has no buffer
                }
            }
        }
    }

    /// Runs a statement that returns no row.
    func run() throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw error(code) }
    }

    /// Steps to the next row; false when there is none.
    func next() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw error(code)
    }

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }

    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Rows changed by the last `run()` on this connection.
    func changes() -> Int { Int(sqlite3_changes(sqlite3_db_handle(handle))) }

    private func error(_ code: Int32) -> DatabaseError {
        let connection = sqlite3_db_handle(handle)
        // The extended code (SQLITE_CONSTRAINT_UNIQUE, …), as GRDB reports it.
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? code
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        sqlite3_reset(handle)
        return DatabaseError(resultCode: ResultCode(rawValue: extended), message: message, sql: statement.sql)
    }
}

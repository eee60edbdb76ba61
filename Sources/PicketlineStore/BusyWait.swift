#if canImport(Glibc)
import Glibc
#endif
import GRDB

/// How a connection waits while another process holds the database's write lock: it tries
/// again every 100 µs for the first 20 ms, then every millisecond, for about `timeout` seconds
/// in all, then fails with SQLITE_BUSY.
///
/// SQLite's own busy timeout sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 and then 100 ms
/// between tries. A running `serve` under load takes the write lock again within microseconds of
/// each group commit, so a command that slept past those few microseconds found it taken again:
/// `organisation create` took up to 1.25 s while `serve` took 18,000 RSVPs/s (it takes 10 ms
/// idle). Waking often finds the gap; a try is one lock call, and the waiting stops by itself.
enum BusyWait {
    /// Tries at the short interval before the long one.
    static let shortTries = 200
    static let shortInterval: UInt32 = 100  // µs
    static let longInterval: UInt32 = 1_000  // µs

    /// The callback for `Configuration.busyMode`: true to try again after sleeping.
    static func callback(timeout seconds: Double) -> Database.BusyCallback {
        let budget = UInt64(max(0, seconds) * 1_000_000)
        return { tries in
            guard slept(before: tries) < budget else { return false }
            usleep(tries < shortTries ? shortInterval : longInterval)
            return true
        }
    }

    /// Microseconds slept (as asked; each sleep runs a little longer) before try number `tries`.
    static func slept(before tries: Int) -> UInt64 {
        let short = UInt64(min(tries, shortTries))
        let long = UInt64(max(0, tries - shortTries))
        return short * UInt64(shortInterval) + long * UInt64(longInterval)
    }
}

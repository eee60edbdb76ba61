import Foundation

/// The source of "now". Injected everywhere time matters so tests can run a year of
/// schedules in milliseconds. (Named `WallClock` because `Clock` is taken by the standard
/// library's monotonic clocks, which measure durations, not calendar instants.)
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The real system clock.
public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to; for tests.
public final class ManualClock: WallClock, @unchecked Sendable {
    // The lock guards `current`; every access goes through it.
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) { current = start }

    public func now() -> Date { lock.withLock { current } }

    /// Moves the clock forward (or to) a given instant.
    public func set(_ date: Date) { lock.withLock { current = date } }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}

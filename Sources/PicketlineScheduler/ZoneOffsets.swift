import Foundation
import Synchronization

/// A time zone's UTC offsets over a window of instants: an immutable table of transitions read
/// once from `TimeZone` and shared through a per-zone cache, so that the cron search never
/// calls into ICU for a candidate time.
///
/// Instants and local times are whole seconds since 1970-01-01T00:00, UTC and wall clock
/// respectively.
struct ZoneOffsets: Sendable {
    /// A change of offset at `instant`, the first second with `offsetAfter`.
    struct Transition: Equatable, Sendable {
        let instant: Int64
        let offsetBefore: Int64
        let offsetAfter: Int64
    }

    /// A stretch of instants `start..<end` with one offset. `end` may be the end of the
    /// window rather than a transition.
    struct Segment {
        let start: Int64
        let end: Int64
        let offset: Int64
    }

    /// The instants that a wall-clock time stands for.
    enum Resolution: Equatable {
        /// The usual case: one instant.
        case unique(Int64)
        /// A time in an hour that is repeated when clocks go back: both instants, earliest first.
        case repeated(Int64, Int64)
        /// A time skipped when clocks go forward: the transition instant and the first local
        /// time after the gap.
        case skipped(transition: Int64, localEnd: Int64)
    }

    /// The instants for which `transitions` is complete.
    let window: Range<Int64>
    let transitions: [Transition]
    /// The offset at the start of the window.
    let initialOffset: Int64

    /// How far a new table reaches before and after the instant that asked for it: a little
    /// before, because a search starts just after it, and far after, because the search moves
    /// forward and a yearly schedule may look years ahead.
    static let reachBefore: Int64 = 2 * 366 * 86_400
    static let reachAfter: Int64 = 60 * 366 * 86_400
    /// A cached table grows to cover new instants up to this span; past it, it is replaced.
    static let widestWindow: Int64 = 2_000 * 366 * 86_400
    /// Keeps offsets away from the edge of a window, where a transition just outside it
    /// could still make a wall-clock time ambiguous.
    static let margin: Int64 = 2 * 86_400

    private static let cache = Mutex<[String: ZoneOffsets]>([:])

    /// The table for `zone` that covers `instant`, from the cache or built and cached.
    static func covering(_ instant: Int64, in zone: TimeZone) -> ZoneOffsets {
        let identifier = zone.identifier
        let cached = cache.withLock { $0[identifier] }
        if let cached, cached.covers(instant) {
            return cached
        }
        let wanted = (instant &- reachBefore)..<(instant &+ reachAfter)
        // Built outside the lock: ICU is slow, and a table built twice by racing callers is
        // still correct.
        let table: ZoneOffsets
        if let cached,
           max(cached.window.upperBound, wanted.upperBound) - min(cached.window.lowerBound, wanted.lowerBound) <= widestWindow {
            table = cached.extended(to: wanted, in: zone)
        } else {
            table = ZoneOffsets(zone: zone, window: wanted)
        }
        cache.withLock { $0[identifier] = table }
        return table
    }

    /// Reads the transitions of `zone` inside `window` from Foundation.
    init(zone: TimeZone, window: Range<Int64>) {
        if zone.nextDaylightSavingTimeTransition(after: .distantPast) == nil {
            // No transitions ever (UTC, fixed offsets): one segment for all time.
            self.window = Int64.min..<Int64.max
            self.transitions = []
            self.initialOffset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: 0)))
            return
        }
        let initialOffset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(window.lowerBound))))
        var offset = initialOffset
        var transitions: [Transition] = []
        var cursor = window.lowerBound
        while let next = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(cursor))) {
            let instant = Int64(next.timeIntervalSince1970.rounded(.down))
            guard instant > cursor, instant < window.upperBound else { break }
            let offsetAfter = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
            if offsetAfter != offset {
                transitions.append(Transition(instant: instant, offsetBefore: offset, offsetAfter: offsetAfter))
            }
            offset = offsetAfter
            cursor = instant
        }
        self.window = window
        self.transitions = transitions
        self.initialOffset = initialOffset
    }

    /// Whether `instant` is inside the window and far enough from its ends for `segment` and
    /// `resolve` to answer.
    @inline(__always)
    func covers(_ instant: Int64) -> Bool {
        instant >= window.lowerBound &+ Self.margin && instant < window.upperBound &- Self.margin
    }

    /// This table grown to cover `wanted` as well, reading only the new stretches from ICU.
    func extended(to wanted: Range<Int64>, in zone: TimeZone) -> ZoneOffsets {
        var merged = self
        if wanted.lowerBound < window.lowerBound {
            let before = ZoneOffsets(zone: zone, window: wanted.lowerBound..<window.lowerBound)
            merged = before.followed(by: merged)
        }
        if wanted.upperBound > window.upperBound {
            let after = ZoneOffsets(zone: zone, window: window.upperBound..<wanted.upperBound)
            merged = merged.followed(by: after)
        }
        return merged
    }

    /// Joins two tables whose windows meet. A transition exactly at the seam is in neither
    /// table's list (each folds it into its offsets), so it is restored here.
    private func followed(by next: ZoneOffsets) -> ZoneOffsets {
        let finalOffset = transitions.last?.offsetAfter ?? initialOffset
        var joined = transitions
        if finalOffset != next.initialOffset {
            joined.append(Transition(instant: window.upperBound, offsetBefore: finalOffset, offsetAfter: next.initialOffset))
        }
        joined += next.transitions
        return ZoneOffsets(window: window.lowerBound..<next.window.upperBound, transitions: joined, initialOffset: initialOffset)
    }

    private init(window: Range<Int64>, transitions: [Transition], initialOffset: Int64) {
        self.window = window
        self.transitions = transitions
        self.initialOffset = initialOffset
    }

    /// The constant-offset segment holding `instant`, which must be covered.
    func segment(containing instant: Int64) -> Segment {
        // Index of the first transition after `instant`.
        var low = 0
        var high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            if transitions[middle].instant <= instant {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return Segment(
            start: low > 0 ? transitions[low - 1].instant : window.lowerBound,
            end: low < transitions.count ? transitions[low].instant : window.upperBound,
            offset: low > 0 ? transitions[low - 1].offsetAfter : initialOffset
        )
    }

    /// The instants whose wall-clock time is `local`, or nil when the table does not cover
    /// `local` (offsets are less than a day, so the instants are then inside the window).
    func resolve(local: Int64) -> Resolution? {
        guard covers(local) else { return nil }
        // Transitions are months apart, so at most one is near `local`: the first whose
        // gap or overlap does not end before it.
        var low = 0
        var high = transitions.count
        while low < high {
            let middle = (low + high) / 2
            let transition = transitions[middle]
            if transition.instant + max(transition.offsetBefore, transition.offsetAfter) <= local {
                low = middle + 1
            } else {
                high = middle
            }
        }
        let offset: Int64
        if low < transitions.count {
            let transition = transitions[low]
            if local >= transition.instant + min(transition.offsetBefore, transition.offsetAfter) {
                if transition.offsetAfter > transition.offsetBefore {
                    return .skipped(transition: transition.instant, localEnd: transition.instant + transition.offsetAfter)
                }
                return .repeated(local - transition.offsetBefore, local - transition.offsetAfter)
            }
            offset = transition.offsetBefore
        } else {
            offset = transitions.last?.offsetAfter ?? initialOffset
        }
        return .unique(local - offset)
    }
}

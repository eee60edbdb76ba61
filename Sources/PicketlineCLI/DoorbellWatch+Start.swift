import Logging
import PicketlineStore

extension DoorbellWatch {
    /// Starts watching the database's doorbell for a long-running command; where that is not
    /// possible (not Linux, a read-only directory) it says so once and the command only polls.
    static func start(database: String, logger: Logger, onRing: @escaping @Sendable () -> Void) -> DoorbellWatch? {
        do {
            let watch = try DoorbellWatch(database: database, onRing: onRing)
            logger.debug("watching the doorbell", metadata: ["path": "\(Doorbell.path(forDatabase: database))"])
            return watch
        } catch {
            logger.notice("admin commands' changes are seen at the next poll", metadata: ["reason": "\(error)"])
            return nil
        }
    }
}

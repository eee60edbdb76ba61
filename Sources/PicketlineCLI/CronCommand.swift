import ArgumentParser
import Foundation
import PicketlineCore
import PicketlineScheduler

/// `picketline cron …`: check a schedule before saving it.
struct CronCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cron",
        abstract: "Work with cron expressions (Vixie cron syntax, IANA time zones, Debian cron's DST rules).",
        discussion: """
        Syntax: minute hour day-of-month month day-of-week, with *, ranges, steps, lists, names (JAN, mon-fri),
        @yearly @monthly @weekly @daily @hourly, L (last day of month), 2#2 (second Tuesday), 5L (last Friday).
        Example: picketline cron next "0 9 * * mon" --tz Europe/London --count 3
        """,
        subcommands: [Next.self])

    struct Next: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "next", 
            abstract: "Print the next fire times of an expression, with their UTC offsets.",
            discussion: """
            Example: picketline cron next "30 1 * * *" --tz Europe/London --from 2026-03-28T12:00:00Z --count 3
              2026-03-29T02:00:00+01:00   (01:30 does not exist that night; a fixed-time job runs once, after the jump)
            """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The expression, quoted: \"0 9 * * mon\".") var expression: String
        @Option(name: [.customLong("tz"), .long], help: "IANA time zone (default from configuration).") var timeZone: String?
        @Option(help: "Start after this RFC 3339 instant (default now).") var from: String?
        @Option(help: "How many fire times (1–1000).") var count = 5
        @OptionGroup var output: OutputOptions

        func run() async throws {
            do {
                let configuration = try global.configuration()
                let zoneID = try Validation.timeZone(timeZone ?? configuration.defaultTimeZone, field: "tz")
                let zone = TimeZone(identifier: zoneID)!
                guard (1...1_000).contains(count) else { throw PicketlineError.invalid(field: "count", reason: "must be between 1 and 1000") }
                var start = Date()
                if let from {
                    guard let date = RFC3339.date(from: from) else {
                        throw PicketlineError.invalid(field: "from", reason: "\(from.debugDescription) is not an RFC 3339 time such as 2026-03-28T12:00:00Z")
                    }
                    start = date
                }
                let cron: CronExpression
                do { cron = try CronExpression(expression) } catch {
                    throw PicketlineError.invalid(field: error.field, reason: error.reason)
                }
                let fires = cron.nextFires(after: start, in: zone, count: count)
                if output.json {
                    struct Answer: Encodable { var expression: String; var timeZone: String; var after: String; var next: [String] }
                    return try Output.json(Answer(expression: expression, timeZone: zoneID, after: RFC3339.string(from: start, in: zone),
                                                  next: fires.map { RFC3339.string(from: $0, in: zone) }))
                }
                if fires.isEmpty { Output.line("(never fires)") }
                for fire in fires { Output.line(RFC3339.string(from: fire, in: zone)) }
            } catch let error as PicketlineError {
                Output.error(error)
                throw ExitCode(error.exitCode)
            }
        }
    }
}

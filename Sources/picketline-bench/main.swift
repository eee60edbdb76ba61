import Foundation
import Hummingbird
import PicketlineCore
import PicketlineScheduler

// The benchmark helper that Deploy/bench.sh drives. Two jobs:
//   picketline-bench bare --port N        the reference server: a bare Hummingbird route that
//                                         decodes the same RSVP JSON and answers 201, and a GET
//                                         that encodes a list like the public action list;
//   picketline-bench cron --out FILE      next-fire rates (iterating and fresh) over a fixed set
//                                         of expressions, writing every fire time to FILE so the
//                                         script can check them against cronsim.

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

switch arguments.dropFirst().first {
case "bare":
    try await BareServer.run(port: Int(option("--port") ?? "") ?? 18_090)
case "cron":
    try CronBench.run(out: option("--out"), seconds: Double(option("--seconds") ?? "") ?? 2)
default:
    FileHandle.standardError.write(Data("usage: picketline-bench bare --port N | cron [--out FILE] [--seconds S]\n".utf8))
    exit(64)
}

/// The reference: what Hummingbird does with no store behind it.
enum BareServer {
    struct RSVPBody: Decodable { var name: String; var email: String?; var phone: String?; var consentToContact: Bool?; var status: String? }
    struct Receipt: Encodable { var id: Int; var actionID: Int; var status: String; var waitlisted: Bool; var created: Bool }
    struct Item: Encodable { var id: Int; var slug: String; var title: String; var startDate: String; var timeZone: String; var status: String }
    struct Listing: Encodable { var items: [Item]; var total: Int; var page: Int; var perPage: Int; var totalPages: Int }

    static func run(port: Int) async throws {
        let router = Router()
        let counter = Counter()
        let listing = Listing(items: (1...10).map {
            Item(id: $0, slug: "action-\($0)", title: "Picket number \($0)", startDate: "2027-01-0\($0 % 9 + 1)T12:00:00+00:00",
                 timeZone: "Europe/London", status: "confirmed")
        }, total: 10, page: 1, perPage: 25, totalPages: 1)
        router.post("/bare/rsvp") { request, context -> Response in
            let buffer = try await request.body.collect(upTo: 65_536)
            let body = try PicketlineJSON.decoder().decode(RSVPBody.self, from: Data(buffer.readableBytesView))
            guard !body.name.isEmpty else { throw HTTPError(.badRequest) }
            let id = counter.next()
            let data = try PicketlineJSON.encoder().encode(Receipt(id: id, actionID: 1, status: body.status ?? "accepted", waitlisted: false, created: true))
            return Response(status: .created, headers: [.contentType: "application/json; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/bare/actions") { _, _ -> Response in
            let data = try PicketlineJSON.encoder().encode(listing)
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        try await app.runService()
    }

    final class Counter: @unchecked Sendable {
        // The lock guards `value`.
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.withLock { value += 1; return value } }
    }
}

/// Next-fire throughput over a fixed set covering every syntax form, Europe/London and UTC,
/// starting just before both 2026 DST changes.
enum CronBench {
    static let expressions = [
        "* * * * *", "*/5 * * * *", "0 * * * *", "30 1 * * *", "0 2 * * *", "15,45 1 * * *",
        "1-59/7 * * * *", "5/10 * * * *", "0 9 * * 1-5", "0 9 * * mon-fri", "0 8-18/2 * * 1-5",
        "0 6 * jun-aug sat,sun", "30 4 1,15 * 5", "0 0 */10 * 1", "0 12 L * *",
        "0 19 * * 2#2", "0 19 * * 5L", "0 0 29 2 *", "45 23 31 * *", "*/15 1 * * *", "23 0-20/2 * * *",
        "0 0 1 jan *", "@hourly", "@daily", "@weekly", "@monthly", "@yearly",
    ]
    static let zones = ["Europe/London", "UTC"]
    static let starts = [1_774_699_200.0, 1_792_843_200.0] // 2026-03-28T12:00Z, 2026-10-24T12:00Z
    static let firesPerSequence = 200

    struct Sequence { let text: String; let expression: CronExpression; let zone: TimeZone; let start: Date }

    static func run(out: String?, seconds: Double) throws {
        let sequences = try expressions.flatMap { text in
            try zones.flatMap { zone in
                try starts.map { Sequence(text: text, expression: try CronExpression(text), zone: TimeZone(identifier: zone)!,
                                          start: Date(timeIntervalSince1970: $0)) }
            }
        }
        if let out {
            let cases = sequences.map { sequence -> [String: Any] in
                ["expression": sequence.text, "timeZone": sequence.zone.identifier,
                 "after": RFC3339.string(from: sequence.start, in: sequence.zone),
                 "next": sequence.expression.nextFires(after: sequence.start, in: sequence.zone, count: firesPerSequence)
                    .map { RFC3339.string(from: $0, in: sequence.zone) }]
            }
            let data = try JSONSerialization.data(withJSONObject: ["fires_per_sequence": firesPerSequence, "cases": cases])
            try data.write(to: URL(fileURLWithPath: out))
        }
        let iterating = measure(seconds: seconds, callsPerRound: sequences.count * firesPerSequence) {
            var checksum = 0
            for sequence in sequences {
                var cursor = sequence.start
                for _ in 0..<firesPerSequence {
                    guard let next = sequence.expression.nextFire(after: cursor, in: sequence.zone) else { break }
                    cursor = next
                }
                checksum &+= Int(cursor.timeIntervalSince1970)
            }
            return checksum
        }
        let fresh = measure(seconds: seconds, callsPerRound: sequences.count) {
            var checksum = 0
            for sequence in sequences {
                let expression = try! CronExpression(sequence.text)
                checksum &+= Int(expression.nextFire(after: sequence.start, in: sequence.zone)?.timeIntervalSince1970 ?? 0)
            }
            return checksum
        }
        print(#"{"iterating_per_second": \#(Int(iterating)), "fresh_per_second": \#(Int(fresh)), "expressions": \#(expressions.count), "sequences": \#(sequences.count)}"#)
    }

    /// Best of three runs of at least `seconds` each, so a busy neighbour counts less.
    static func measure(seconds: Double, callsPerRound: Int, _ round: () -> Int) -> Double {
        let clock = ContinuousClock()
        var best = 0.0
        var checksum = 0
        for _ in 0..<3 {
            var calls = 0
            let started = clock.now
            while (clock.now - started) < .seconds(seconds) {
                checksum &+= round()
                calls += callsPerRound
            }
            let elapsed = clock.now - started
            best = max(best, Double(calls) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        }
        if checksum == 42 { print("") } // keeps the work observable
        return best
    }
}

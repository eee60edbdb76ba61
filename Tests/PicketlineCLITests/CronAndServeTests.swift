import Foundation
import GRDB
@testable import PicketlineCLI
@testable import PicketlineStore
import PicketlineTestSupport
import Testing

@Suite struct CronAndServeTests {
    @Test func cronNextAnswersAsDebianCronWould() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let spring = try cli.ok(["cron", "next", "30 1 * * *", "--tz", "Europe/London", "--from", "2026-03-28T12:00:00Z", "--count", "2"])
        #expect(spring == "2026-03-29T02:00:00+01:00\n2026-03-30T01:30:00+01:00\n")
        let either = try cli.ok(["cron", "next", "30 4 1,15 * 5", "--tz", "UTC", "--from", "2026-05-01T00:00:00Z", "--count", "3"])
        #expect(either == "2026-05-01T04:30:00Z\n2026-05-08T04:30:00Z\n2026-05-15T04:30:00Z\n")
        let bad = try cli.run(["cron", "next", "0 0 32 * *"])
        #expect(bad.status == 1 && bad.stderr == "error: day-of-month: 32 is out of range 1-31\n")
        let impossible = try cli.run(["cron", "next", "0 0 30 2 *"])
        #expect(impossible.status == 1 && impossible.stderr.contains("never occurs in February"))
    }

    @Test func serveAnswersAndStopsCleanlyOnSIGTERM() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        let receiver = try TestReceiver()
        defer { receiver.stop() }
        let allow = ["PICKETLINE_WEBHOOKS_ALLOW_CIDRS": "127.0.0.1/32"]
        #expect(try cli.run(["webhook", "add", receiver.url("/ok"), "--events", "callout.*"], environment: allow).status == 0)
        let port = 20_000 + Int.random(in: 0..<20_000)
        let process = Process()
        process.executableURL = BinaryRunner.executable
        process.arguments = ["serve", "--database", cli.database, "--port", String(port)]
        process.environment = ["PATH": "/usr/bin:/bin", "PICKETLINE_WEBHOOKS_ALLOW_CIDRS": "127.0.0.1/32",
                               "PICKETLINE_HTTP_EVENT_LOOPS": "2"]
        process.currentDirectoryURL = cli.directory
        let log = Pipe()
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        var ready: String?
        for _ in 0..<100 where ready == nil {
            ready = httpGet(port: port, path: "/readyz")?.body
            if ready == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(ready == #"{"status":"ready"}"#)
        let actions = httpGet(port: port, path: "/api/v1/actions")?.body ?? ""
        #expect(actions.contains("london-picket-kazakhstan-embassy-2022"))
        // The access-log line is written while the service runs, not at exit.
        var early = ""
        let readable = log.fileHandleForReading.fileDescriptor
        for _ in 0..<50 where !early.contains(" path=/api/v1/actions ") {
            var descriptor = pollfd(fd: readable, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = read(readable, &chunk, chunk.count)
            if count > 0 { early += String(decoding: chunk[..<count], as: UTF8.self) }
        }
        #expect(early.contains(" path=/api/v1/actions "), "\(early)")
        // Metrics: the exposition parses and the request counter moves.
        func requestCount() -> Double? {
            guard let text = httpGet(port: port, path: "/metrics")?.body else { return nil }
            let samples = PrometheusText.parse(text)
            return samples.first { $0.name == "http_server_request_duration_count" && $0.labels["http_route"] == "/api/v1/actions"
                && $0.labels["http_response_status_code"] == "200" }?.value
        }
        let before = try #require(requestCount())
        _ = httpGet(port: port, path: "/api/v1/actions")
        _ = httpGet(port: port, path: "/api/v1/actions")
        #expect(requestCount() == before + 2)
        let outbox = PrometheusText.parse(httpGet(port: port, path: "/metrics")?.body ?? "").first { $0.name == "picketline_outbox_events" }
        #expect(outbox?.value == 47)  // the demo's events
        // A call-out sent from another process is delivered by serve's dispatcher, and counted.
        #expect(try cli.run(["callout", "send", "london-picket-kazakhstan-embassy-2022", "--message", "All out!"], environment: allow).status == 0)
        var delivered: Double?
        for _ in 0..<150 where delivered == nil {
            delivered = PrometheusText.parse(httpGet(port: port, path: "/metrics")?.body ?? "")
                .first { $0.name == "picketline_webhook_attempts_total" && $0.labels["result"] == "delivered" }?.value
            if delivered == nil { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(delivered == 1)
        let gauges = PrometheusText.parse(httpGet(port: port, path: "/metrics")?.body ?? "")
        #expect(gauges.first { $0.name == "picketline_webhook_deliveries_pending" }?.value == 0)
        #expect(gauges.first { $0.name == "picketline_outbox_backlog_events" } != nil)
        // The writer's commits (the delivery's attempt among them): how long, and how many writes each.
        let commits = try #require(gauges.first { $0.name == "picketline_database_commit_seconds_count" }?.value)
        let writes = gauges.first { $0.name == "picketline_database_writes_per_commit_sum" }?.value
        #expect(commits >= 1)
        #expect(writes != nil && writes == gauges.first { $0.name == "picketline_database_write_seconds_count" }?.value)
        #expect(gauges.contains { $0.name == "picketline_database_commit_seconds_bucket" && $0.labels["le"] == "0.001" })
        #expect(gauges.contains { $0.name == "picketline_database_checkpoint_seconds_count" })
        #expect(receiver.requests.contains { $0.path == "/ok" && $0.text.contains("All out!") })
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let output = early + String(decoding: log.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.contains("database closed"), "\(output)")
        #expect(output.contains("event_loops=2") && output.contains("serving"), "\(output)")
        // One access-log line per request: UTC time, level, label, sorted metadata, source, message.
        let access = output.split(separator: "\n").first { $0.contains(" path=/api/v1/actions ") }.map(String.init) ?? ""
        let shape = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ info \S+ : method=GET ms=\d+\.\d path=\/api\/v1\/actions request_id=[0-9a-f-]{36} status=200 \[PicketlineHTTP\] request/
        #expect(access.wholeMatch(of: shape) != nil, "\(access)")
    }

    @Test func serveOnAPortAlreadyTakenSaysSoInTheSettingsTerms() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        // A listening socket of our own on 127.0.0.1, on a port the kernel picks.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                try #require(bind(holder, raw, length) == 0 && listen(holder, 1) == 0 && getsockname(holder, raw, &length) == 0)
            }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))
        let taken = try cli.run(["serve", "--port", String(port)])
        #expect(taken.status == 1)
        #expect(taken.stderr.contains("error: http.port: 127.0.0.1:\(port) is already in use"), "\(taken.stderr)")
        #expect(!taken.stderr.contains("errno"), "\(taken.stderr)")
        // Refused before anything starts: no dispatcher or scheduler started and stopped again.
        #expect(!taken.stderr.contains("dispatcher started") && !taken.stderr.contains("scheduler started"), "\(taken.stderr)")
        let elsewhere = try cli.run(["serve", "--host", "192.0.2.1", "--port", String(port)])
        #expect(elsewhere.status == 1)
        #expect(elsewhere.stderr.contains("error: http.host: 192.0.2.1 is not an address of this machine"), "\(elsewhere.stderr)")
    }
}

@Suite struct MaintenanceCLITests {
    /// The database as an older Picketline left it: the newest migration not yet applied.
    private func rollBackNewestMigration(_ cli: BinaryRunner) throws -> String {
        let store = try SQLiteStore(path: cli.database, migrate: false)
        defer { try? store.close() }
        let newest = try #require(Migrations.migrator.migrations.last)
        #expect(newest == "v8-applied-settings", "update this test's undo for the newest migration")
        try store.database.write { db in
            try db.execute(sql: "DROP TABLE applied_settings")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = ?", arguments: [newest])
        }
        return newest
    }

    private func appliedMigrations(_ path: String) throws -> [String] {
        let store = try SQLiteStore(path: path, migrate: false)
        defer { try? store.close() }
        return try store.database.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations") }
    }

    /// A command that commits and exits leaves checkpoints to serve (or to its own close): run in
    /// its commit, one came before the doorbell (3 of 15 call-outs in an alternated measurement).
    @Test func oneShotCommandsDoNotCheckpointInTheirCommits() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        for (keepsRunning, expected) in [(false, 0), (true, 1_000)] {
            let options = try GlobalOptions.parse(["--database", cli.database])
            let (store, _) = try options.openStore(keepsRunning: keepsRunning)
            defer { try? store.close() }
            let pages = try store.database.read { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
            #expect(pages == expected, "keepsRunning \(keepsRunning)")
        }
    }

    @Test func backupAndDoctorLeaveAnOlderDatabaseAsItIs() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        let newest = try rollBackNewestMigration(cli)
        // The backup before an upgrade is of the old schema: what the old binary can restore.
        let copy = cli.directory.appendingPathComponent("before-upgrade.sqlite").path
        #expect(try cli.ok(["backup", copy]).contains("1 actions"))
        #expect(try !appliedMigrations(copy).contains(newest))
        // doctor reports the migration as pending (the state before an upgrade, not a failure)
        // and applies nothing.
        let doctor = try cli.run(["doctor"])
        #expect(doctor.status == 0)
        #expect(doctor.stdout.contains("pending: \(newest)"), "\(doctor.stdout)")
        #expect(try !appliedMigrations(cli.database).contains(newest))
        // Any other command upgrades it, and doctor is content.
        _ = try cli.ok(["action", "list"])
        #expect(try appliedMigrations(cli.database).contains(newest))
        #expect(try cli.run(["doctor"]).status == 0)
    }

    @Test func doctorSaysWhenANewerPicketlineMigratedTheDatabase() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        let store = try SQLiteStore(path: cli.database, migrate: false)
        try store.database.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        try store.close()
        let doctor = try cli.run(["doctor"])
        #expect(doctor.status == 1)
        #expect(doctor.stdout.contains("migrated by a newer Picketline (v99-from-the-future"), "\(doctor.stdout)")
    }

    @Test func backupRestoreAndDoctorFromTheCommandLine() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        let copy = cli.directory.appendingPathComponent("copy.sqlite").path
        #expect(try cli.ok(["backup", copy]).contains("1 actions"))
        let doctor = try cli.ok(["doctor"])
        #expect(doctor.contains("integrity") && doctor.contains("delivery backlog") && doctor.contains("webhooks") && doctor.contains("scheduler"))
        _ = try cli.ok(["organisation", "create", "--name", "Newer"])
        let refused = try cli.run(["restore", copy])
        #expect(refused.status == 1 && refused.stderr.contains("--force"))
        _ = try cli.ok(["restore", copy, "--force"])
        #expect(try cli.run(["organisation", "show", "newer"]).status == 1)
    }

    @Test func configCheckValidatesAndPrintsTheEffectiveSettings() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let good = cli.directory.appendingPathComponent("good.toml")
        try "[http]\nport = 9000\nevent_loops = 3\n".write(to: good, atomically: true, encoding: .utf8)
        let ok = try cli.run(["config", "check", "--config", good.path], database: false, environment: ["PICKETLINE_LOG_LEVEL": "debug"])
        #expect(ok.status == 0 && ok.stdout.contains("http.port = 9000") && ok.stdout.contains("log.level = debug"))
        #expect(ok.stdout.contains("http.event_loops = 3"))
        let noLoops = try cli.run(["config", "check"], database: false, environment: ["PICKETLINE_HTTP_EVENT_LOOPS": "0"])
        #expect(noLoops.status == 1 && noLoops.stderr.contains("http.event_loops") && noLoops.stderr.contains("PICKETLINE_HTTP_EVENT_LOOPS"))
        #expect(ok.stdout.contains("webhooks.max_per_host = 8") && ok.stdout.contains("reminders.default_offsets = 24h before, 1h before"))
        let bad = cli.directory.appendingPathComponent("bad.toml")
        try "[http]\nport = ninety\n".write(to: bad, atomically: true, encoding: .utf8)
        let refused = try cli.run(["config", "check", "--config", bad.path], database: false)
        #expect(refused.status == 1 && refused.stderr.contains("http.port") && refused.stderr.contains("bad.toml:2"))
        let nowhere = try cli.run(["config", "check", "--database", "/nonexistent/dir/x.sqlite"], database: false)
        #expect(nowhere.status == 1 && nowhere.stderr.contains("does not exist"))
        // A folder, or a file that is not a database, at the path itself.
        let folder = try cli.run(["config", "check", "--database", cli.directory.path], database: false)
        #expect(folder.status == 1 && folder.stderr.contains("is a folder"), "\(folder.stderr)")
        let notes = cli.directory.appendingPathComponent("notes.txt")
        try "not a database\n".write(to: notes, atomically: true, encoding: .utf8)
        let text = try cli.run(["config", "check", "--database", notes.path], database: false)
        #expect(text.status == 1 && text.stderr.contains("is not an SQLite database"), "\(text.stderr)")
        _ = try cli.ok(["demo"])
        #expect(try cli.run(["config", "check"]).status == 0)
    }
}

/// A reader for the Prometheus text exposition format: `name{label="value",…} number`.
enum PrometheusText {
    struct Sample { var name: String; var labels: [String: String]; var value: Double }

    static func parse(_ text: String) -> [Sample] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let key = line[..<space]
            guard let brace = key.firstIndex(of: "{") else { return Sample(name: String(key), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in key[key.index(after: brace)..<key.index(before: key.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { labels[String(parts[0])] = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            }
            return Sample(name: String(key[..<brace]), labels: labels, value: value)
        }
    }
}

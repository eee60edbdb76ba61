import Foundation
import PicketlineCore
import PicketlineStore
import PicketlineTestSupport
import PicketlineWebhooks
import Testing

extension BinaryRunner {
    /// The environment every webhook test runs the binary with: its receivers are on 127.0.0.1.
    static let loopbackAllowed = ["PICKETLINE_WEBHOOKS_ALLOW_CIDRS": "127.0.0.1/32", "PICKETLINE_LOG_LEVEL": "warning"]

    /// Runs with the loopback allow-list and requires success.
    func allowed(_ arguments: [String], environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(arguments, environment: Self.loopbackAllowed.merging(environment) { $1 })
        #expect(result.status == 0, "picketline \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Starts `picketline arguments… --database <temp>` in the background; the caller ends it by PID.
    func start(_ arguments: [String], environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + ["--database", database]
        process.currentDirectoryURL = directory
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": directory.path].merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}

/// Polls every 10 ms for at most `seconds` until `condition` holds; returns whether it did.
private func eventually(within seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

@Suite struct WebhookCLITests {
    static let picket = "london-picket-kazakhstan-embassy-2022"

    private func object(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func aCalloutOnTheDemoReachesAReceiverInEachFormatWithAValidSignature() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let receiver = try TestReceiver(); defer { receiver.stop() }
        _ = try cli.ok(["demo"])
        var secrets: [String: String] = [:]
        for format in ["standard", "slack", "discord"] {
            let created = try object(try cli.allowed(["webhook", "add", receiver.url("/ok?f=\(format)"), "--format", format,
                                                      "--events", "callout.*", "--json"]))
            secrets[format] = try #require(created["secret"] as? String)
        }
        let message = "Emergency picket at the embassy tomorrow 12:00 — all out!"
        let sent = try cli.allowed(["callout", "send", Self.picket, "--message", message])
        #expect(sent.contains("call-out 1") && sent.contains("3 webhooks want it"))
        #expect(try cli.allowed(["deliver", "--once"]).contains("delivered 3, retrying later 0, failed 0"))

        #expect(receiver.requests.count == 3)
        for request in receiver.requests {
            let format = try #require(request.query("f"))
            try StandardWebhookSigner.verify(
                signatureHeader: try #require(request.header("webhook-signature")), id: try #require(request.header("webhook-id")),
                timestamp: try #require(Int(request.header("webhook-timestamp") ?? "")), body: request.body,
                secrets: [try #require(secrets[format])])
            #expect(request.text.contains(message))
            #expect(format == "standard" || request.text.contains("Picket of the Kazakhstan Embassy (Sat 8 Jan 2022 12:00 GMT"))
        }
        let status = try cli.allowed(["callout", "status", "1"])
        #expect(status.contains("3 delivered"))
        // Nothing is sent twice.
        #expect(try cli.allowed(["deliver", "--once"]).contains("delivered 0"))
        #expect(receiver.requests.count == 3)
    }

    @Test(arguments: [
        ("http://127.0.0.1:9/hook", "127.0.0.1 is a loopback address"),
        ("http://localhost:9/hook", "loopback address (localhost resolves to it)"),
        ("http://10.1.2.3/hook", "10.1.2.3 is a private address"),
        ("http://172.16.0.1/hook", "172.16.0.1 is a private address"),
        ("http://192.168.1.1/hook", "192.168.1.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "the cloud metadata endpoint"),
        ("http://169.254.1.1/hook", "169.254.1.1 is a link-local address"),
        ("http://100.64.0.1/hook", "carrier-grade NAT"),
        ("http://0.0.0.0/hook", "the unspecified address"),
        ("http://0.1.2.3/hook", "a 'this network' address"),
        ("http://224.0.0.1/hook", "a multicast address"),
        ("http://240.0.0.1/hook", "a reserved address"),
        ("http://[::1]/hook", "::1 is a loopback address"),
        ("http://[fc00::1]/hook", "unique-local (private) address"),
        ("http://[fe80::1]/hook", "fe80::1 is a link-local address"),
        ("http://[::ffff:127.0.0.1]/hook", "IPv4-mapped form of 127.0.0.1, a loopback address"),
        ("http://[::ffff:169.254.169.254]/hook", "IPv4-mapped form of 169.254.169.254"),
    ])
    func webhookAddRefusesEveryNonPublicAddressClass(_ url: String, _ reason: String) throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let result = try cli.run(["webhook", "add", url])
        #expect(result.status == 1)
        #expect(result.stderr.contains("is refused: ") && result.stderr.contains(reason), "\(result.stderr)")
        #expect(result.stderr.contains("webhooks.allow_cidrs"))
        #expect(try cli.ok(["webhook", "list"]).contains("(none)"))
    }

    @Test func theAllowListLiftsTheGuardOnlyForItsBlocks() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        #expect(try cli.allowed(["webhook", "add", "http://127.0.0.1:9/hook"]).contains("created webhook 1"))
        // localhost also resolves to ::1, which is not in the list.
        let localhost = try cli.run(["webhook", "add", "http://localhost:9/hook"], environment: BinaryRunner.loopbackAllowed)
        let resolvesToV6 = localhost.stderr.contains("::1")
        #expect(localhost.status == (resolvesToV6 ? 1 : 0))
        let other = try cli.run(["webhook", "add", "http://10.0.0.1/hook"], environment: BinaryRunner.loopbackAllowed)
        #expect(other.status == 1 && other.stderr.contains("10.0.0.1 is a private address"))
        let scheme = try cli.run(["webhook", "add", "ftp://example.org/hook"])
        #expect(scheme.status == 1 && scheme.stderr.contains("http(s)"))
        // A malformed URL is not an address question: no allow-list advice.
        for malformed in ["http://127.0.0.1:9/a b", "http://127.0.0.1:99999/hook"] {
            let refused = try cli.run(["webhook", "add", malformed])
            #expect(refused.status == 1 && refused.stderr.contains("invalid URL") && !refused.stderr.contains("allow_cidrs"),
                    "\(refused.stderr)")
        }
    }

    /// With serve running, the test's commit wakes serve's dispatcher, which may send it first:
    /// the command then shows serve's answer instead of saying the test was not sent.
    @Test func webhookTestBesideARunningServeShowsTheAnswerWhoeverSentIt() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let receiver = try TestReceiver(); defer { receiver.stop() }
        _ = try cli.allowed(["webhook", "add", receiver.url("/ok")])
        let port = 20_000 + Int.random(in: 0..<20_000)
        let serve = Process()
        serve.executableURL = BinaryRunner.executable
        serve.arguments = ["serve", "--database", cli.database, "--port", String(port)]
        serve.environment = BinaryRunner.loopbackAllowed
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer { if serve.isRunning { serve.terminate(); serve.waitUntilExit() } }
        var ready = false
        for _ in 0..<100 where !ready {
            ready = httpGet(port: port, path: "/readyz")?.status == 200
            if !ready { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(ready)
        for _ in 0..<8 {
            let result = try cli.run(["webhook", "test", "1"], environment: BinaryRunner.loopbackAllowed)
            #expect(result.status == 0 && result.stdout.contains("HTTP 204"), "\(result.stdout)\(result.stderr)")
        }
        #expect(receiver.requests.filter { $0.text.contains("webhook.test") }.count == 8)
    }

    @Test func webhookTestShowsTheAnswerAndA410DisablesTheSubscription() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let receiver = try TestReceiver(); defer { receiver.stop() }
        _ = try cli.allowed(["webhook", "add", receiver.url("/ok")])
        _ = try cli.allowed(["webhook", "add", receiver.url("/gone")])
        #expect(try cli.allowed(["webhook", "test", "1"]).contains("HTTP 204"))
        let gone = try cli.run(["webhook", "test", "2"], environment: BinaryRunner.loopbackAllowed)
        #expect(gone.status == 1 && gone.stdout.contains("HTTP 410"))
        let shown = try cli.ok(["webhook", "show", "2"]).squeezed
        #expect(shown.contains("State: disabled (the receiver answered 410 Gone)"))
        #expect(try cli.ok(["outbox", "list", "--type", "webhook.disabled"]).contains("webhook_subscription 2"))
        #expect(receiver.requests.map { $0.text }.allSatisfy { $0.contains("webhook.test") })
    }

    @Test func aFailedTestIsNotRetriedLater() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let receiver = try TestReceiver(); defer { receiver.stop() }
        _ = try cli.allowed(["webhook", "add", receiver.url("/fail")])
        let failed = try cli.run(["webhook", "test", "1"], environment: BinaryRunner.loopbackAllowed)
        #expect(failed.status == 1 && failed.stdout.contains("HTTP 500"), "\(failed.stdout)")
        // Answered once: nothing is left to post "this webhook works" when the receiver comes back.
        let pending = try JSONSerialization.jsonObject(with: Data(try cli.ok(["delivery", "list", "--status", "pending", "--json"]).utf8))
        #expect((pending as? [Any])?.isEmpty == true)
        #expect(try cli.ok(["delivery", "list", "--status", "failed"]).contains("webhook.test"))
    }

    @Test func failedDeliveriesAreListedRetriedAndReplayed() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let receiver = try TestReceiver(); defer { receiver.stop() }
        _ = try cli.ok(["demo"])
        _ = try cli.allowed(["webhook", "add", receiver.url("/fail"), "--events", "callout.*"])
        _ = try cli.allowed(["callout", "send", Self.picket, "--message", "All out!", "--deliver"])
        let pending = try cli.ok(["delivery", "list", "--status", "pending", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(pending.utf8)) as? [[String: Any]])
        #expect(rows.count == 1 && rows.first?["last_status_code"] as? Int == 500)
        // The receiver's answer beside the error, as --json has it (QA: the text showed only "HTTP 500").
        #expect(try cli.ok(["delivery", "show", "1"]).contains("HTTP 500 — boom"))
        #expect(try cli.ok(["callout", "status", "1"]).contains("1 pending"))

        #expect(try cli.ok(["delivery", "retry", "1"]).contains("due now"))
        _ = try cli.allowed(["deliver", "--once"])
        #expect(try cli.ok(["delivery", "show", "1", "--json"]).contains("\"attempt_number\" : 2"))

        // A subscription made later gets the event only by replay, with its own webhook-id.
        _ = try cli.allowed(["webhook", "add", receiver.url("/ok?late=1"), "--events", "callout.*"])
        let event = try #require(try object(try cli.ok(["callout", "status", "1", "--json"]))["event_id"] as? String)
        #expect(try cli.ok(["delivery", "replay", event, "--subscription", "2"]).contains("due now"))
        _ = try cli.allowed(["deliver", "--once"])
        #expect(receiver.requests.filter { $0.query("late") == "1" }.count == 1)
        #expect(try cli.ok(["delivery", "list", "--subscription", "2"]).contains("delivered"))
    }

    @Test func withoutLibcurlDeliveriesWaitWithTheReasonAndGoOutOnceItLoads() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let receiver = try TestReceiver(); defer { receiver.stop() }
        let missing = ["PICKETLINE_LIBCURL": cli.directory.appendingPathComponent("no-libcurl.so").path]
        _ = try cli.ok(["demo"])
        let refused = try cli.run(["webhook", "add", receiver.url("/ok")], environment: BinaryRunner.loopbackAllowed.merging(missing) { $1 })
        #expect(refused.status != 0 && refused.stderr.contains("libcurl could not be loaded"))
        let doctor = try cli.run(["doctor"], environment: missing)
        #expect(doctor.status == 1 && doctor.stdout.contains("libcurl could not be loaded"))
        #expect(try cli.ok(["doctor"]).contains("loaded; webhooks can be sent"))

        _ = try cli.allowed(["webhook", "add", receiver.url("/ok"), "--events", "callout.*"])
        _ = try cli.allowed(["callout", "send", Self.picket, "--message", "All out!", "--deliver"], environment: missing)
        #expect(receiver.requests.isEmpty)
        #expect(try cli.ok(["delivery", "show", "1"]).contains("libcurl could not be loaded"))
        #expect(try cli.ok(["delivery", "retry", "1"]).contains("due now"))
        _ = try cli.allowed(["deliver", "--once"])
        #expect(receiver.requests.count == 1)
        #expect(try cli.ok(["delivery", "list"]).contains("delivered"))
    }

    @Test func jsonLogsAreOneObjectPerLine() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let receiver = try TestReceiver(); defer { receiver.stop() }
        _ = try cli.ok(["demo"])
        _ = try cli.allowed(["webhook", "add", receiver.url("/ok"), "--events", "callout.*"])
        let sent = try cli.run(["callout", "send", Self.picket, "--message", "All out!", "--deliver"],
                               environment: BinaryRunner.loopbackAllowed.merging(["PICKETLINE_LOG_FORMAT": "json", "PICKETLINE_LOG_LEVEL": "info"]) { $1 })
        #expect(sent.status == 0)
        let lines = sent.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            #expect(object["time"] is String && object["level"] is String && object["message"] is String, "\(line)")
        }
        #expect(lines.contains { $0.contains("\"message\":\"batch sent\"") && $0.contains("\"delivered\":\"1\"") })
    }

    @Test func rotatingTheSecretPrintsTheNewOneAndKeepsTheOldOneForTheOverlap() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let created = try object(try cli.allowed(["webhook", "add", "http://127.0.0.1:9/hook", "--json"]))
        let old = try #require(created["secret"] as? String)
        let rotated = try cli.ok(["webhook", "rotate-secret", "1", "--overlap-hours", "2"])
        #expect(rotated.contains("whsec_") && !rotated.contains(old) && rotated.contains("the old secret also signs until"))
        #expect(try cli.ok(["webhook", "show", "1"]).contains("Old secret until"))
        // Found by QA: a second rotation within the overlap stopped the first secret at once.
        let again = try cli.run(["webhook", "rotate-secret", "1"])
        #expect(again.status == 1 && again.stderr.hasPrefix("error: previous_secret: the secret before the current one still signs until"),
                "\(again.stderr)")
        #expect(try cli.ok(["webhook", "rotate-secret", "1", "--drop-previous"]).contains("the old secret also signs until"))
        let forever = try cli.run(["webhook", "rotate-secret", "1", "--overlap-hours", "100000", "--drop-previous"])
        #expect(forever.status == 1 && forever.stderr.hasPrefix("error: overlap-hours: must be from 0 to 2160"), "\(forever.stderr)")
        #expect(!(try cli.ok(["webhook", "list", "--json"])).contains("whsec_"), "listings never show secrets")
    }

    @Test func theListShowsEachSubscriptionsScopeAndWhetherItGetsPersonalData() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        _ = try cli.ok(["demo"])
        _ = try cli.allowed(["webhook", "add", "http://127.0.0.1:9/all"])
        _ = try cli.allowed(["webhook", "add", "http://127.0.0.1:9/org", "--organisation", "1", "--personal-data"])
        let lines = try cli.ok(["webhook", "list"]).split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(lines.first?.contains("SCOPE") == true && lines.first?.contains("PERSONAL") == true)
        let all = try #require(lines.first { $0.last == "http://127.0.0.1:9/all" })
        let org = try #require(lines.first { $0.last == "http://127.0.0.1:9/org" })
        #expect(all.contains("all") && all.contains("no"), "\(all)")
        #expect(org.joined(separator: " ").contains("organisation 1 yes"), "\(org)")
    }

    @Test(arguments: [["webhook"], ["webhook", "add"], ["webhook", "list"], ["webhook", "show"], ["webhook", "disable"],
                      ["webhook", "enable"], ["webhook", "remove"], ["webhook", "rotate-secret"], ["webhook", "test"],
                      ["callout"], ["callout", "send"], ["callout", "status"], ["delivery"], ["delivery", "list"],
                      ["delivery", "show"], ["delivery", "retry"], ["delivery", "replay"], ["deliver"]])
    func everyWebhookCommandExplainsItselfWithAnExample(_ path: [String]) throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let result = try cli.run(path + ["--help"], database: false)
        #expect(result.status == 0 && result.stdout.contains("Example"), "\(path): \(result.stdout)")
    }

    @Test func aBadWebhookSettingIsRefusedNamingTheKey() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let result = try cli.run(["webhook", "list"], environment: ["PICKETLINE_WEBHOOKS_RETRY_SCHEDULE": "5s, soon"])
        #expect(result.status == 1 && result.stderr.contains("webhooks.retry_schedule") && result.stderr.contains("\"soon\""))
        let cidr = try cli.run(["webhook", "list"], environment: ["PICKETLINE_WEBHOOKS_ALLOW_CIDRS": "10.0.0.0/33"])
        #expect(cidr.status == 1 && cidr.stderr.contains("webhooks.allow_cidrs"))
        let cors = try cli.run(["webhook", "list"], environment: ["PICKETLINE_HTTP_CORS_ORIGINS": "https://ok.example, campaign.example.org"])
        #expect(cors.status == 1 && cors.stderr.contains("http.cors_origins") && cors.stderr.contains("\"campaign.example.org\""), "\(cors.stderr)")
    }

    @Test func serveRunsTheDispatcherBesideTheAPI() throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let receiver = try TestReceiver(); defer { receiver.stop() }
        _ = try cli.ok(["demo"])
        _ = try cli.allowed(["webhook", "add", receiver.url("/ok"), "--events", "callout.*"])
        let server = try cli.start(["serve", "--port", "0"], environment: BinaryRunner.loopbackAllowed)
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() } }
        _ = try cli.allowed(["callout", "send", Self.picket, "--message", "All out!"])
        #expect(eventually(within: 20) { receiver.requests.count == 1 })
        kill(server.processIdentifier, SIGTERM)
        #expect(eventually(within: 30) { !server.isRunning })
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
        #expect(try cli.ok(["callout", "status", "1"]).contains("1 delivered"))
    }

    /// A call-out sent by an admin command reaches a running service's dispatcher through the
    /// doorbell, not at its next poll: here the poll is ten minutes away, the bound 20 seconds.
    @Test(arguments: [["serve", "--port", "0"], ["deliver"]])
    func aCalloutFromTheCommandLineGoesOutAtOnceThroughARunningDispatcher(_ service: [String]) throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let receiver = try TestReceiver(); defer { receiver.stop() }
        _ = try cli.ok(["demo"])
        _ = try cli.allowed(["webhook", "add", receiver.url("/ok"), "--events", "callout.*"])
        let server = try cli.start(service, environment: BinaryRunner.loopbackAllowed.merging(["PICKETLINE_WEBHOOKS_POLL_SECONDS": "600"]) { $1 })
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL); server.waitUntilExit() } }
        // The watcher makes the doorbell when it starts watching.
        #expect(eventually(within: 20) { FileManager.default.fileExists(atPath: cli.database + "-wake") })
        // Twice: the second call-out surely finds the dispatcher asleep after the first fan-out.
        for round in 1...2 {
            _ = try cli.allowed(["callout", "send", Self.picket, "--message", "All out, round \(round)!"])
            #expect(eventually(within: 20) { receiver.requests.count == round }, "round \(round) waited for the poll")
        }
        kill(server.processIdentifier, SIGTERM)
        #expect(eventually(within: 30) { !server.isRunning })
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
        #expect(try cli.ok(["callout", "status", "2"]).contains("1 delivered"))
    }

    /// Nothing is lost: a dispatcher killed with SIGKILL in the middle of a 1,000-subscription
    /// fan-out leaves leased deliveries; once the leases run out a new run sends every one.
    @Test func aDispatcherKilledMidFanOutLosesNoDelivery() async throws {
        let cli = try BinaryRunner(); defer { cli.remove() }
        let receiver = try TestReceiver(); defer { receiver.stop() }
        let subscriptions = 1_000
        _ = try cli.ok(["demo"])
        let setup = try SQLiteStore(path: cli.database, durability: .normal)
        for index in 0..<subscriptions {
            _ = try await setup.createSubscription(
                WebhookSubscriptionDraft(url: receiver.url("/slow?ms=20&s=\(index)"), eventTypes: ["callout.*"]),
                secret: StandardWebhookSigner.generateSecret())
        }
        try setup.close()
        let environment = BinaryRunner.loopbackAllowed.merging([
            "PICKETLINE_WEBHOOKS_LEASE_SECONDS": "2", "PICKETLINE_WEBHOOKS_MAX_CONCURRENCY": "16",
            "PICKETLINE_WEBHOOKS_MAX_PER_HOST": "8",
        ]) { $1 }
        _ = try cli.allowed(["callout", "send", Self.picket, "--message", "All out!"], environment: environment)

        let child = try cli.start(["deliver"], environment: environment)
        defer { if child.isRunning { kill(child.processIdentifier, SIGKILL); child.waitUntilExit() } }
        #expect(await eventuallyAsync(within: 60) { receiver.requests.count >= 200 })
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        let seenAtKill = Set(receiver.requests.compactMap { $0.header("webhook-id") }).count
        #expect(seenAtKill < subscriptions, "the kill should land mid-fan-out")
        let unfinished = try cli.ok(["delivery", "list", "--limit", "2000", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(unfinished.utf8)) as? [[String: Any]])
        let leased = rows.filter { $0["status"] as? String == "delivering" }.count
        // Deliveries are made a batch at a time as the fan-out goes: at the kill some may not
        // exist yet, and some that exist are not delivered; the restart has to finish both.
        let delivered = rows.filter { $0["status"] as? String == "delivered" }.count
        #expect(rows.count <= subscriptions && delivered < subscriptions, "\(rows.count) deliveries, \(delivered) delivered")

        // Restart once the killed process's leases have run out (bounded: a few runs at most).
        try await Task.sleep(for: .milliseconds(2_500))
        var runs = 0
        while runs < 5 {
            runs += 1
            _ = try cli.allowed(["deliver", "--once"], environment: environment)
            let delivered = try cli.ok(["delivery", "list", "--status", "delivered", "--limit", "2000", "--json"])
            if (try JSONSerialization.jsonObject(with: Data(delivered.utf8)) as? [Any])?.count == subscriptions { break }
            try await Task.sleep(for: .seconds(1))
        }

        let ids = Set(receiver.requests.compactMap { $0.header("webhook-id") })
        let bySubscription = Set(receiver.requests.compactMap { $0.query("s") })
        #expect(ids.count == subscriptions && bySubscription.count == subscriptions, "every subscription got the event")
        let finished = try cli.ok(["delivery", "list", "--status", "delivered", "--limit", "2000", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(finished.utf8)) as? [Any])?.count == subscriptions)
        print("crash recovery: \(seenAtKill) distinct received before SIGKILL, \(rows.count) deliveries made and \(leased) leased at the kill, "
              + "\(receiver.requests.count - subscriptions) duplicate requests, \(runs) restart run(s)")
    }
}

/// `eventually` without blocking a thread of the cooperative pool.
private func eventuallyAsync(within seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

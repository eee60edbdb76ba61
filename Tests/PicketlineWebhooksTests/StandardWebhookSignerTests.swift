import Foundation
import Testing
import PicketlineCore
@testable import PicketlineWebhooks

private struct VectorFile: Decodable {
    struct Case: Decodable {
        var secret: String
        var id: String
        var timestamp: Int
        var body: String
        var signature: String
    }
    var cases: [Case]
}

@Suite("Standard Webhooks signing")
struct StandardWebhookSignerTests {
    private func vectors() throws -> [VectorFile.Case] {
        let url = try #require(Bundle.module.url(forResource: "standard-webhooks-vectors", withExtension: "json"))
        return try JSONDecoder().decode(VectorFile.self, from: Data(contentsOf: url)).cases
    }

    @Test("signatures match the test vectors, and verify")
    func vectorsMatch() throws {
        let cases = try vectors()
        #expect(cases.count >= 2)
        for vector in cases {
            let body = Array(vector.body.utf8)
            let signature = try StandardWebhookSigner.sign(id: vector.id, timestamp: vector.timestamp, body: body, secret: vector.secret)
            #expect(signature == vector.signature)
            let signer = try StandardWebhookSigner(secrets: [vector.secret])
            #expect(signer.signature(id: vector.id, timestamp: vector.timestamp, body: body) == vector.signature)
            try StandardWebhookSigner.verify(
                signatureHeader: vector.signature, id: vector.id, timestamp: vector.timestamp,
                body: body, secrets: [vector.secret], now: nil
            )
        }
    }

    @Test("tampered body, wrong id, stale timestamp and wrong secret are rejected")
    func rejections() throws {
        let vector = try #require(try vectors().first)
        let body = Array(vector.body.utf8)
        #expect(throws: StandardWebhookSigner.SignatureError.noMatchingSignature) {
            try StandardWebhookSigner.verify(signatureHeader: vector.signature, id: vector.id, timestamp: vector.timestamp,
                                             body: body + [0x20], secrets: [vector.secret], now: nil)
        }
        #expect(throws: StandardWebhookSigner.SignatureError.noMatchingSignature) {
            try StandardWebhookSigner.verify(signatureHeader: vector.signature, id: vector.id + "x", timestamp: vector.timestamp,
                                             body: body, secrets: [vector.secret], now: nil)
        }
        #expect(throws: StandardWebhookSigner.SignatureError.timestampOutOfTolerance) {
            try StandardWebhookSigner.verify(signatureHeader: vector.signature, id: vector.id, timestamp: vector.timestamp,
                                             body: body, secrets: [vector.secret], now: Date())
        }
        let other = StandardWebhookSigner.generateSecret()
        #expect(throws: StandardWebhookSigner.SignatureError.noMatchingSignature) {
            try StandardWebhookSigner.verify(signatureHeader: vector.signature, id: vector.id, timestamp: vector.timestamp,
                                             body: body, secrets: [other], now: nil)
        }
        // Within tolerance of the vector's own timestamp it passes.
        try StandardWebhookSigner.verify(signatureHeader: vector.signature, id: vector.id, timestamp: vector.timestamp,
                                         body: body, secrets: [vector.secret],
                                         now: Date(timeIntervalSince1970: TimeInterval(vector.timestamp + 299)))
    }

    @Test("rotation: both signatures are sent space-separated and either secret verifies")
    func rotation() throws {
        let old = StandardWebhookSigner.generateSecret()
        let new = StandardWebhookSigner.generateSecret()
        let signer = try StandardWebhookSigner(secrets: [new, old])
        let body = Array(#"{"hello":"world"}"#.utf8)
        let now = Int(Date().timeIntervalSince1970)
        let header = signer.signature(id: "msg_1", timestamp: now, body: body)
        let parts = header.split(separator: " ")
        #expect(parts.count == 2)
        #expect(parts.allSatisfy { $0.hasPrefix("v1,") })
        #expect(String(parts[0]) == (try StandardWebhookSigner.sign(id: "msg_1", timestamp: now, body: body, secret: new)))
        #expect(String(parts[1]) == (try StandardWebhookSigner.sign(id: "msg_1", timestamp: now, body: body, secret: old)))
        try StandardWebhookSigner.verify(signatureHeader: header, id: "msg_1", timestamp: now, body: body, secrets: [old])
        try StandardWebhookSigner.verify(signatureHeader: header, id: "msg_1", timestamp: now, body: body, secrets: [new])
    }

    @Test("generated secrets are whsec_ + base64 of the requested length; bad secrets are refused")
    func secrets() throws {
        for count in [24, 32, 64] {
            let secret = StandardWebhookSigner.generateSecret(byteCount: count)
            #expect(secret.hasPrefix("whsec_"))
            #expect(Data(base64Encoded: String(secret.dropFirst(6)))?.count == count)
        }
        #expect(StandardWebhookSigner.generateSecret() != StandardWebhookSigner.generateSecret())
        let tooShort = "whsec_" + Data(repeating: 1, count: 16).base64EncodedString()
        for bad in ["", "whsec_", "whsec_!!!", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", tooShort] {
            #expect(throws: StandardWebhookSigner.SignatureError.invalidSecret) { try StandardWebhookSigner(secrets: [bad]) }
        }
        #expect(throws: StandardWebhookSigner.SignatureError.noSecrets) { try StandardWebhookSigner(secrets: []) }
    }

    @Test("headers carry webhook-id, webhook-timestamp, webhook-signature and JSON content type")
    func headers() throws {
        let signer = try StandardWebhookSigner(secrets: [StandardWebhookSigner.generateSecret()])
        let headers = signer.headers(id: "msg_9", timestamp: 1_700_000_000, body: [1, 2, 3])
        let byName = Dictionary(uniqueKeysWithValues: headers.map { ($0.name.lowercased(), $0.value) })
        #expect(byName["webhook-id"] == "msg_9")
        #expect(byName["webhook-timestamp"] == "1700000000")
        #expect(byName["webhook-signature"]?.hasPrefix("v1,") == true)
        #expect(byName["content-type"] == "application/json")
    }

    // Runs only where python3 and the `standardwebhooks` package are installed
    // (`pip install standardwebhooks`); skipped otherwise, e.g. in CI without it.
    @Test(
        "the Python reference library (standardwebhooks) accepts our signature — skipped without python3/standardwebhooks",
        .enabled(if: PythonReference.isAvailable, "python3 with the standardwebhooks package is not installed")
    )
    func pythonReference() throws {
        let secrets = [StandardWebhookSigner.generateSecret(), StandardWebhookSigner.generateSecret()]
        let signer = try StandardWebhookSigner(secrets: secrets)
        let body = #"{"type":"callout.created","data":{"msg":"Emergency picket – ünïcode"}}"#
        let timestamp = Int(Date().timeIntervalSince1970)
        let signature = signer.signature(id: "msg_py", timestamp: timestamp, body: Array(body.utf8))
        for secret in secrets {
            let status = PythonReference.run(script: """
                import os, sys
                from standardwebhooks.webhooks import Webhook
                Webhook(os.environ["SECRET"]).verify(os.environ["BODY"], {
                    "webhook-id": "msg_py",
                    "webhook-timestamp": os.environ["TS"],
                    "webhook-signature": os.environ["SIG"],
                })
                """, environment: ["SECRET": secret, "BODY": body, "TS": String(timestamp), "SIG": signature])
            #expect(status == 0)
        }
        // And the reference rejects a tampered body.
        let tampered = PythonReference.run(script: """
            import os
            from standardwebhooks.webhooks import Webhook
            Webhook(os.environ["SECRET"]).verify(os.environ["BODY"] + " ", {
                "webhook-id": "msg_py", "webhook-timestamp": os.environ["TS"], "webhook-signature": os.environ["SIG"]})
            """, environment: ["SECRET": secrets[0], "BODY": body, "TS": String(timestamp), "SIG": signature])
        #expect(tampered != 0)
    }
}

enum PythonReference {
    static let isAvailable: Bool = run(script: "import standardwebhooks", environment: [:]) == 0

    /// Runs `python3 -c script`; returns the exit status, or -1 if python3 cannot start.
    static func run(script: String, environment: [String: String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

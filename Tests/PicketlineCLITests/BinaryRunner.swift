import Foundation
import PicketlineTestSupport
import Testing

/// Runs the real `picketline` binary on a temporary database, as a user would.
struct BinaryRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    let directory: URL
    var database: String { directory.appendingPathComponent("cli.sqlite").path }

    /// A fresh folder; with `database`, an empty database made in it as a user makes one
    /// (`picketline migrate`): the commands but demo, migrate and restore refuse a missing one.
    init(database: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("picketline-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if database {
            let made = try run(["migrate"])
            guard made.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: made.stderr]) }
        }
    }

    /// The binary built beside the test bundle (`swift build` puts both in the same folder).
    static var executable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [beside, beside.deletingLastPathComponent(), Bundle.main.bundleURL.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("picketline")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return beside.appendingPathComponent("picketline")
    }

    /// Runs `picketline arguments… --database <temp>` with a clean environment.
    @discardableResult
    func run(_ arguments: [String], database: Bool = true, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments + (database ? ["--database", self.database] : [])
        process.currentDirectoryURL = directory
        var env = ["PATH": "/usr/bin:/bin", "HOME": directory.path]
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs and requires success, returning stdout.
    func ok(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let result = try run(arguments)
        #expect(result.status == 0, "picketline \(arguments.joined(separator: " ")) failed: \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// A GET to a `serve` child process on 127.0.0.1: its status and body.
func httpGet(port: Int, path: String) -> (status: Int, body: String)? {
    guard let text = LoopbackHTTP.exchange(port: port, request: "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                                           untilClose: true) else { return nil }
    guard let statusLine = text.split(separator: "\r\n").first, let headerEnd = text.range(of: "\r\n\r\n") else { return nil }
    let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
    return (status, String(text[headerEnd.upperBound...]))
}

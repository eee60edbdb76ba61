import Foundation
import Logging
@testable import PicketlineCLI
import Testing

@Suite struct JSONLogHandlerTests {
    private func object(_ handler: JSONLogHandler, _ metadata: Logger.Metadata?) throws -> [String: String] {
        let event = LogEvent(level: .warning, message: "delivery failed", metadata: metadata, source: "PicketlineWebhooks",
                             file: #fileID, function: #function, line: #line)
        let line = try #require(handler.line(for: event, at: Date(timeIntervalSince1970: 1_795_900_000)))
        #expect(!line.contains(0x0A), "one line")
        return try #require(try JSONSerialization.jsonObject(with: line) as? [String: String])
    }

    @Test func aLineCarriesTheFourFieldsAndTheMetadataWithTheEventsWinning() throws {
        var handler = JSONLogHandler(label: "picketline")
        handler[metadataKey: "webhook"] = "3"
        handler[metadataKey: "attempt"] = "1"
        let object = try object(handler, ["attempt": "2", "status": "503"])
        #expect(object == ["time": "2026-11-28T21:06:40Z", "level": "warning", "label": "picketline",
                           "message": "delivery failed", "webhook": "3", "attempt": "2", "status": "503"])
    }

    @Test func metadataNamedLikeAFieldIsKeptBesideItNotOverIt() throws {
        var handler = JSONLogHandler(label: "picketline")
        handler[metadataKey: "label"] = "from the handler"
        let object = try object(handler, ["message": "from a library", "level": "x", "time": "y"])
        #expect(object["message"] == "delivery failed" && object["level"] == "warning")
        #expect(object["label"] == "picketline" && object["time"] == "2026-11-28T21:06:40Z")
        #expect(object["metadata.message"] == "from a library" && object["metadata.label"] == "from the handler")
        #expect(object["metadata.level"] == "x" && object["metadata.time"] == "y")
    }
}

/// `serve` writes its log lines in batches: a line below warning waits (up to the interval, or
/// until 16 KiB gather), a warning or an error goes out at once after the lines before it.
@Suite struct LogSinkTests {
    /// A pipe standing for standard error.
    final class Pipe: @unchecked Sendable {
        let read: Int32, write: Int32
        init() throws {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw CocoaError(.fileWriteUnknown) }
            read = fds[0]; write = fds[1]
        }
        deinit { close(read); close(write) }

        /// What has arrived, waiting up to `timeout` milliseconds for the first byte.
        func take(timeout: Int32 = 0) -> String {
            var text = ""
            var wait = timeout
            while true {
                var descriptor = pollfd(fd: read, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, wait) > 0 else { return text }
                var chunk = [UInt8](repeating: 0, count: 65_536)
                let count = Glibc.read(read, &chunk, chunk.count)
                guard count > 0 else { return text }
                text += String(decoding: chunk[..<count], as: UTF8.self)
                wait = 0
            }
        }
    }

    private func send(_ sink: LogSink, _ line: String, urgent: Bool = false) {
        var line = line + "\n"
        line.withUTF8 { sink.write(UnsafeRawBufferPointer($0), urgent: urgent) }
    }

    @Test func withoutBatchingEveryLineIsWrittenAtOnce() throws {
        let pipe = try Pipe()
        let sink = LogSink(descriptor: pipe.write)
        send(sink, "one")
        #expect(pipe.take() == "one\n")
    }

    @Test func quietLinesWaitAndAWarningTakesThemOutFirst() throws {
        let pipe = try Pipe()
        let sink = LogSink(descriptor: pipe.write)
        sink.batch(every: .seconds(60))
        send(sink, "request 1")
        send(sink, "request 2")
        #expect(pipe.take() == "")
        send(sink, "delivery failed", urgent: true)
        #expect(pipe.take() == "request 1\nrequest 2\ndelivery failed\n")
        send(sink, "request 3")
        #expect(pipe.take() == "")
        sink.flush()
        #expect(pipe.take() == "request 3\n")
    }

    @Test func quietLinesGoOutWhenTheIntervalEnds() throws {
        let pipe = try Pipe()
        let sink = LogSink(descriptor: pipe.write)
        sink.batch(every: .milliseconds(20))
        send(sink, "request 1")
        var arrived = ""
        for _ in 0..<50 where !arrived.hasSuffix("\n") { arrived += pipe.take(timeout: 100) }
        #expect(arrived == "request 1\n")
        // And again for lines after that flush (a new interval starts with the next line).
        send(sink, "request 2")
        arrived = ""
        for _ in 0..<50 where !arrived.hasSuffix("\n") { arrived += pipe.take(timeout: 100) }
        #expect(arrived == "request 2\n")
    }

    @Test func sixteenKibibytesGoOutWithoutWaiting() throws {
        let pipe = try Pipe()
        let sink = LogSink(descriptor: pipe.write)
        sink.batch(every: .seconds(60))
        let line = String(repeating: "x", count: 99)
        let lines = LogSink.batchBytes / 100
        for _ in 0..<lines { send(sink, line) }
        #expect(pipe.take() == "")
        send(sink, line)
        let expected = String(repeating: line + "\n", count: lines + 1)
        var arrived = ""
        for _ in 0..<50 where arrived.count < expected.count { arrived += pipe.take(timeout: 100) }
        #expect(arrived == expected)
    }

    @Test func aSlowReaderDoesNotHoldUpTheThreadsThatLog() throws {
        // Nobody reads the pipe at first: once its 64 KiB buffer is full, a write blocks. The
        // threads logging must not, for they are the ones answering requests.
        let pipe = try Pipe()
        let sink = LogSink(descriptor: pipe.write)
        sink.batch(every: .seconds(60))
        let line = String(repeating: "z", count: 99)
        let total = 8 * LogSink.batchBytes / 100
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for _ in 0..<total { self.send(sink, line) }
            done.signal()
            sink.flush()  // returns once the last lines are written, so after the reading below
        }
        #expect(done.wait(timeout: .now() + 20) == .success, "logging blocked on the full pipe")
        var arrived = 0
        for _ in 0..<200 where arrived < total * 100 { arrived += pipe.take(timeout: 100).utf8.count }
        #expect(arrived == total * 100)
    }

    @Test func linesFromManyThreadsArriveWhole() async throws {
        let pipe = try Pipe()
        let sink = LogSink(descriptor: pipe.write)
        sink.batch(every: .seconds(60))
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<8 {
                group.addTask { for line in 0..<40 { self.send(sink, "thread \(thread) line \(line) " + String(repeating: "y", count: 40)) } }
            }
        }
        sink.flush()
        let lines = pipe.take().split(separator: "\n")
        #expect(lines.count == 320)
        #expect(Set(lines).count == 320 && lines.allSatisfy { $0.hasSuffix(String(repeating: "y", count: 40)) })
    }
}

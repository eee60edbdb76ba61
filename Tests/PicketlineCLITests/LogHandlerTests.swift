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

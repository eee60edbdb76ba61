import Foundation
import Testing
@testable import PicketlineCore

@Suite struct TextHelperTests {
    @Test(arguments: ["", " ", "Ada", "  Ada Lovelace \n", "\tx", "x\u{2003}", "\u{200B}zero width\u{200B}", "é ", "\u{85}next line"])
    func trimmingMatchesFoundation(text: String) {
        #expect(text.trimmedWhitespace == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func systemRandomFillsEveryByteOfABuffer() {
        // 256 bytes (getentropy's most), eight times: a byte left unfilled stays zero in every
        // try, while a filled one is zero in all eight with odds of 256⁻⁸.
        var seen = [UInt8](repeating: 0, count: 256)
        for _ in 0..<8 {
            var buffer = [UInt8](repeating: 0, count: 256)
            buffer.withUnsafeMutableBytes { SystemRandom.fill($0) }
            for index in buffer.indices { seen[index] |= buffer[index] }
        }
        #expect(seen.allSatisfy { $0 != 0 })
        var first = [UInt8](repeating: 0, count: 16), second = [UInt8](repeating: 0, count: 16)
        first.withUnsafeMutableBytes { SystemRandom.fill($0) }
        second.withUnsafeMutableBytes { SystemRandom.fill($0) }
        #expect(first != second)
        var empty: [UInt8] = []
        empty.withUnsafeMutableBytes { SystemRandom.fill($0) }
        #expect(empty.isEmpty)
    }

    @Test func eventIDsGrowWithTime() {
        let earlier = OutboxEvent.newEventID(at: Date(timeIntervalSince1970: 1_796_115_600))
        let later = OutboxEvent.newEventID(at: Date(timeIntervalSince1970: 1_796_115_600.002))
        #expect(earlier < later)
        #expect(earlier.hasPrefix("evt_01a2")) // 1,796,115,600,000 ms = 0x01a2…
    }

    @Test func eventIDsAreEvtAnd32HexDigitsAndDiffer() {
        let ids = (0..<1_000).map { _ in OutboxEvent.newEventID() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(20) {
            #expect(id.hasPrefix("evt_") && id.count == 36)
            #expect(id.dropFirst(4).allSatisfy { "0123456789abcdef".contains($0) })
        }
    }
}

import Foundation

/// The names of the events the domain emits; webhook subscriptions match on them.
public enum EventType {
    public static let actionCreated = "action.created"
    public static let actionUpdated = "action.updated"
    public static let actionCancelled = "action.cancelled"
    public static let campaignCreated = "campaign.created"
    public static let campaignUpdated = "campaign.updated"
    public static let organisationCreated = "organisation.created"
    public static let organisationUpdated = "organisation.updated"
    public static let endorsementAdded = "endorsement.added"
    public static let endorsementConfirmed = "endorsement.confirmed"
    public static let endorsementWithdrawn = "endorsement.withdrawn"
    public static let endorsementInvited = "endorsement.invited"
    public static let speakerAdded = "speaker.added"
    public static let speakerConfirmed = "speaker.confirmed"
    public static let speakerWithdrawn = "speaker.withdrawn"
    public static let speakerInvited = "speaker.invited"
    public static let lineupReordered = "speaker.reordered"
    public static let attendanceCreated = "attendance.created"
    public static let attendanceUpdated = "attendance.updated"
    public static let attendancePromoted = "attendance.promoted"
    public static let attendanceCheckedIn = "attendance.checked_in"
    public static let headcountRecorded = "headcount.recorded"
    public static let statementPublished = "statement.published"
    public static let statementUpdated = "statement.updated"
    public static let statementSigned = "statement.signed"
    public static let signatureWithdrawn = "statement.signature_withdrawn"
    public static let incidentReported = "incident.reported"
    public static let incidentUpdated = "incident.updated"

    /// Every type an event is written with (webhook subscriptions are checked against it).
    public static let all: [String] = [
        actionCreated, actionUpdated, actionCancelled, campaignCreated, campaignUpdated, organisationCreated,
        organisationUpdated, endorsementAdded, endorsementConfirmed, endorsementWithdrawn, endorsementInvited, speakerAdded,
        speakerConfirmed, speakerWithdrawn, speakerInvited, lineupReordered, attendanceCreated, attendanceUpdated,
        attendancePromoted, attendanceCheckedIn, headcountRecorded, statementPublished, statementUpdated, statementSigned,
        signatureWithdrawn, incidentReported, incidentUpdated, reminderDue, digestDue, calloutCreated, webhookDisabled,
        webhookTest,
    ]
}

/// A domain event as written to the outbox, in the same transaction as the change it records.
///
/// `payload` is JSON safe for any subscriber; `personalData` holds attendee names, e-mails
/// and phones, which only subscriptions granted personal data may receive.
public struct OutboxEvent: Codable, Sendable, Equatable, Identifiable {
    /// `evt_` and 32 lower-case hex digits: the time in milliseconds (12 digits), then 80 random
    /// bits from the system generator (`getrandom`). Time first keeps the outbox's unique index on
    /// `event_id` growing at its end, as the outbox does, instead of dirtying a random page of it
    /// with every event; 80 random bits keep ids unguessable and distinct within a millisecond.
    public static func newEventID(at time: Date = Date()) -> String {
        var text: [UInt8] = Array("evt_".utf8)
        text.reserveCapacity(36)
        func append(_ value: UInt64, digits: Int) {
            JSONObjectWriter.forEachHexDigit(of: value, count: digits) { text.append($0) }
        }
        append(UInt64(max(0, time.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF, digits: 12)
        var random = (UInt64(0), UInt64(0))
        withUnsafeMutableBytes(of: &random) { SystemRandom.fill($0) }
        append(random.0 & 0xFFFF_FFFF_FFFF, digits: 12)
        append(random.1 & 0xFFFF_FFFF, digits: 8)
        return String(decoding: text, as: UTF8.self)
    }

    /// Monotonic position in the outbox.
    public var id: Int64
    /// Globally unique id (`evt_…`); webhooks derive their idempotency key from it.
    public var eventID: String
    public var type: String
    public var occurredAt: Date
    public var subjectType: String
    public var subjectID: Int64
    /// The action concerned, for filtering subscriptions by campaign or organisation.
    public var actionID: Int64?
    public var campaignID: Int64?
    public var payload: String
    public var personalData: String?

    public init(id: Int64, eventID: String, type: String, occurredAt: Date, subjectType: String, subjectID: Int64,
                actionID: Int64?, campaignID: Int64?, payload: String, personalData: String?) {
        self.id = id; self.eventID = eventID; self.type = type; self.occurredAt = occurredAt
        self.subjectType = subjectType; self.subjectID = subjectID; self.actionID = actionID
        self.campaignID = campaignID; self.payload = payload; self.personalData = personalData
    }
}

/// The JSON conventions used for payloads and `--json` output: snake_case keys,
/// RFC 3339 UTC instants, sorted keys so that output is stable.
public enum PicketlineJSON {
    /// An encoder with the project's conventions. Shared and never mutated (encoding is safe from
    /// any thread), because building one per payload sat on every write's and response's path.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        pretty ? prettyEncoder : compactEncoder
    }

    private static let compactEncoder = makeEncoder(pretty: false)
    private static let prettyEncoder = makeEncoder(pretty: true)

    private static func makeEncoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.string(from: date))
        }
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A decoder matching `encoder()`.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            let key = path.last!
            if key.intValue != nil { return key }
            return AnyCodingKey(stringValue: camelCase(fromSnakeCase: key.stringValue))
        }
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text) is not an RFC 3339 time")
            }
            return date
        }
        return decoder
    }

    /// Encodes a value to a JSON string with the project's conventions.
    public static func string<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self)
    }
}

extension PicketlineJSON {
    /// Maps a snake_case key to the camelCase property it came from, keeping the acronyms
    /// this codebase writes in capitals (`action_id` → `actionID`, `source_url` → `sourceURL`).
    public static func camelCase(fromSnakeCase key: String) -> String {
        let parts = key.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = parts.first else { return key }
        var result = String(first)
        for part in parts.dropFirst() {
            switch part {
            case "id": result += "ID"
            case "url": result += "URL"
            default: result += part.prefix(1).uppercased() + part.dropFirst()
            }
        }
        return result
    }
}

/// A coding key built from a string; used by snake_case decoding strategies.
public struct AnyCodingKey: CodingKey {
    public var stringValue: String
    public var intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue }
    public init(intValue: Int) { self.stringValue = String(intValue); self.intValue = intValue }
}

/// Bytes from the kernel's generator in one system call (`getentropy`, which is `getrandom`).
/// The standard library's `SystemRandomNumberGenerator` makes one call per 8 bytes: two system
/// calls for an event id's random part instead of one.
public enum SystemRandom {
    /// Fills `buffer` (at most 256 bytes, `getentropy`'s limit).
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count <= 256, "getentropy gives at most 256 bytes a call")
        if buffer.isEmpty || getentropy(buffer.baseAddress!, buffer.count) == 0 { return }
        // It fails only without kernel support (before Linux 3.17); fall back to the standard library.
        var generator = SystemRandomNumberGenerator()
        for index in buffer.indices { buffer[index] = generator.next() }
    }
}

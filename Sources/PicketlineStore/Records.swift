import Foundation
import GRDB
import PicketlineCore

/// Columns are the snake_case of the properties, with `ID`/`URL` acronyms kept on the way back.
public protocol SnakeCaseRecord: Codable, FetchableRecord, PersistableRecord {}

extension SnakeCaseRecord {
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
    /// Every record writes dates with the one function the hand-written mappings use, so a time
    /// stored by one and compared with another's (a reminder's due time against its action's
    /// start) agrees to the millisecond.
    public static var databaseDateEncodingStrategy: DatabaseDateEncodingStrategy {
        .custom { RFC3339.databaseString(from: $0) }
    }
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy {
        .custom { column in AnyCodingKey(stringValue: ColumnKeys.shared.key(for: column)) }
    }
}

/// Column name → property name, converted once per column name instead of once per row and column:
/// the conversion showed up at several per cent of every read in profiles.
final class ColumnKeys: @unchecked Sendable {
    static let shared = ColumnKeys()
    private let lock = NSLock()
    private var keys: [String: String] = [:]

    func key(for column: String) -> String {
        if let key = lock.withLock({ keys[column] }) { return key }
        let key = PicketlineJSON.camelCase(fromSnakeCase: column)
        lock.withLock { keys[column] = key }
        return key
    }
}

extension Row {
    /// A date column in the form Picketline stores (`RFC3339.databaseString`), read by hand; any
    /// other form a date may have in the file (written by hand, by an older version) is left to
    /// GRDB, which reads them all.
    func date(_ column: String) throws -> Date {
        if let date = storedDate(column) { return date }
        return try decode(forColumn: column)
    }

    /// `date(_:)` for a column that may be NULL.
    func optionalDate(_ column: String) throws -> Date? {
        if let date = storedDate(column) { return date }
        return try decode(forColumn: column)
    }

    private func storedDate(_ column: String) -> Date? {
        guard case .string(let text) = (self[column] as DatabaseValue).storage else { return nil }
        return RFC3339.date(fromDatabaseString: text)
    }

    /// A vocabulary column (stored as its raw value), with an error naming the column for a value
    /// this version does not know.
    func choice<Value: RawRepresentable>(_ column: String) throws -> Value where Value.RawValue == String {
        try Self.stored(Value.self, try decode(forColumn: column), column: column)
    }

    /// A vocabulary value read from `column`, or an error naming the column and the value.
    static func stored<Value: RawRepresentable>(_ type: Value.Type, _ raw: String, column: String) throws -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: raw) else {
            throw PicketlineError.unavailable(detail: "column \(column) holds \(raw), which this version does not know")
        }
        return value
    }
}

extension Campaign: SnakeCaseRecord { public static let databaseTableName = "campaigns" }
extension Organisation: SnakeCaseRecord { public static let databaseTableName = "organisations" }
extension Endorsement: SnakeCaseRecord { public static let databaseTableName = "endorsements" }
extension Speaker: SnakeCaseRecord { public static let databaseTableName = "speakers" }
extension Attendance: SnakeCaseRecord { public static let databaseTableName = "attendances" }
extension Headcount: SnakeCaseRecord { public static let databaseTableName = "headcounts" }
extension Signature: SnakeCaseRecord { public static let databaseTableName = "signatures" }
extension Incident: SnakeCaseRecord { public static let databaseTableName = "incidents" }
extension IncidentUpdate: SnakeCaseRecord { public static let databaseTableName = "incident_updates" }
extension OutboxEvent: SnakeCaseRecord { public static let databaseTableName = "outbox" }

/// The flat row of an action; the domain type nests its location.
struct ActionRecord: SnakeCaseRecord {
    static let databaseTableName = "actions"
    var id: Int64
    var slug: String
    var kind: ActionKind
    var title: String
    var description: String?
    var target: String?
    var venue: String?
    var addressLines: String
    var locality: String?
    var region: String?
    var postalCode: String?
    var country: String?
    var latitude: Double?
    var longitude: Double?
    var locationPublic: Bool
    var startsAt: Date
    var endsAt: Date?
    var timeZone: String
    var status: ActionStatus
    var visibility: Visibility
    var capacity: Int?
    var campaignID: Int64?
    var sourceURL: String?
    var revision: Int
    var createdAt: Date
    var updatedAt: Date

    init(_ action: Action) {
        id = action.id; slug = action.slug; kind = action.kind; title = action.title
        description = action.description; target = action.target
        let location = action.location
        venue = location.venue
        addressLines = String(decoding: (try? JSONEncoder().encode(location.addressLines)) ?? Data("[]".utf8), as: UTF8.self)
        locality = location.locality; region = location.region; postalCode = location.postalCode
        country = location.country; latitude = location.latitude; longitude = location.longitude
        locationPublic = location.isPublic
        startsAt = action.startsAt; endsAt = action.endsAt; timeZone = action.timeZone; status = action.status
        visibility = action.visibility; capacity = action.capacity; campaignID = action.campaignID
        sourceURL = action.sourceURL; revision = action.revision; createdAt = action.createdAt; updatedAt = action.updatedAt
    }

    var action: Action {
        let lines = addressLines == "[]" ? [] : (try? JSONDecoder().decode([String].self, from: Data(addressLines.utf8))) ?? []
        return Action(
            id: id, slug: slug, kind: kind, title: title, description: description, target: target,
            location: Location(venue: venue, addressLines: lines, locality: locality, region: region,
                               postalCode: postalCode, country: country, latitude: latitude, longitude: longitude,
                               isPublic: locationPublic),
            startsAt: startsAt, endsAt: endsAt, timeZone: timeZone, status: status, visibility: visibility,
            capacity: capacity, campaignID: campaignID, sourceURL: sourceURL, revision: revision,
            createdAt: createdAt, updatedAt: updatedAt)
    }
}

/// The row of a statement; demands live in their own ordered table.
struct StatementRecord: SnakeCaseRecord {
    static let databaseTableName = "statements"
    var id: Int64
    var slug: String
    var title: String
    var body: String
    var issuedOn: String?
    var sourceURL: String?
    var campaignID: Int64?
    var actionID: Int64?
    var status: StatementStatus
    var visibility: Visibility
    var createdAt: Date
    var updatedAt: Date

    init(_ statement: PicketlineCore.Statement) {
        id = statement.id; slug = statement.slug; title = statement.title; body = statement.body
        issuedOn = statement.issuedOn; sourceURL = statement.sourceURL; campaignID = statement.campaignID
        actionID = statement.actionID; status = statement.status; visibility = statement.visibility
        createdAt = statement.createdAt; updatedAt = statement.updatedAt
    }

    func statement(demands: [String]) -> PicketlineCore.Statement {
        PicketlineCore.Statement(id: id, slug: slug, title: title, body: body, demands: demands, issuedOn: issuedOn,
                  sourceURL: sourceURL, campaignID: campaignID, actionID: actionID, status: status,
                  visibility: visibility, createdAt: createdAt, updatedAt: updatedAt)
    }
}

extension Database {
    /// Inserts a record letting the database assign its id, and returns that id.
    func insertAssigningID<R: EncodableRecord & TableRecord>(_ record: R) throws -> Int64 {
        var columns = try record.databaseDictionary
        columns.removeValue(forKey: "id")
        let names = columns.keys.sorted()
        let sql = "INSERT INTO \(R.databaseTableName) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))"
        try cachedStatement(sql: sql).execute(arguments: StatementArguments(names.map { columns[$0]! }))
        return lastInsertedRowID
    }
}

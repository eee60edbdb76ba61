import Foundation
import GRDB
import PicketlineCore

/// The part of an attendance any subscriber may see.
struct AttendancePayload: Encodable {
    var attendance: PublicAttendance
    var previousStatus: AttendanceStatus?

    struct PublicAttendance: Encodable {
        var id: Int64
        var actionID: Int64
        var status: AttendanceStatus
        var waitlisted: Bool
        var attended: Bool
    }

    init(_ attendance: Attendance, previousStatus: AttendanceStatus? = nil) {
        self.attendance = PublicAttendance(id: attendance.id, actionID: attendance.actionID, status: attendance.status,
                                           waitlisted: attendance.waitlisted, attended: attendance.attended)
        self.previousStatus = previousStatus
    }

    /// The same text `PicketlineJSON` would give, written directly (the RSVP path).
    var json: String {
        var inner = JSONObjectWriter()
        inner.field("action_id", attendance.actionID)
        inner.field("attended", attendance.attended)
        inner.field("id", attendance.id)
        inner.field("status", attendance.status.rawValue)
        inner.field("waitlisted", attendance.waitlisted)
        var outer = JSONObjectWriter()
        outer.field("attendance", object: inner)
        outer.field("previous_status", previousStatus?.rawValue)
        return outer.string
    }
}

extension Attendance {
    /// Someone who no longer holds a place (declined) is not counted as present: a check-in
    /// recorded before goes with the place.
    mutating func clearCheckIn() {
        attended = false
        checkedInAt = nil
    }
}

/// Names and contact details: only for subscriptions granted personal data.
struct AttendancePersonalData: Encodable {
    var name: String
    var email: String?
    var phone: String?
    var consentToContact: Bool

    init(_ attendance: Attendance) {
        name = attendance.name; email = attendance.email; phone = attendance.phone
        consentToContact = attendance.consentToContact
    }

    /// The same text `PicketlineJSON` would give, written directly (the RSVP path).
    var json: String {
        var writer = JSONObjectWriter()
        writer.field("consent_to_contact", consentToContact)
        writer.field("email", email)
        writer.field("name", name)
        writer.field("phone", phone)
        return writer.string
    }
}

struct HeadcountPayload: Encodable { var headcount: Headcount }

extension SQLiteStore {
    public func rsvp(action reference: String, _ rsvp: RSVP, publicOnly: Bool,
                     mayUpdate: @escaping @Sendable (Int64) -> Bool) async throws -> RSVPOutcome {
        let rsvp = try rsvp.validated()
        // Every refusal (unknown, private, cancelled or past action) comes before the first change.
        return try await write(throwsBeforeChanges: true) { db, now in
            let action = try db.rsvpGate(reference)
            if publicOnly && action.visibility != .public {
                throw PicketlineError.notFound(entity: "action", reference: reference)
            }
            guard action.status != .cancelled else {
                throw PicketlineError.conflict(field: "action", reason: "\(action.title) is cancelled")
            }
            let stamp = RFC3339.databaseString(from: now)
            guard action.closesAt > stamp else {
                throw PicketlineError.conflict(field: "action", reason: "\(action.title) is over")
            }
            // Most RSVPs are new. With an e-mail alone, the insert itself finds an earlier answer
            // (the unique index on action and e-mail), so nothing is read first. A phone number is
            // compared by its digits (however it was spaced) and looked up: without an e-mail, any
            // answer from that number is this person's; with one, an answer from that e-mail
            // first, else an answer from that number that gave no e-mail (the same person adding
            // it). An answer from the number with another e-mail is someone else's (a shared phone).
            var existingID: Int64?
            if let phone = rsvp.phone {
                if let email = rsvp.email {
                    existingID = try db.attendanceID(action: action.id, email: email)
                        ?? db.attendanceID(action: action.id, phone: phone, withoutEmail: true)
                } else {
                    existingID = try db.attendanceID(action: action.id, phone: phone, withoutEmail: false)
                }
            }
            if existingID == nil {
                let waitlisted = rsvp.status.holdsPlace ? try !db.hasFreePlace(actionID: action.id, capacity: action.capacity) : false
                if let id = try db.insertAttendance(rsvp, actionID: action.id, waitlisted: waitlisted, stamp: stamp) {
                    let attendance = Attendance(
                        id: id, actionID: action.id, name: rsvp.name, email: rsvp.email, phone: rsvp.phone,
                        consentToContact: rsvp.consentToContact ?? false, status: rsvp.status, waitlisted: waitlisted, attended: false,
                        checkedInAt: nil, createdAt: now, updatedAt: now)
                    try db.appendEvent(EventType.attendanceCreated, subject: "attendance", subjectID: id,
                                       actionID: action.id, campaignID: action.campaignID, at: now,
                                       payloadJSON: AttendancePayload(attendance).json,
                                       personalDataJSON: AttendancePersonalData(attendance).json)
                    return RSVPOutcome(attendance: attendance, created: true)
                }
                if let email = rsvp.email { existingID = try db.attendanceID(action: action.id, email: email) }
            }
            // The same person again: their answer is updated, the place they held kept or freed;
            // if the caller may (an anonymous one proves it with the first answer's manage token).
            guard let existingID, var attendance = try db.attendance(id: existingID) else {
                throw PicketlineError.unavailable(detail: "an earlier RSVP to \(action.title) vanished during this one")
            }
            guard mayUpdate(existingID) else {
                let byEmail = rsvp.email != nil && attendance.email == rsvp.email
                throw PicketlineError.conflict(
                    field: byEmail ? "email" : "phone",
                    reason: "this \(byEmail ? "e-mail address" : "phone number") has already answered for \(action.title); "
                        + "to change the answer, send the manage_token given with the first one, or ask the organisers")
            }
            let before = attendance
            attendance.name = rsvp.name
            attendance.email = attendance.email ?? rsvp.email
            attendance.phone = rsvp.phone ?? attendance.phone
            if let consent = rsvp.consentToContact { attendance.consentToContact = consent }
            attendance.status = rsvp.status
            attendance.updatedAt = now
            let hadPlace = before.status.holdsPlace && !before.waitlisted
            if rsvp.status.holdsPlace && !hadPlace {
                attendance.waitlisted = try !db.hasFreePlace(actionID: action.id, capacity: action.capacity)
            } else if !rsvp.status.holdsPlace {
                attendance.waitlisted = false
                attendance.clearCheckIn()
            }
            try db.saveAttendance(attendance, waitlistedBefore: before.waitlisted, at: now)
            try db.appendEvent(EventType.attendanceUpdated, subject: "attendance", subjectID: attendance.id,
                               actionID: action.id, campaignID: action.campaignID, at: now,
                               payload: AttendancePayload(attendance, previousStatus: before.status),
                               personalData: AttendancePersonalData(attendance))
            if hadPlace && !(attendance.status.holdsPlace) {
                try db.promoteWaitlisted(actionID: action.id, capacity: action.capacity, campaignID: action.campaignID, at: now)
            }
            return RSVPOutcome(attendance: try db.attendance(id: attendance.id)!, created: false)
        }
    }

    public func attendance(_ id: Int64) async throws -> Attendance {
        try await read { db in
            guard let attendance = try db.attendance(id: id) else {
                throw PicketlineError.notFound(entity: "attendance", reference: String(id))
            }
            return attendance
        }
    }

    public func attendances(action: String) async throws -> [Attendance] {
        try await read { db in
            let action = try db.action(action)
            return try Attendance.filter(Column("action_id") == action.id).order(Column("id")).fetchAll(db)
        }
    }

    public func setAttendanceStatus(_ id: Int64, _ status: AttendanceStatus) async throws -> Attendance {
        try await write { db, now in
            guard var attendance = try db.attendance(id: id) else {
                throw PicketlineError.notFound(entity: "attendance", reference: String(id))
            }
            let before = attendance
            guard before.status != status else { return attendance }
            let action = try ActionRecord.fetchOne(db, key: attendance.actionID)!.action
            let hadPlace = before.status.holdsPlace && !before.waitlisted
            attendance.status = status
            attendance.updatedAt = now
            if status.holdsPlace && !hadPlace {
                attendance.waitlisted = try !db.hasFreePlace(action: action)
            } else if !status.holdsPlace {
                attendance.waitlisted = false
                attendance.clearCheckIn()
            }
            try db.saveAttendance(attendance, waitlistedBefore: before.waitlisted, at: now)
            try db.appendEvent(EventType.attendanceUpdated, subject: "attendance", subjectID: id, actionID: action.id,
                               campaignID: action.campaignID, at: now,
                               payload: AttendancePayload(attendance, previousStatus: before.status),
                               personalData: AttendancePersonalData(attendance))
            if hadPlace && !status.holdsPlace { try db.promoteWaitlisted(action: action, at: now) }
            return try db.attendance(id: id)!
        }
    }

    public func checkIn(_ id: Int64) async throws -> Attendance {
        try await write { db, now in
            guard var attendance = try db.attendance(id: id) else {
                throw PicketlineError.notFound(entity: "attendance", reference: String(id))
            }
            guard !attendance.attended else { return attendance }
            let action = try ActionRecord.fetchOne(db, key: attendance.actionID)!.action
            guard action.status != .cancelled else {
                throw PicketlineError.conflict(field: "action", reason: "\(action.title) is cancelled")
            }
            // Present means holding a place: someone who declined answers again first, and someone
            // on the waitlist is checked in once a place is theirs (promotion is automatic).
            guard attendance.status != .declined else {
                throw PicketlineError.conflict(field: "status", reason: "\(attendance.name) declined; record their new answer (accepted) before checking them in")
            }
            guard !attendance.waitlisted else {
                throw PicketlineError.conflict(field: "waitlisted", reason: "\(attendance.name) is on the waitlist; they can be checked in once a place is theirs")
            }
            attendance.attended = true
            attendance.checkedInAt = now
            attendance.updatedAt = now
            try attendance.update(db)
            try db.appendEvent(EventType.attendanceCheckedIn, subject: "attendance", subjectID: id, actionID: action.id,
                               campaignID: action.campaignID, at: now, payload: AttendancePayload(attendance),
                               personalData: AttendancePersonalData(attendance))
            return attendance
        }
    }

    public func attendanceSummary(action: String) async throws -> AttendanceSummary {
        try await read { db in
            let action = try db.action(action)
            func count(_ condition: String) throws -> Int {
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM attendances WHERE action_id = ? AND \(condition)",
                                 arguments: [action.id]) ?? 0
            }
            return AttendanceSummary(
                accepted: try count("status = 'accepted' AND NOT waitlisted"),
                tentative: try count("status = 'tentative' AND NOT waitlisted"),
                declined: try count("status = 'declined'"),
                needsAction: try count("status = 'needs action'"),
                waitlisted: try count("waitlisted"),
                attended: try count("attended"),
                capacity: action.capacity,
                latestHeadcount: try Int.fetchOne(db, sql: """
                    SELECT count FROM headcounts WHERE action_id = ? ORDER BY counted_at DESC, id DESC LIMIT 1
                    """, arguments: [action.id]))
        }
    }

    public func recordHeadcount(action: String, count: Int, countedAt: Date?, note: String?) async throws -> Headcount {
        let note = try Headcount.validate(count: count, note: note)
        return try await write { db, now in
            let action = try db.action(action)
            var headcount = Headcount(id: 0, actionID: action.id, count: count, countedAt: countedAt ?? now, note: note,
                                      createdAt: now)
            headcount.id = try db.insertAssigningID(headcount)
            try db.appendEvent(EventType.headcountRecorded, subject: "headcount", subjectID: headcount.id,
                               actionID: action.id, campaignID: action.campaignID, at: now,
                               payload: HeadcountPayload(headcount: headcount))
            return headcount
        }
    }

    public func headcounts(action: String) async throws -> [Headcount] {
        try await read { db in
            let action = try db.action(action)
            return try Headcount.filter(Column("action_id") == action.id)
                .order(Column("counted_at"), Column("id")).fetchAll(db)
        }
    }
}

extension Database {
    /// Places taken: RSVPs that hold a place and are not waitlisted.
    func placesTaken(actionID: Int64) throws -> Int {
        try Int.fetchOne(cachedStatement(sql: """
            SELECT COUNT(*) FROM attendances
            WHERE action_id = ? AND NOT waitlisted AND status IN ('accepted', 'tentative')
            """), arguments: [actionID]) ?? 0
    }

    func hasFreePlace(action: Action) throws -> Bool {
        try hasFreePlace(actionID: action.id, capacity: action.capacity)
    }

    func hasFreePlace(actionID: Int64, capacity: Int?) throws -> Bool {
        guard let capacity else { return true }
        return try placesTaken(actionID: actionID) < capacity
    }

    /// What an RSVP needs to know of its action, found by id or slug as `action(_:)` finds it:
    /// seven columns read by position, the closing time computed by SQLite. The whole action
    /// (26 columns, each found by name, two dates parsed) was an eighth of the writer's time per RSVP.
    func rsvpGate(_ reference: String) throws -> RSVPGate {
        try findAction(reference) { key in
            let statement = try BoundStatement(self, sql: RSVPGate.select + " WHERE \(key.column) = ?")
            statement.reset()
            switch key {
            case .id(let id): statement.bind(1, id)
            case .slug(let slug): statement.bind(1, slug)
            }
            defer { statement.reset() }
            return try statement.next() ? try RSVPGate(statement) : nil
        }
    }

    /// One RSVP by id, through a statement prepared once per connection: the query interface's
    /// `fetchOne(_:key:)` compiled its SQL at every call, a quarter of serve's CPU when the same
    /// e-mail answered again and again (a double submit, or someone hammering the form).
    func attendance(id: Int64) throws -> Attendance? {
        try Attendance.fetchOne(cachedStatement(sql: "SELECT * FROM attendances WHERE id = ?"), arguments: [id])
    }

    /// The RSVP given from this e-mail to the action, if any.
    func attendanceID(action actionID: Int64, email: String) throws -> Int64? {
        try singleID("SELECT id FROM attendances WHERE action_id = ? AND email = ?", actionID, email)
    }

    /// An RSVP given from this phone number to the action, compared by `Validation.phoneKey`
    /// (the stored numbers keep the spacing people gave): with `withoutEmail`, only one that gave
    /// no e-mail; otherwise one of those first, else the one answer from the number. A number two
    /// people answered from with their own e-mails names neither: that is refused, naming the
    /// phone, rather than one of them being changed (found by QA).
    func attendanceID(action actionID: Int64, phone: String, withoutEmail: Bool) throws -> Int64? {
        // The characters Validation.phone allows, less the digits and `+`, taken out in SQL.
        let key = "replace(replace(replace(replace(replace(phone, ' ', ''), '(', ''), ')', ''), '-', ''), '.', '')"
        let statement = try BoundStatement(self, sql: """
            SELECT id, email FROM attendances WHERE action_id = ? AND phone IS NOT NULL AND \(key) = ?
            \(withoutEmail ? "AND email IS NULL" : "") ORDER BY email IS NOT NULL, id LIMIT 2
            """)
        statement.reset()
        defer { statement.reset() }
        statement.bind(1, actionID)
        statement.bind(2, Validation.phoneKey(phone))
        guard try statement.next() else { return nil }
        let first = statement.int64(0)
        if try statement.isNull(1) || !statement.next() { return first }
        throw PicketlineError.conflict(field: "phone", reason: """
            more than one person answered from this phone number, each with an e-mail address; give the e-mail address too
            """)
    }

    private func singleID(_ sql: String, _ actionID: Int64, _ text: String) throws -> Int64? {
        let statement = try BoundStatement(self, sql: sql)
        statement.reset()
        defer { statement.reset() }
        statement.bind(1, actionID)
        statement.bind(2, text)
        return try statement.next() ? statement.int64(0) : nil
    }

    /// Records a new RSVP and returns its id, or nil when this e-mail already answered for this
    /// action (nothing is written then). `stamp` is the time in the stored text form.
    func insertAttendance(_ rsvp: RSVP, actionID: Int64, waitlisted: Bool, stamp: String) throws -> Int64? {
        let statement = try BoundStatement(self, sql: """
            INSERT INTO attendances (action_id, name, email, phone, consent_to_contact, status, waitlisted, waitlisted_at,
                                     attended, created_at, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, FALSE, ?9, ?9)
            ON CONFLICT (action_id, email) WHERE email IS NOT NULL DO NOTHING
            """)
        statement.reset()
        statement.bind(1, actionID)
        statement.bind(2, rsvp.name)
        statement.bind(3, rsvp.email)
        statement.bind(4, rsvp.phone)
        statement.bind(5, rsvp.consentToContact ?? false)
        statement.bind(6, rsvp.status.rawValue)
        statement.bind(7, waitlisted)
        statement.bind(8, waitlisted ? stamp : nil)
        statement.bind(9, stamp)
        try statement.run()
        return statement.changes() == 1 ? lastInsertedRowID : nil
    }

    /// Writes an attendance, stamping `waitlisted_at` when it joins the waitlist.
    func saveAttendance(_ attendance: Attendance, waitlistedBefore: Bool, at now: Date) throws {
        try attendance.update(self)
        if attendance.waitlisted && !waitlistedBefore {
            try execute(sql: "UPDATE attendances SET waitlisted_at = ? WHERE id = ?", arguments: [now, attendance.id])
        } else if !attendance.waitlisted {
            try execute(sql: "UPDATE attendances SET waitlisted_at = NULL WHERE id = ?", arguments: [attendance.id])
        }
    }

    /// Gives free places to waitlisted supporters, first come first served; each promotion is an event.
    func promoteWaitlisted(action: Action, at now: Date) throws {
        try promoteWaitlisted(actionID: action.id, capacity: action.capacity, campaignID: action.campaignID, at: now)
    }

    func promoteWaitlisted(actionID: Int64, capacity: Int?, campaignID: Int64?, at now: Date) throws {
        let free: Int
        if let capacity {
            free = capacity - (try placesTaken(actionID: actionID))
        } else {
            free = Int.max
        }
        guard free > 0 else { return }
        let waiting = try Attendance.fetchAll(self, sql: """
            SELECT * FROM attendances WHERE action_id = ? AND waitlisted ORDER BY waitlisted_at, id LIMIT ?
            """, arguments: [actionID, min(free, 1_000_000)])
        for var attendance in waiting {
            attendance.waitlisted = false
            attendance.updatedAt = now
            try saveAttendance(attendance, waitlistedBefore: true, at: now)
            try appendEvent(EventType.attendancePromoted, subject: "attendance", subjectID: attendance.id,
                            actionID: actionID, campaignID: campaignID, at: now,
                            payload: AttendancePayload(attendance), personalData: AttendancePersonalData(attendance))
        }
    }
}

/// The columns of an action an RSVP checks and records (`Database.rsvpGate`).
struct RSVPGate {
    /// Dates stay in their stored text form ("2022-01-08 12:00:00.000", UTC), which orders as the
    /// instants do: an action takes RSVPs until its end, or three hours after its start when it
    /// has no end.
    static let select = """
        SELECT id, title, status, visibility, capacity, campaign_id,
               COALESCE(ends_at, strftime('%Y-%m-%d %H:%M:%f', starts_at, '+3 hours'))
        FROM actions
        """

    var id: Int64
    var title: String
    var status: ActionStatus
    var visibility: Visibility
    var capacity: Int?
    var campaignID: Int64?
    /// When the action stops taking RSVPs, in the stored text form.
    var closesAt: String

    init(_ row: BoundStatement) throws {
        id = row.int64(0)
        title = row.text(1) ?? ""
        status = try Row.stored(ActionStatus.self, row.text(2) ?? "", column: "status")
        visibility = try Row.stored(Visibility.self, row.text(3) ?? "", column: "visibility")
        capacity = row.optionalInt64(4).map(Int.init)
        campaignID = row.optionalInt64(5)
        closesAt = row.text(6) ?? ""
    }
}

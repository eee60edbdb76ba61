import Foundation
import GRDB
import PicketlineCore

struct SpeakerPayload: Encodable {
    var speaker: Speaker
    var organisation: Organisation?
    var actionID: Int64
}

struct LineupPayload: Encodable {
    var actionID: Int64
    var speakerIDs: [Int64]
}

extension SQLiteStore {
    public func addSpeaker(action: String, _ draft: SpeakerDraft) async throws -> Speaker {
        let draft = try draft.validated()
        return try await write { db, now in
            let action = try db.action(action)
            let organisation = try draft.organisation.map {
                try Organisation.fetchOne(db, key: try db.id(in: "organisations", entity: "organisation", reference: $0))!
            }
            if draft.role == .chair, draft.state != .withdrawn { try db.checkNoOtherChair(actionID: action.id, except: nil) }
            // Positions count the line-up as shown: withdrawn speakers come after everyone else.
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM speakers WHERE action_id = ? AND state <> 'withdrawn'",
                                         arguments: [action.id]) ?? 0
            let position = min(draft.position ?? count + 1, count + 1)
            try db.execute(sql: "UPDATE speakers SET position = position + 1 WHERE action_id = ? AND position >= ?",
                           arguments: [action.id, position])
            var speaker = Speaker(id: 0, actionID: action.id, name: draft.name, organisationID: organisation?.id,
                                  affiliation: draft.affiliation, role: draft.role, position: position, state: draft.state,
                                  createdAt: now, updatedAt: now)
            speaker.id = try db.insertAssigningID(speaker)
            try db.renumberLineup(actionID: action.id)
            speaker.position = try Int.fetchOne(db, sql: "SELECT position FROM speakers WHERE id = ?", arguments: [speaker.id])!
            // Added, and confirmed too when added confirmed: a subscriber to either hears of them,
            // as when the two happen one after the other.
            for type in draft.state == .confirmed ? [EventType.speakerAdded, EventType.speakerConfirmed] : [EventType.speakerAdded] {
                try db.appendEvent(type, subject: "speaker", subjectID: speaker.id, actionID: action.id,
                                   campaignID: action.campaignID, at: now,
                                   payload: SpeakerPayload(speaker: speaker, organisation: organisation, actionID: action.id))
            }
            return speaker
        }
    }

    public func lineup(action: String, includeWithdrawn: Bool) async throws -> [LineupEntry] {
        try await read { db in try db.lineup(actionID: try db.action(action).id, includeWithdrawn: includeWithdrawn) }
    }

    public func speaker(_ id: Int64) async throws -> Speaker {
        try await read { db in
            guard let speaker = try Speaker.fetchOne(db, key: id) else {
                throw PicketlineError.notFound(entity: "speaker", reference: String(id))
            }
            return speaker
        }
    }

    public func setSpeakerState(_ id: Int64, _ state: ParticipationState) async throws -> Speaker {
        try await write { db, now in
            guard var speaker = try Speaker.fetchOne(db, key: id) else {
                throw PicketlineError.notFound(entity: "speaker", reference: String(id))
            }
            guard speaker.state != state else { return speaker }
            if speaker.role == .chair, speaker.state == .withdrawn { try db.checkNoOtherChair(actionID: speaker.actionID, except: id) }
            let renumbers = speaker.state == .withdrawn || state == .withdrawn
            speaker.state = state
            speaker.updatedAt = now
            try speaker.update(db)
            if renumbers {
                // Withdrawn: to the end, after the line-up; back: last of the line-up.
                try db.execute(sql: "UPDATE speakers SET position = ? WHERE id = ?", arguments: [Int.max / 2, id])
                try db.renumberLineup(actionID: speaker.actionID)
                speaker = try Speaker.fetchOne(db, key: id)!
            }
            let action = try ActionRecord.fetchOne(db, key: speaker.actionID)!.action
            let organisation = try speaker.organisationID.flatMap { try Organisation.fetchOne(db, key: $0) }
            let type = switch state {
            case .confirmed: EventType.speakerConfirmed
            case .withdrawn: EventType.speakerWithdrawn
            case .invited: EventType.speakerInvited
            }
            try db.appendEvent(type, subject: "speaker", subjectID: id, actionID: action.id, campaignID: action.campaignID,
                               at: now, payload: SpeakerPayload(speaker: speaker, organisation: organisation, actionID: action.id))
            return speaker
        }
    }

    public func moveSpeaker(_ id: Int64, to position: Int) async throws -> [LineupEntry] {
        guard position >= 1 else { throw PicketlineError.invalid(field: "position", reason: "must be 1 or more") }
        return try await write { db, now in
            guard let speaker = try Speaker.fetchOne(db, key: id) else {
                throw PicketlineError.notFound(entity: "speaker", reference: String(id))
            }
            guard speaker.state != .withdrawn else {
                throw PicketlineError.conflict(field: "speaker", reason: "\(speaker.name) has withdrawn; bring them back first (speaker confirm, or state confirmed or invited)")
            }
            var ids = try Int64.fetchAll(db, sql: """
                SELECT id FROM speakers WHERE action_id = ? AND state <> 'withdrawn' ORDER BY position, id
                """, arguments: [speaker.actionID])
            ids.removeAll { $0 == id }
            ids.insert(id, at: min(position, ids.count + 1) - 1)
            for (index, speakerID) in ids.enumerated() {
                try db.execute(sql: "UPDATE speakers SET position = ?, updated_at = ? WHERE id = ?",
                               arguments: [index + 1, now, speakerID])
            }
            try db.renumberLineup(actionID: speaker.actionID)
            let action = try ActionRecord.fetchOne(db, key: speaker.actionID)!.action
            try db.appendEvent(EventType.lineupReordered, subject: "action", subjectID: action.id, actionID: action.id,
                               campaignID: action.campaignID, at: now,
                               payload: LineupPayload(actionID: action.id, speakerIDs: ids))
            return try db.lineup(actionID: speaker.actionID, includeWithdrawn: false)
        }
    }
}

extension Database {
    /// Numbers the line-up 1, 2, 3 … in its order, withdrawn speakers after everyone else, so
    /// that the positions shown have no gaps.
    func renumberLineup(actionID: Int64) throws {
        let ids = try Int64.fetchAll(self, sql: """
            SELECT id FROM speakers WHERE action_id = ? ORDER BY state = 'withdrawn', position, id
            """, arguments: [actionID])
        for (index, id) in ids.enumerated() {
            try execute(sql: "UPDATE speakers SET position = ? WHERE id = ? AND position <> ?", arguments: [index + 1, id, index + 1])
        }
    }

    /// One chair per action: another speaker in the line-up (not withdrawn) already chairing is a conflict.
    func checkNoOtherChair(actionID: Int64, except id: Int64?) throws {
        if let name = try String.fetchOne(self, sql: """
            SELECT name FROM speakers WHERE action_id = ? AND role = 'chair' AND state <> 'withdrawn' AND id IS NOT ?
            """, arguments: [actionID, id]) {
            throw PicketlineError.conflict(field: "role", reason: "\(name) already chairs this action; withdraw them first, or add this speaker in another role")
        }
    }

    func lineup(actionID: Int64, includeWithdrawn: Bool) throws -> [LineupEntry] {
        let speakers = try Speaker.fetchAll(self, sql: """
            SELECT * FROM speakers WHERE action_id = ? \(includeWithdrawn ? "" : "AND state <> 'withdrawn'")
            ORDER BY position, id
            """, arguments: [actionID])
        return try speakers.map { speaker in
            LineupEntry(speaker: speaker, organisation: try speaker.organisationID.flatMap { try Organisation.fetchOne(self, key: $0) })
        }
    }
}

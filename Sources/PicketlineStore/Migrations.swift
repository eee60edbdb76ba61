import GRDB

/// The schema, as migrations registered once and never edited after they ship.
/// SQL is kept portable (no SQLite-only types beyond INTEGER PRIMARY KEY) for the planned
/// PostgreSQL store.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-domain") { db in
            try db.execute(sql: """
            CREATE TABLE campaigns (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                description TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE organisations (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                slug TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                website TEXT,
                email TEXT,
                country TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE actions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                slug TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                title TEXT NOT NULL,
                description TEXT,
                target TEXT,
                venue TEXT,
                address_lines TEXT NOT NULL DEFAULT '[]',
                locality TEXT,
                region TEXT,
                postal_code TEXT,
                country TEXT,
                latitude DOUBLE PRECISION,
                longitude DOUBLE PRECISION,
                location_public BOOLEAN NOT NULL DEFAULT TRUE,
                starts_at TEXT NOT NULL,
                ends_at TEXT,
                time_zone TEXT NOT NULL,
                status TEXT NOT NULL,
                visibility TEXT NOT NULL,
                capacity INTEGER,
                campaign_id INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
                source_url TEXT,
                revision INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE INDEX actions_starts_at ON actions(starts_at);
            CREATE INDEX actions_campaign ON actions(campaign_id);
            CREATE INDEX actions_updated_at ON actions(updated_at);
            CREATE TABLE endorsements (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
                organisation_id INTEGER NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                state TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (action_id, organisation_id)
            );
            CREATE INDEX endorsements_organisation ON endorsements(organisation_id);
            CREATE TABLE speakers (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
                affiliation TEXT,
                role TEXT NOT NULL,
                position INTEGER NOT NULL,
                state TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE INDEX speakers_action ON speakers(action_id, position);
            CREATE TABLE attendances (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                email TEXT,
                phone TEXT,
                consent_to_contact BOOLEAN NOT NULL DEFAULT FALSE,
                status TEXT NOT NULL,
                waitlisted BOOLEAN NOT NULL DEFAULT FALSE,
                waitlisted_at TEXT,
                attended BOOLEAN NOT NULL DEFAULT FALSE,
                checked_in_at TEXT,
                anonymised_at TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE INDEX attendances_action ON attendances(action_id, waitlisted, status);
            CREATE UNIQUE INDEX attendances_action_email ON attendances(action_id, email) WHERE email IS NOT NULL;
            CREATE TABLE headcounts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
                count INTEGER NOT NULL,
                counted_at TEXT NOT NULL,
                note TEXT,
                created_at TEXT NOT NULL
            );
            CREATE INDEX headcounts_action ON headcounts(action_id, counted_at);
            CREATE TABLE statements (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                slug TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                body TEXT NOT NULL,
                issued_on TEXT,
                source_url TEXT,
                campaign_id INTEGER REFERENCES campaigns(id) ON DELETE SET NULL,
                action_id INTEGER REFERENCES actions(id) ON DELETE SET NULL,
                status TEXT NOT NULL,
                visibility TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE statement_demands (
                statement_id INTEGER NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                text TEXT NOT NULL,
                PRIMARY KEY (statement_id, position)
            );
            CREATE TABLE signatures (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                statement_id INTEGER NOT NULL REFERENCES statements(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                organisation_id INTEGER REFERENCES organisations(id) ON DELETE SET NULL,
                name TEXT NOT NULL,
                affiliation TEXT,
                email TEXT,
                signed_at TEXT NOT NULL,
                withdrawn_at TEXT
            );
            CREATE INDEX signatures_statement ON signatures(statement_id, id);
            CREATE UNIQUE INDEX signatures_active_organisation ON signatures(statement_id, organisation_id)
                WHERE organisation_id IS NOT NULL AND withdrawn_at IS NULL;
            CREATE UNIQUE INDEX signatures_active_email ON signatures(statement_id, email)
                WHERE email IS NOT NULL AND withdrawn_at IS NULL;
            CREATE TABLE incidents (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                occurred_at TEXT NOT NULL,
                description TEXT NOT NULL,
                people_concerned TEXT,
                state TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE TABLE incident_updates (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
                state TEXT NOT NULL,
                note TEXT,
                created_at TEXT NOT NULL
            );
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                event_id TEXT NOT NULL UNIQUE,
                type TEXT NOT NULL,
                occurred_at TEXT NOT NULL,
                subject_type TEXT NOT NULL,
                subject_id INTEGER NOT NULL,
                action_id INTEGER,
                campaign_id INTEGER,
                payload TEXT NOT NULL,
                personal_data TEXT
            );
            """)
        }
        migrator.registerMigration("v2-api-tokens") { db in
            try db.execute(sql: """
            CREATE TABLE api_tokens (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL,
                role TEXT NOT NULL,
                organisation_id INTEGER REFERENCES organisations(id) ON DELETE CASCADE,
                token_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                last_used_at TEXT,
                revoked_at TEXT
            );
            """)
        }
        migrator.registerMigration("v3-webhooks") { db in try db.execute(sql: webhooksSQL) }
        migrator.registerMigration("v3-scheduler") { db in try db.execute(sql: schedulerSQL) }
        // A fan-out adds one delivery per subscription: in an index on (subscription_id, id) those
        // land on every leaf page, so each call-out rewrote the whole index (and more of it as the
        // history grew). Only open deliveries are looked up by subscription on a hot path (to
        // cancel them when it is disabled): index those. Listing a webhook's deliveries and
        // removing a webhook scan the table instead, which the retention schedule keeps short.
        migrator.registerMigration("v4-open-deliveries-by-subscription") { db in
            try db.execute(sql: """
                DROP INDEX webhook_deliveries_subscription;
                CREATE INDEX webhook_deliveries_open_by_subscription ON webhook_deliveries(subscription_id)
                    WHERE status IN ('pending', 'delivering');
                """)
        }
        // `AUTOINCREMENT` made every RSVP read and rewrite `sqlite_sequence` twice (its attendance,
        // its outbox event): 6-10 us of CPU per RSVP, measured on a database rebuilt this way.
        // What it guarantees, that an id is never handed out again, plain rowids give as long as
        // the newest row of a table is never deleted: nothing deletes attendances or outbox events
        // (people's data is anonymised in place, the outbox is append-only), and the dispatcher's
        // cursor ("events after id N") depends on that. A future prune of either table must keep
        // its newest row (see `dropAutoincrement` for how the tables are rebuilt).
        migrator.registerMigration("v5-rowids-for-attendances-and-outbox") { db in
            for table in ["attendances", "outbox"] { try dropAutoincrement(db, table: table) }
        }
        // The same for the attempt log, which a fan-out appends to once per delivery. In 9 paired
        // runs of 15-20 call-outs to 1,000 webhooks each, on copies of one database with and
        // without this migration, the fan-out from `callout send` made 87-102 % of curl's rate
        // (median 94 %) against 86-96 % (92 %), ahead in 7 of the 9 (behind in the first two);
        // serve's CPU per delivery moved less (by 1-2 us of 74-88). Nothing refers to an attempt's
        // id, and though the retention schedule deletes attempts by age, a new attempt's id is
        // still above every remaining one (SQLite takes the largest plus one), which keeps the
        // order a delivery's attempts are listed in. `webhook_deliveries` keeps `AUTOINCREMENT`:
        // removing a webhook deletes its deliveries, and a delivery id handed out again while the
        // removed one is still in flight would let that attempt be recorded on the new delivery.
        migrator.registerMigration("v6-rowids-for-webhook-attempts") { db in
            try dropAutoincrement(db, table: "webhook_attempts")
        }
        // Keys this instance makes for itself, once (the one that signs RSVPs' manage tokens).
        migrator.registerMigration("v7-instance-keys") { db in
            try db.execute(sql: "CREATE TABLE instance_keys (name TEXT PRIMARY KEY, value BLOB NOT NULL)")
        }
        // Settings the service applied, so that every process acts on the same ones (the default
        // reminder offsets: an admin command run with another configuration rewrote an action's
        // reminders with its own).
        migrator.registerMigration("v8-applied-settings") { db in
            try db.execute(sql: "CREATE TABLE applied_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        }
        return migrator
    }

    /// Rebuilds `table` from its own stored definition without `AUTOINCREMENT`, as SQLite's manual
    /// says (a new table, the rows copied, the old one dropped, the new one renamed, so that foreign
    /// keys naming it still do), and makes its indexes again; GRDB checks the foreign keys once the
    /// migration is done. Does nothing to a table already rebuilt (its stored name is then quoted).
    private static func dropAutoincrement(_ db: Database, table: String) throws {
        let create = "CREATE TABLE \(table) ("
        guard let definition = try String.fetchOne(
            db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", arguments: [table]),
            definition.hasPrefix(create), definition.contains(" AUTOINCREMENT") else { return }
        let indexes = try String.fetchAll(db, sql: """
            SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL
            """, arguments: [table])
        let rebuilt = "CREATE TABLE \(table)_rebuilt (" + definition.dropFirst(create.count)
        try db.execute(sql: rebuilt.replacingOccurrences(of: " AUTOINCREMENT", with: ""))
        try db.execute(sql: "INSERT INTO \(table)_rebuilt SELECT * FROM \(table)")
        try db.execute(sql: "DROP TABLE \(table)")
        try db.execute(sql: "ALTER TABLE \(table)_rebuilt RENAME TO \(table)")
        for index in indexes { try db.execute(sql: index) }
        try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = ?", arguments: [table])
    }
}

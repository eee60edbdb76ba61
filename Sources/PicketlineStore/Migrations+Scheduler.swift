extension Migrations {
    /// "v3-scheduler": reminder policies (per action or per campaign), the reminders made from
    /// them, recurring schedules with their next fire time, and the fire ledger whose unique
    /// key (job, scheduled_for) makes every fire happen at most once.
    static let schedulerSQL = """
    CREATE TABLE reminder_policies (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        action_id INTEGER UNIQUE REFERENCES actions(id) ON DELETE CASCADE,
        campaign_id INTEGER UNIQUE REFERENCES campaigns(id) ON DELETE CASCADE,
        offsets TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK ((action_id IS NULL) <> (campaign_id IS NULL))
    );
    CREATE TABLE reminders (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        offset_seconds INTEGER NOT NULL,
        due_at TEXT NOT NULL,
        state TEXT NOT NULL,
        sent_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (action_id, kind, offset_seconds)
    );
    CREATE INDEX reminders_due ON reminders(state, due_at);
    CREATE TABLE schedules (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        cron TEXT NOT NULL,
        time_zone TEXT NOT NULL,
        catch_up TEXT NOT NULL,
        campaign_id INTEGER REFERENCES campaigns(id) ON DELETE CASCADE,
        organisation_id INTEGER REFERENCES organisations(id) ON DELETE CASCADE,
        days INTEGER NOT NULL,
        state TEXT NOT NULL,
        next_fire_at TEXT,
        last_fired_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX schedules_next_fire ON schedules(state, next_fire_at);
    CREATE TABLE scheduler_ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        job TEXT NOT NULL,
        scheduled_for TEXT NOT NULL,
        fired_at TEXT NOT NULL,
        outbox_id INTEGER,
        detail TEXT,
        UNIQUE (job, scheduled_for)
    );
    """
}

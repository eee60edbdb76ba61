extension Migrations {
    /// "v3-webhooks": subscriptions, call-outs, deliveries (one per event and subscription), the
    /// attempt log, and the cursor up to which the outbox has been expanded into deliveries.
    static let webhooksSQL = """
    CREATE TABLE webhook_subscriptions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        url TEXT NOT NULL,
        description TEXT,
        event_types TEXT NOT NULL,
        campaign_id INTEGER REFERENCES campaigns(id) ON DELETE CASCADE,
        organisation_id INTEGER REFERENCES organisations(id) ON DELETE CASCADE,
        format TEXT NOT NULL,
        personal_data BOOLEAN NOT NULL DEFAULT FALSE,
        state TEXT NOT NULL DEFAULT 'active',
        disabled_reason TEXT,
        disabled_at TEXT,
        secret TEXT NOT NULL,
        previous_secret TEXT,
        previous_secret_expires_at TEXT,
        failing_since TEXT,
        starts_after_event INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE callouts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
        message TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE INDEX callouts_action ON callouts(action_id);
    CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
        subscription_id INTEGER NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
        message_id TEXT NOT NULL UNIQUE,
        event_type TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        first_attempt_at TEXT,
        lease_owner TEXT,
        lease_expires_at TEXT,
        last_status_code INTEGER,
        last_error TEXT,
        delivered_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (outbox_id, subscription_id)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
    CREATE INDEX webhook_deliveries_subscription ON webhook_deliveries(subscription_id, id);
    CREATE TABLE webhook_attempts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
        attempt_number INTEGER NOT NULL,
        attempted_at TEXT NOT NULL,
        status_code INTEGER,
        latency_milliseconds INTEGER NOT NULL,
        response_prefix TEXT,
        error TEXT
    );
    CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, id);
    CREATE TABLE dispatch_cursors (
        name TEXT PRIMARY KEY,
        position INTEGER NOT NULL
    );
    """
}

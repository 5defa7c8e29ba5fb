-- Watchlists, the state of each story that alerts compare against, the alerts and their webhook deliveries.
-- Every rebuild of a timeline takes the next version (store-wide): the alert stage reads the stories above its mark.
ALTER TABLE story_timelines ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX story_timelines_version ON story_timelines(version);

CREATE TABLE watchlists (
    name        TEXT PRIMARY KEY,
    query       TEXT NOT NULL DEFAULT '{}',   -- JSON {q, lang, source, entity, status, event_type, story}
    webhook     TEXT,
    secret      TEXT,
    created_at  TEXT NOT NULL
);

-- What alerts compare a story's next state with (languages, events and their statuses), as of a timeline version.
CREATE TABLE story_alert_state (
    story_id TEXT PRIMARY KEY,
    state    TEXT NOT NULL,
    version  INTEGER NOT NULL
);

CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    watchlist   TEXT NOT NULL,
    story_id    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    title       TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL,
    UNIQUE (watchlist, story_id, kind, subject)   -- each alert once, also across restarts
);
CREATE INDEX alerts_watchlist ON alerts(watchlist, id);

-- The delivery log of webhooks: one row per alert and address, retried with backoff until delivered or given up.
CREATE TABLE alert_deliveries (
    alert_id     INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    url          TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    next_attempt TEXT,
    delivered_at TEXT,
    PRIMARY KEY (alert_id, url)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(status, next_attempt);

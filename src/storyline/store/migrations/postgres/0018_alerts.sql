-- Watchlists, the state of each story that alerts compare against, the alerts and their webhook deliveries.
-- Every rebuild of a timeline takes the next version (store-wide): the alert stage reads the stories above its mark.
ALTER TABLE story_timelines ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX story_timelines_version ON story_timelines(version);

CREATE TABLE watchlists (
    name        TEXT COLLATE "C" PRIMARY KEY,
    query       TEXT COLLATE "C" NOT NULL DEFAULT '{}',   -- JSON {q, lang, source, entity, status, event_type, story}
    webhook     TEXT COLLATE "C",
    secret      TEXT COLLATE "C",
    created_at  TEXT COLLATE "C" NOT NULL
);

-- What alerts compare a story's next state with (languages, events and their statuses), as of a timeline version.
CREATE TABLE story_alert_state (
    story_id TEXT COLLATE "C" PRIMARY KEY,
    state    TEXT COLLATE "C" NOT NULL,
    version  BIGINT NOT NULL
);

CREATE TABLE alerts (
    id          BIGSERIAL PRIMARY KEY,
    watchlist   TEXT COLLATE "C" NOT NULL,
    story_id    TEXT COLLATE "C" NOT NULL,
    kind        TEXT COLLATE "C" NOT NULL,
    subject     TEXT COLLATE "C" NOT NULL,
    title       TEXT COLLATE "C" NOT NULL,
    detail      TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    created_at  TEXT COLLATE "C" NOT NULL,
    UNIQUE (watchlist, story_id, kind, subject)   -- each alert once, also across restarts
);
CREATE INDEX alerts_watchlist ON alerts(watchlist, id);

-- The delivery log of webhooks: one row per alert and address, retried with backoff until delivered or given up.
CREATE TABLE alert_deliveries (
    alert_id     BIGINT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    url          TEXT COLLATE "C" NOT NULL,
    status       TEXT COLLATE "C" NOT NULL DEFAULT 'pending',  -- pending | delivered | failed
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT COLLATE "C",
    next_attempt TEXT COLLATE "C",
    delivered_at TEXT COLLATE "C",
    PRIMARY KEY (alert_id, url)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries(status, next_attempt);

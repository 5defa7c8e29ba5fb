-- The feeds a store follows (storyline sources) and how polling them has gone.
CREATE TABLE watched_feeds (
    url           TEXT PRIMARY KEY,
    title         TEXT,
    added_at      TEXT NOT NULL,
    last_success  TEXT,
    last_error    TEXT,
    failures      INTEGER NOT NULL DEFAULT 0,
    items_seen    INTEGER NOT NULL DEFAULT 0,
    next_poll     TEXT
);

-- What each article claims happened (enrich/claims.py) and each story's timeline (stories/timeline.py).
CREATE TABLE claims (
    article_id     TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,            -- order of the claim in the article
    type           TEXT NOT NULL,
    status         TEXT NOT NULL,
    participants   TEXT NOT NULL DEFAULT '[]',  -- JSON [{key, name, type, role}]
    event_date     TEXT,
    date_precision TEXT,
    attribution    TEXT,
    evidence       TEXT NOT NULL,
    span_start     INTEGER NOT NULL,
    span_end       INTEGER NOT NULL,
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;

-- Articles whose claims were extracted (also those with none), so a re-run skips them.
CREATE TABLE claims_done (
    article_id TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    extractor  TEXT NOT NULL
) WITHOUT ROWID;

-- Built from the story as of `built_seq` (its updated_seq then): older than the story, or -1, means stale.
CREATE TABLE story_timelines (
    story_id  TEXT PRIMARY KEY,
    timeline  TEXT NOT NULL DEFAULT '[]',   -- JSON list of entries, see stories/timeline.py
    built_seq INTEGER NOT NULL
) WITHOUT ROWID;

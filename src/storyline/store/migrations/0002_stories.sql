-- What enrichment found in each article, near-duplicate lookup, and stories.
CREATE TABLE article_analysis (
    article_id  TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    embedder    TEXT NOT NULL,
    embedding   BLOB NOT NULL,             -- float16, L2-normalized: title plus lead
    minhash     BLOB NOT NULL,             -- uint32 signature of word shingles
    entities    TEXT NOT NULL DEFAULT '[]' -- JSON [[key, label, type, count], ...]
);

CREATE TABLE minhash_bands (
    band_key    INTEGER NOT NULL,
    article_id  TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (band_key, article_id)
) WITHOUT ROWID;

-- How many analysed articles mention each entity: the IDF of entity overlap.
CREATE TABLE entity_stats (
    key         TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    type        TEXT NOT NULL,
    articles    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE stories (
    id          TEXT PRIMARY KEY,
    label       TEXT,
    labels      TEXT NOT NULL DEFAULT '{}',  -- JSON {lang: headline of its most central article}
    first_seen  TEXT,
    last_seen   TEXT,
    languages   TEXT NOT NULL DEFAULT '{}',  -- JSON {lang: articles}
    sources     TEXT NOT NULL DEFAULT '{}',  -- JSON {site: articles}
    size        INTEGER NOT NULL DEFAULT 0,  -- members that shaped the centroid (not duplicates)
    members     INTEGER NOT NULL DEFAULT 0,
    number      INTEGER NOT NULL,            -- key in the in-memory ANN index
    centroid    BLOB NOT NULL,               -- float32 sum of member embeddings
    entities    TEXT NOT NULL DEFAULT '{}',  -- JSON {key: mentions}
    exemplars   TEXT NOT NULL DEFAULT '[]',  -- JSON article ids the assignment compares with
    created_seq INTEGER NOT NULL,
    updated_seq INTEGER NOT NULL
);
CREATE INDEX stories_last_seen ON stories(last_seen);

CREATE TABLE story_members (
    article_id   TEXT PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    story_id     TEXT NOT NULL,
    similarity   REAL NOT NULL,             -- the assignment score when it joined (1 for the founder)
    duplicate_of TEXT,                      -- a near-duplicate of this article, when it is one
    assigned_seq INTEGER NOT NULL
);
CREATE INDEX story_members_story ON story_members(story_id);

-- The whole schema, as SQLite has it after its migration 0013 (see ../__init__.py). Text is compared byte-wise
-- (COLLATE "C"), as SQLite does: keyset cursors, id prefixes and date prefixes rely on code-point order.
CREATE TABLE articles (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    title               TEXT COLLATE "C",
    text                TEXT COLLATE "C" NOT NULL,
    lang                TEXT COLLATE "C",
    lang_confidence     DOUBLE PRECISION,
    published           TEXT COLLATE "C",
    published_precision TEXT COLLATE "C",
    timezone_known      INTEGER NOT NULL DEFAULT 0,
    published_ambiguous INTEGER NOT NULL DEFAULT 0,
    published_sort      TEXT COLLATE "C",
    source              TEXT COLLATE "C",
    url                 TEXT COLLATE "C",
    canonical_url       TEXT COLLATE "C",
    sitename            TEXT COLLATE "C",
    authors             TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    comments            TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    truncated           INTEGER NOT NULL DEFAULT 0,
    origin              TEXT COLLATE "C" NOT NULL,
    extractor           TEXT COLLATE "C" NOT NULL,
    ingested_seq        BIGINT NOT NULL,
    ingested_at         TEXT COLLATE "C" NOT NULL,
    fts                 TSVECTOR          -- title (weight A) and text (B), accents folded; plus the language's stems
);
CREATE INDEX articles_lang ON articles(lang);
CREATE INDEX articles_source ON articles(source);
CREATE INDEX articles_published ON articles(published_sort);
CREATE INDEX articles_seq_id ON articles(ingested_seq, id);
CREATE INDEX articles_published_seq ON articles(published_sort, ingested_seq, id);
CREATE INDEX articles_lang_published ON articles(lang, published_sort, ingested_seq);
CREATE INDEX articles_source_published ON articles(source, published_sort, ingested_seq);
CREATE INDEX articles_url ON articles(url);
CREATE INDEX articles_canonical_url ON articles(canonical_url);
CREATE INDEX articles_fts ON articles USING GIN (fts);

CREATE TABLE article_sources (
    article_id  TEXT COLLATE "C" NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    origin_key  TEXT COLLATE "C" NOT NULL,
    url         TEXT COLLATE "C",
    source      TEXT COLLATE "C",
    origin      TEXT COLLATE "C" NOT NULL,
    first_seen  TEXT COLLATE "C" NOT NULL,
    seq         BIGSERIAL,             -- the order sources were added (SQLite: its rowid)
    PRIMARY KEY (article_id, origin_key)
);
CREATE INDEX article_sources_source ON article_sources(source);
CREATE INDEX article_sources_url ON article_sources(url);

CREATE TABLE errors (
    origin      TEXT COLLATE "C" NOT NULL,
    locator     TEXT COLLATE "C" NOT NULL DEFAULT '',
    stage       TEXT COLLATE "C" NOT NULL,
    severity    TEXT COLLATE "C" NOT NULL,
    reason      TEXT COLLATE "C" NOT NULL,
    first_seen  TEXT COLLATE "C" NOT NULL,
    last_seen   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (origin, locator, stage)
);
CREATE INDEX errors_first_seen ON errors(first_seen, origin, locator, stage);

CREATE TABLE article_analysis (
    article_id  TEXT COLLATE "C" PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    embedder    TEXT COLLATE "C" NOT NULL,
    embedding   BYTEA NOT NULL,
    minhash     BYTEA NOT NULL,
    entities    TEXT COLLATE "C" NOT NULL DEFAULT '[]'
);

CREATE TABLE minhash_bands (
    band_key    BIGINT NOT NULL,
    article_id  TEXT COLLATE "C" NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (band_key, article_id)
);

CREATE TABLE entity_stats (
    key         TEXT COLLATE "C" PRIMARY KEY,
    label       TEXT COLLATE "C" NOT NULL,
    type        TEXT COLLATE "C" NOT NULL,
    articles    INTEGER NOT NULL
);
CREATE INDEX entity_stats_articles ON entity_stats(articles, key);

CREATE TABLE stories (
    id          TEXT COLLATE "C" PRIMARY KEY,
    label       TEXT COLLATE "C",
    labels      TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    first_seen  TEXT COLLATE "C",
    last_seen   TEXT COLLATE "C",
    languages   TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    sources     TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    size        INTEGER NOT NULL DEFAULT 0,
    members     INTEGER NOT NULL DEFAULT 0,
    number      BIGINT NOT NULL,
    centroid    BYTEA NOT NULL,
    entities    TEXT COLLATE "C" NOT NULL DEFAULT '{}',
    exemplars   TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    created_seq BIGINT NOT NULL,
    updated_seq BIGINT NOT NULL
);
CREATE INDEX stories_last_seen ON stories(last_seen);
CREATE INDEX stories_updated ON stories(updated_seq);

CREATE TABLE story_members (
    article_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    story_id     TEXT COLLATE "C" NOT NULL,
    similarity   DOUBLE PRECISION NOT NULL,
    duplicate_of TEXT COLLATE "C",
    assigned_seq BIGINT NOT NULL
);
CREATE INDEX story_members_story ON story_members(story_id);

CREATE TABLE claims (
    article_id     TEXT COLLATE "C" NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    type           TEXT COLLATE "C" NOT NULL,
    status         TEXT COLLATE "C" NOT NULL,
    participants   TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    event_date     TEXT COLLATE "C",
    date_precision TEXT COLLATE "C",
    attribution    TEXT COLLATE "C",
    evidence       TEXT COLLATE "C" NOT NULL,
    span_start     INTEGER NOT NULL,
    span_end       INTEGER NOT NULL,
    confidence     DOUBLE PRECISION,
    PRIMARY KEY (article_id, position)
);

CREATE TABLE claims_done (
    article_id TEXT COLLATE "C" PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    extractor  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE story_timelines (
    story_id  TEXT COLLATE "C" PRIMARY KEY,
    timeline  TEXT COLLATE "C" NOT NULL DEFAULT '[]',
    built_seq BIGINT NOT NULL
);

CREATE TABLE stage_marks (
    stage TEXT COLLATE "C" PRIMARY KEY,
    seq   BIGINT NOT NULL
);

CREATE TABLE second_vectors (
    article_id TEXT COLLATE "C" NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    encoder    TEXT COLLATE "C" NOT NULL,
    vector     BYTEA NOT NULL,
    PRIMARY KEY (article_id, encoder)
);

CREATE TABLE story_browse (
    story_id    TEXT COLLATE "C" PRIMARY KEY,
    members     INTEGER NOT NULL,
    n_languages INTEGER NOT NULL,
    n_sources   INTEGER NOT NULL,
    spread      DOUBLE PRECISION NOT NULL,
    first_seen  TEXT COLLATE "C" NOT NULL,
    last_seen   TEXT COLLATE "C" NOT NULL
);
CREATE INDEX story_browse_spread ON story_browse(spread, members, last_seen, story_id);
CREATE INDEX story_browse_recency ON story_browse(last_seen, story_id);
CREATE INDEX story_browse_size ON story_browse(members, last_seen, story_id);
CREATE INDEX story_browse_languages ON story_browse(n_languages, members, last_seen, story_id);
CREATE INDEX story_browse_first_seen ON story_browse(first_seen, story_id);

CREATE TABLE story_facets (
    kind     TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    story_id TEXT COLLATE "C" NOT NULL,
    weight   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (kind, value, story_id)
);
CREATE INDEX story_facets_story ON story_facets(story_id, kind);

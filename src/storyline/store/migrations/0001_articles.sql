-- Articles, where each came from, what failed, and full-text search over title and text.
PRAGMA application_id = 1398033486;  -- 'SSLN': marks the file as a storyline store
CREATE TABLE articles (
    id                  TEXT PRIMARY KEY,
    title               TEXT,
    text                TEXT NOT NULL,
    lang                TEXT,
    lang_confidence     REAL,
    published           TEXT,              -- ISO 8601 truncated to its precision
    published_precision TEXT,              -- year | month | day | minute
    timezone_known      INTEGER NOT NULL DEFAULT 0,
    published_sort      TEXT,              -- full timestamp for ordering and range filters
    source              TEXT,              -- site domain without www.
    url                 TEXT,
    sitename            TEXT,
    authors             TEXT NOT NULL DEFAULT '[]',   -- JSON list
    comments            TEXT NOT NULL DEFAULT '[]',   -- JSON list
    truncated           INTEGER NOT NULL DEFAULT 0,
    origin              TEXT NOT NULL,
    extractor           TEXT NOT NULL,
    ingested_seq        INTEGER NOT NULL,  -- order of first ingestion (undated articles sort by it)
    ingested_at         TEXT NOT NULL
);
CREATE INDEX articles_lang ON articles(lang);
CREATE INDEX articles_source ON articles(source);
CREATE INDEX articles_published ON articles(published_sort);
CREATE INDEX articles_seq ON articles(ingested_seq);

-- One article can be found under several URLs and files: each is a source of it.
CREATE TABLE article_sources (
    article_id  TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    origin_key  TEXT NOT NULL,             -- URL when known, else the file and locator
    url         TEXT,
    source      TEXT,
    origin      TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    PRIMARY KEY (article_id, origin_key)
);
CREATE INDEX article_sources_source ON article_sources(source);

CREATE TABLE errors (
    origin      TEXT NOT NULL,
    locator     TEXT NOT NULL DEFAULT '',
    stage       TEXT NOT NULL,
    severity    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    first_seen  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,
    PRIMARY KEY (origin, locator, stage)
);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, text, content='articles', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.rowid, old.title, old.text);
    INSERT INTO articles_fts(rowid, title, text) VALUES (new.rowid, new.title, new.text);
END;

-- What the web views filter, sort and page on (store/browse.py). Triggers keep these tables in step with
-- `stories` and `story_timelines`, so listing stories never aggregates their members.
CREATE TABLE story_browse (
    story_id    TEXT PRIMARY KEY,
    members     INTEGER NOT NULL,
    n_languages INTEGER NOT NULL,
    n_sources   INTEGER NOT NULL,
    spread      REAL NOT NULL,     -- (1 + ln languages) x (1 + ln sources): the rank of a story with no recent growth
    first_seen  TEXT NOT NULL,     -- '' when undated, so keyset cursors never compare NULLs
    last_seen   TEXT NOT NULL
) WITHOUT ROWID;
-- One index per sort order of the story list; each ends with the id so keyset cursors are total orders.
CREATE INDEX story_browse_spread ON story_browse(spread, members, last_seen, story_id);
CREATE INDEX story_browse_recency ON story_browse(last_seen, story_id);
CREATE INDEX story_browse_size ON story_browse(members, last_seen, story_id);
CREATE INDEX story_browse_languages ON story_browse(n_languages, members, last_seen, story_id);
CREATE INDEX story_browse_first_seen ON story_browse(first_seen, story_id);

-- Story filters: a row per (kind, value) a story has: its languages and sources (weight: articles),
-- entities (weight: mentions) and claim statuses in its timeline (weight: entries).
CREATE TABLE story_facets (
    kind     TEXT NOT NULL,   -- lang | source | entity | status
    value    TEXT NOT NULL,
    story_id TEXT NOT NULL,
    weight   INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (kind, value, story_id)
) WITHOUT ROWID;
CREATE INDEX story_facets_story ON story_facets(story_id, kind);

CREATE TRIGGER stories_browse_insert AFTER INSERT ON stories BEGIN
    INSERT OR REPLACE INTO story_browse (story_id, members, n_languages, n_sources, spread, first_seen, last_seen)
    SELECT NEW.id, NEW.members, l.n, s.n, (1 + ln(max(l.n, 1))) * (1 + ln(max(s.n, 1))),
           COALESCE(NEW.first_seen, ''), COALESCE(NEW.last_seen, '')
    FROM (SELECT COUNT(*) AS n FROM json_each(NEW.languages)) l, (SELECT COUNT(*) AS n FROM json_each(NEW.sources)) s;
    DELETE FROM story_facets WHERE story_id = NEW.id AND kind IN ('lang', 'source', 'entity');
    INSERT OR REPLACE INTO story_facets (kind, value, story_id, weight)
        SELECT 'lang', key, NEW.id, value FROM json_each(NEW.languages)
        UNION ALL SELECT 'source', key, NEW.id, value FROM json_each(NEW.sources)
        UNION ALL SELECT 'entity', key, NEW.id, value FROM json_each(NEW.entities);
END;

CREATE TRIGGER stories_browse_update AFTER UPDATE OF id, members, languages, sources, entities, first_seen, last_seen ON stories BEGIN
    DELETE FROM story_browse WHERE story_id = OLD.id;
    INSERT OR REPLACE INTO story_browse (story_id, members, n_languages, n_sources, spread, first_seen, last_seen)
    SELECT NEW.id, NEW.members, l.n, s.n, (1 + ln(max(l.n, 1))) * (1 + ln(max(s.n, 1))),
           COALESCE(NEW.first_seen, ''), COALESCE(NEW.last_seen, '')
    FROM (SELECT COUNT(*) AS n FROM json_each(NEW.languages)) l, (SELECT COUNT(*) AS n FROM json_each(NEW.sources)) s;
    DELETE FROM story_facets WHERE story_id IN (OLD.id, NEW.id) AND kind IN ('lang', 'source', 'entity');
    INSERT OR REPLACE INTO story_facets (kind, value, story_id, weight)
        SELECT 'lang', key, NEW.id, value FROM json_each(NEW.languages)
        UNION ALL SELECT 'source', key, NEW.id, value FROM json_each(NEW.sources)
        UNION ALL SELECT 'entity', key, NEW.id, value FROM json_each(NEW.entities);
END;

CREATE TRIGGER stories_browse_delete AFTER DELETE ON stories BEGIN
    DELETE FROM story_browse WHERE story_id = OLD.id;
    DELETE FROM story_facets WHERE story_id = OLD.id AND kind IN ('lang', 'source', 'entity');
END;

CREATE TRIGGER story_timelines_browse_insert AFTER INSERT ON story_timelines BEGIN
    DELETE FROM story_facets WHERE story_id = NEW.story_id AND kind = 'status';
    INSERT OR REPLACE INTO story_facets (kind, value, story_id, weight)
        SELECT 'status', json_extract(value, '$.status'), NEW.story_id, COUNT(*) FROM json_each(NEW.timeline)
        WHERE json_type(value, '$.status') = 'text' GROUP BY 2;
END;

CREATE TRIGGER story_timelines_browse_update AFTER UPDATE OF story_id, timeline ON story_timelines BEGIN
    DELETE FROM story_facets WHERE story_id IN (OLD.story_id, NEW.story_id) AND kind = 'status';
    INSERT OR REPLACE INTO story_facets (kind, value, story_id, weight)
        SELECT 'status', json_extract(value, '$.status'), NEW.story_id, COUNT(*) FROM json_each(NEW.timeline)
        WHERE json_type(value, '$.status') = 'text' GROUP BY 2;
END;

CREATE TRIGGER story_timelines_browse_delete AFTER DELETE ON story_timelines BEGIN
    DELETE FROM story_facets WHERE story_id = OLD.story_id AND kind = 'status';
END;

-- Stores made before this migration.
INSERT INTO story_browse (story_id, members, n_languages, n_sources, spread, first_seen, last_seen)
SELECT id, members, l, s, (1 + ln(max(l, 1))) * (1 + ln(max(s, 1))), COALESCE(first_seen, ''), COALESCE(last_seen, '')
FROM (SELECT id, members, first_seen, last_seen, (SELECT COUNT(*) FROM json_each(languages)) AS l,
             (SELECT COUNT(*) FROM json_each(sources)) AS s FROM stories);
INSERT OR REPLACE INTO story_facets (kind, value, story_id, weight)
    SELECT 'lang', j.key, s.id, j.value FROM stories s, json_each(s.languages) j
    UNION ALL SELECT 'source', j.key, s.id, j.value FROM stories s, json_each(s.sources) j
    UNION ALL SELECT 'entity', j.key, s.id, j.value FROM stories s, json_each(s.entities) j;
INSERT OR REPLACE INTO story_facets (kind, value, story_id, weight)
    SELECT 'status', json_extract(j.value, '$.status'), t.story_id, COUNT(*) FROM story_timelines t, json_each(t.timeline) j
    WHERE json_type(j.value, '$.status') = 'text' GROUP BY 1, 2, 3;

-- Keyset pages of articles (newest first, per language or source) and of entities (most mentioned first);
-- the id makes the first one cover the "recent growth" count (articles of the last week -> their stories).
CREATE INDEX articles_published_seq ON articles(published_sort, ingested_seq, id);
CREATE INDEX articles_lang_published ON articles(lang, published_sort, ingested_seq);
CREATE INDEX articles_source_published ON articles(source, published_sort, ingested_seq);
CREATE INDEX entity_stats_articles ON entity_stats(articles, key);
CREATE INDEX errors_first_seen ON errors(first_seen, origin, locator, stage);

-- Language, source and entity facets say only that a story has the value: their counts live in the story row
-- (`stories.languages`, `sources`, `entities`) and no view reads them from the facet. Keeping those weights in
-- step rewrote a facet row per count that moved at every join, each in its own page of a tree that grows with
-- the store (the most written pages of an assignment at 1M articles). Their weight is now always 1; status facets
-- keep their entry counts.
DROP TRIGGER stories_browse_insert;
DROP TRIGGER stories_browse_update;

CREATE TRIGGER stories_browse_insert AFTER INSERT ON stories BEGIN
    INSERT OR REPLACE INTO story_browse (story_id, members, n_languages, n_sources, spread, first_seen, last_seen)
    SELECT NEW.id, NEW.members, l.n, s.n, (1 + ln(max(l.n, 1))) * (1 + ln(max(s.n, 1))),
           COALESCE(NEW.first_seen, ''), COALESCE(NEW.last_seen, '')
    FROM (SELECT COUNT(*) AS n FROM json_each(NEW.languages)) l, (SELECT COUNT(*) AS n FROM json_each(NEW.sources)) s;
    INSERT OR REPLACE INTO story_facets (kind, value, story_id, weight)
        SELECT 'lang', key, NEW.id, 1 FROM json_each(NEW.languages)
        UNION ALL SELECT 'source', key, NEW.id, 1 FROM json_each(NEW.sources)
        UNION ALL SELECT 'entity', key, NEW.id, 1 FROM json_each(NEW.entities);
END;

CREATE TRIGGER stories_browse_update AFTER UPDATE OF members, languages, sources, entities, first_seen, last_seen
ON stories BEGIN
    UPDATE story_browse SET members = NEW.members, n_languages = l.n, n_sources = s.n,
           spread = (1 + ln(max(l.n, 1))) * (1 + ln(max(s.n, 1))),
           first_seen = COALESCE(NEW.first_seen, ''), last_seen = COALESCE(NEW.last_seen, '')
    FROM (SELECT COUNT(*) AS n FROM json_each(NEW.languages)) l, (SELECT COUNT(*) AS n FROM json_each(NEW.sources)) s
    WHERE story_id = NEW.id;
    DELETE FROM story_facets WHERE story_id = NEW.id AND (
        (kind = 'lang' AND value NOT IN (SELECT key FROM json_each(NEW.languages)))
        OR (kind = 'source' AND value NOT IN (SELECT key FROM json_each(NEW.sources)))
        OR (kind = 'entity' AND value NOT IN (SELECT key FROM json_each(NEW.entities))));
    -- "WHERE true": SQLite's parser needs it between INSERT ... SELECT and ON CONFLICT.
    INSERT INTO story_facets (kind, value, story_id, weight)
        SELECT 'lang', key, NEW.id, 1 FROM json_each(NEW.languages)
        UNION ALL SELECT 'source', key, NEW.id, 1 FROM json_each(NEW.sources)
        UNION ALL SELECT 'entity', key, NEW.id, 1 FROM json_each(NEW.entities) WHERE true
        ON CONFLICT (kind, value, story_id) DO NOTHING;
END;

UPDATE story_facets SET weight = 1 WHERE kind IN ('lang', 'source', 'entity') AND weight <> 1;

-- A story save touches only the facets that changed. `save_story` now upserts, so a save fires the update
-- trigger (not a delete and re-insert of the row), and the update trigger deletes only the facets a story lost
-- and rewrites only the weights that moved: a new member changes a language, a source and a few entity
-- counts, not every facet of the story (about 78 rows for a big story, scattered through a B-tree that grows
-- with the store). Story ids never change: a merge deletes the absorbed story.
DROP TRIGGER stories_browse_insert;
DROP TRIGGER stories_browse_update;

CREATE TRIGGER stories_browse_insert AFTER INSERT ON stories BEGIN
    INSERT OR REPLACE INTO story_browse (story_id, members, n_languages, n_sources, spread, first_seen, last_seen)
    SELECT NEW.id, NEW.members, l.n, s.n, (1 + ln(max(l.n, 1))) * (1 + ln(max(s.n, 1))),
           COALESCE(NEW.first_seen, ''), COALESCE(NEW.last_seen, '')
    FROM (SELECT COUNT(*) AS n FROM json_each(NEW.languages)) l, (SELECT COUNT(*) AS n FROM json_each(NEW.sources)) s;
    INSERT OR REPLACE INTO story_facets (kind, value, story_id, weight)
        SELECT 'lang', key, NEW.id, value FROM json_each(NEW.languages)
        UNION ALL SELECT 'source', key, NEW.id, value FROM json_each(NEW.sources)
        UNION ALL SELECT 'entity', key, NEW.id, value FROM json_each(NEW.entities);
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
    INSERT INTO story_facets (kind, value, story_id, weight) SELECT 'lang', key, NEW.id, value FROM json_each(NEW.languages)
        WHERE true ON CONFLICT (kind, value, story_id) DO UPDATE SET weight = excluded.weight WHERE weight <> excluded.weight;
    INSERT INTO story_facets (kind, value, story_id, weight) SELECT 'source', key, NEW.id, value FROM json_each(NEW.sources)
        WHERE true ON CONFLICT (kind, value, story_id) DO UPDATE SET weight = excluded.weight WHERE weight <> excluded.weight;
    INSERT INTO story_facets (kind, value, story_id, weight) SELECT 'entity', key, NEW.id, value FROM json_each(NEW.entities)
        WHERE true ON CONFLICT (kind, value, story_id) DO UPDATE SET weight = excluded.weight WHERE weight <> excluded.weight;
END;

-- Story ranking and facets are computed in Python and written with each story (storyline.store.sql): the same
-- code for SQLite and PostgreSQL, and no JSON parsing inside the database. The tables stay as they are.
DROP TRIGGER IF EXISTS stories_browse_insert;
DROP TRIGGER IF EXISTS stories_browse_update;
DROP TRIGGER IF EXISTS stories_browse_delete;
DROP TRIGGER IF EXISTS story_timelines_browse_insert;
DROP TRIGGER IF EXISTS story_timelines_browse_update;
DROP TRIGGER IF EXISTS story_timelines_browse_delete;

-- How many items have been read from each feed and over what span (first and last first reading): the average
-- gap between its items, kept as they are read instead of counted over every item at each look.
ALTER TABLE watched_feeds ADD COLUMN items_read INTEGER NOT NULL DEFAULT 0;
ALTER TABLE watched_feeds ADD COLUMN first_item_at TEXT;
ALTER TABLE watched_feeds ADD COLUMN last_item_at TEXT;
UPDATE watched_feeds SET
    items_read = (SELECT COUNT(*) FROM feed_items WHERE feed_url = watched_feeds.url),
    first_item_at = (SELECT MIN(seen_at) FROM feed_items WHERE feed_url = watched_feeds.url),
    last_item_at = (SELECT MAX(seen_at) FROM feed_items WHERE feed_url = watched_feeds.url);

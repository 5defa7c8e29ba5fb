-- What conditional requests need (a feed's validators), and the items of each feed already read.
ALTER TABLE watched_feeds ADD COLUMN etag TEXT;
ALTER TABLE watched_feeds ADD COLUMN last_modified TEXT;
CREATE TABLE feed_items (
    feed_url  TEXT NOT NULL,
    item      TEXT NOT NULL,
    seen_at   TEXT NOT NULL,
    PRIMARY KEY (feed_url, item)
);

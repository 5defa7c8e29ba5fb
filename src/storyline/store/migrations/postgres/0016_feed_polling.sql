-- What conditional requests need (a feed's validators), and the items of each feed already read.
ALTER TABLE watched_feeds ADD COLUMN etag TEXT;
ALTER TABLE watched_feeds ADD COLUMN last_modified TEXT;
CREATE TABLE feed_items (
    feed_url  TEXT COLLATE "C" NOT NULL,
    item      TEXT COLLATE "C" NOT NULL,
    seen_at   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (feed_url, item)
);

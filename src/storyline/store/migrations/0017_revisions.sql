-- Revisions: a page read again whose text or headline changed stays the same article (its id, story and links
-- are kept); the article's row holds the newest text and every text it has had is kept here, the first as 1.
CREATE TABLE article_revisions (
    article_id  TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    content_id  TEXT NOT NULL,             -- the content identity of this text: reading it again is no news
    title       TEXT,
    text        TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    removed     TEXT NOT NULL DEFAULT '[]', -- JSON sentences of the previous revision gone from this one
    added       TEXT NOT NULL DEFAULT '[]', -- JSON sentences new in this one
    PRIMARY KEY (article_id, number)
);
CREATE INDEX article_revisions_content ON article_revisions(content_id);

-- A feed item's page is read again for a while (corrections) and when the feed says it was updated.
ALTER TABLE feed_items ADD COLUMN stamp TEXT;        -- the feed's updated/published date of it when read
ALTER TABLE feed_items ADD COLUMN next_check TEXT;   -- when its page is read again; NULL: no more
CREATE INDEX feed_items_check ON feed_items(feed_url, next_check);

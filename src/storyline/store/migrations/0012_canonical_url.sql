-- The address an article was ingested from stays in `url`; the canonical URL its page states is kept beside it
-- (before: it replaced `url`, so an article could not be found by the address it came from). Both are looked up.
ALTER TABLE articles ADD COLUMN canonical_url TEXT;
UPDATE articles SET canonical_url = url WHERE extractor = 'text/html' AND url IS NOT NULL;
CREATE INDEX articles_url ON articles(url);
CREATE INDEX articles_canonical_url ON articles(canonical_url);
CREATE INDEX article_sources_url ON article_sources(url);

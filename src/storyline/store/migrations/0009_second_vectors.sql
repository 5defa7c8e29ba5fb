-- Second-opinion vectors (stories/similarity.py, SecondEmbeddings): the second encoder embeds an article when
-- one of its pairs first needs it, and the vector is kept, so later runs, and exemplars read back from the
-- store, do not pay for it again. Vectors are deterministic: one lost to a crash is computed again, the same.
CREATE TABLE second_vectors (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    encoder    TEXT NOT NULL,   -- an embedder name of storyline.enrich.embed
    vector     BLOB NOT NULL,   -- float16, as storyline.enrich.embed.pack writes it
    PRIMARY KEY (article_id, encoder)
) WITHOUT ROWID;

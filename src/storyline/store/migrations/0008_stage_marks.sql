-- Where each stage's search for new work starts. Every article at or below a stage's mark (by ingested_seq) is
-- done for that stage: analysed; read by that claim extractor; given a story; and every story at or below the
-- timelines' mark (by updated_seq) has a fresh timeline. "What is new" then reads the rows above the mark
-- through an index, not every article or story of the store. A mark moves only after a full
-- pass, to just below the oldest article still pending, so a run killed midway, or an article that keeps
-- failing, is looked at again by the next run.
CREATE TABLE stage_marks (
    stage TEXT PRIMARY KEY,   -- analysis | stories | claims:<extractor> | timelines (by stories.updated_seq)
    seq   INTEGER NOT NULL
) WITHOUT ROWID;

-- The scans above a mark test ids: with the id in the ingestion index they never read an article row.
CREATE INDEX articles_seq_id ON articles(ingested_seq, id);
DROP INDEX articles_seq;
-- Stories changed since the timelines' mark.
CREATE INDEX stories_updated ON stories(updated_seq);

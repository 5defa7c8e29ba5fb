-- How sure the extractor is that the claim's sentence reports a business event (0..1; NULL: it does not say).
-- The story view marks a status that rests only on claims below 0.5 (storyline.stories.timeline).
ALTER TABLE claims ADD COLUMN confidence REAL;

-- A numeric publication date whose day and month could be swapped ('03-04-2021') and that nothing in its
-- document decided (storyline.extract.dates.resolve_day_month): stored as read, in the language's convention.
ALTER TABLE articles ADD COLUMN published_ambiguous INTEGER NOT NULL DEFAULT 0;

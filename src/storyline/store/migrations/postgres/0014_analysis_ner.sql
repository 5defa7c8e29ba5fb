-- The statistical NER backend an analysis used ('' for the rules alone): entity keys depend on it.
ALTER TABLE article_analysis ADD COLUMN ner TEXT COLLATE "C" NOT NULL DEFAULT '';

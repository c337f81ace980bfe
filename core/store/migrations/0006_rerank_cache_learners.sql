-- The contextual rerank cache names the learners its answers were made for.
--
-- A cached answer's framings are worded for one person's role and week, so they are data
-- about that person: erasing the person must remove them, and an export must show them.
-- `learner_ids` lists every learner the answer was made for or served to (the same context
-- may recur for another person); erasure, export and the erasure scan find the table by
-- that column, like every other table that holds data about people.
--
-- Rows cached before this migration cannot be traced to anyone, so they are dropped: it is
-- a cache, and the next request for the same context asks again within the daily budget.

DELETE FROM contextual_rerank_cache;
ALTER TABLE contextual_rerank_cache ADD COLUMN learner_ids uuid[] NOT NULL DEFAULT '{}';
CREATE INDEX contextual_rerank_cache_learners ON contextual_rerank_cache USING gin (learner_ids);

-- Contextual reranking with Claude: the daily token budget and the answer cache.
--
-- Neither table names a learner. The cache is keyed by a hash of exactly what left for the
-- external processor (after the policy's egress filter), so the same context is never paid
-- for twice; its rows expire after a fortnight, the retention of the calendar situations
-- the framings may mention.

CREATE TABLE contextual_token_usage (
    -- UTC day the tokens were spent on
    day            date PRIMARY KEY,
    input_tokens   bigint NOT NULL DEFAULT 0,
    output_tokens  bigint NOT NULL DEFAULT 0,
    -- estimated tokens of calls in flight, held so concurrent workers cannot overspend
    reserved       bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    calls          integer NOT NULL DEFAULT 0,
    failed_calls   integer NOT NULL DEFAULT 0
);

CREATE TABLE contextual_rerank_cache (
    -- SHA-256 over model, prompt version and the filtered egress payload
    payload_sha256  text PRIMARY KEY,
    model           text NOT NULL,
    -- the validated answer: {"ranking": [{"id": ..., "framing": ...}, ...]}
    answer          jsonb NOT NULL,
    input_tokens    integer NOT NULL,
    output_tokens   integer NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contextual_rerank_cache_created ON contextual_rerank_cache (created_at);

-- An erasure that could not verify (something still names the person) keeps what it needs to
-- finish until a rerun verifies: the strings it scans for (the learner id and the keyed
-- identifier hashes, never raw identifiers) and what was left. The row is deleted as soon as
-- the erasure verifies; the erasure scan skips this table.
CREATE TABLE policy_erasure_pending (
    subject_hash  text PRIMARY KEY,
    needles       text[] NOT NULL,
    remaining     jsonb NOT NULL DEFAULT '{}',
    started_at    timestamptz NOT NULL DEFAULT now(),
    attempts      integer NOT NULL DEFAULT 1
);

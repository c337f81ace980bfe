-- Stored outcome reports (learnwire.core.measure.snapshots): the organisation's outcome
-- report takes tens of seconds on a large organisation, so the L&D page serves the last one
-- computed and a periodic task refreshes it.
--
-- One row per report parameters (`report_key`: period, window, role filter). `report` is
-- the report's JSON: figures over groups of at least k people only, already withheld below
-- k; no learner id, no per-person row and no viewer is stored. `policy_version` is the
-- policy in force when it was computed: a snapshot computed under another policy is not
-- served. Rows older than the configured number of days are swept.

CREATE TABLE outcome_report_snapshot (
    report_key      text PRIMARY KEY,
    period          text NOT NULL,
    role_id         text,
    window_days     integer CHECK (window_days > 0),
    since           timestamptz NOT NULL,
    until           timestamptz NOT NULL CHECK (since < until),
    report          jsonb NOT NULL,
    policy_version  text,
    source          text NOT NULL DEFAULT 'outcome_report',
    data_category   data_category NOT NULL DEFAULT 'derived' CHECK (data_category = 'derived'),
    computed_at     timestamptz NOT NULL,
    stored_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX outcome_report_snapshot_computed_at ON outcome_report_snapshot (computed_at);

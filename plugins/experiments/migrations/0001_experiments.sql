-- Experiments: a definition fixed at creation (the primary outcome cannot change after the
-- start; a change needs a new experiment), and who was placed in which arm.
CREATE TABLE experiment (
    id                text PRIMARY KEY,
    definition        jsonb NOT NULL,
    primary_metric    text NOT NULL,
    horizon_days      integer NOT NULL CHECK (horizon_days > 0),
    started_at        timestamptz NOT NULL,
    stopped_at        timestamptz,
    stop_reason       text,
    -- Reason -> how many people of the population were left out (opted out, no role, ...):
    -- counted, never listed.
    excluded          jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now()
);

-- One row per person placed: stable (never rewritten; placing again keeps the arm).
-- Carries what every datum about a person carries: pseudonymous learner id, source, data
-- category, when it happened (the placement) and when it was stored.
CREATE TABLE experiment_assignment (
    experiment_id  text NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
    learner_id     uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    arm            text NOT NULL,
    stratum        text NOT NULL,
    source         text NOT NULL DEFAULT 'experiments',
    data_category  data_category NOT NULL DEFAULT 'derived',
    occurred_at    timestamptz NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (experiment_id, learner_id)
);
CREATE INDEX experiment_assignment_learner ON experiment_assignment (learner_id);

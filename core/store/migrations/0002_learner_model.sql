-- Learner model and ranker: fitted BKT parameters per skill, current mastery per learner
-- and skill (derived data), recommendations with their per-signal contributions, and the
-- priorities managers set for their teams. Learners' ratings and stated priorities are
-- ordinary feedback-category events and facts, so the policy layer governs them too.

CREATE TABLE bkt_skill_params (
    skill_id     text PRIMARY KEY REFERENCES skill (id) ON DELETE CASCADE,
    prior        real NOT NULL,
    learn        real NOT NULL,
    guess        real NOT NULL,
    slip         real NOT NULL,
    forget       real NOT NULL DEFAULT 0,
    -- true when the skill had too little evidence and borrows population defaults
    defaulted    boolean NOT NULL,
    n_events     integer NOT NULL,
    fitted_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE learner_skill_mastery (
    learner_id     uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    skill_id       text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    p_mastery      real NOT NULL,
    n_events       integer NOT NULL DEFAULT 0,
    last_event_at  timestamptz,
    source         text NOT NULL DEFAULT 'learnwire',
    data_category  data_category NOT NULL DEFAULT 'derived',
    occurred_at    timestamptz NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, skill_id)
);

CREATE TABLE recommendation (
    learner_id     uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    generated_at   timestamptz NOT NULL,
    rank           smallint NOT NULL,
    content_id     uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
    score          real NOT NULL,
    contributions  jsonb NOT NULL,
    explanation    text NOT NULL,
    stretch        boolean NOT NULL DEFAULT false,
    stretch_reason text,
    source         text NOT NULL DEFAULT 'learnwire',
    data_category  data_category NOT NULL DEFAULT 'derived',
    occurred_at    timestamptz NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, generated_at, rank)
);
CREATE INDEX recommendation_latest ON recommendation (learner_id, generated_at DESC);

-- A manager's priorities for their team (organisational data, not about a learner).
CREATE TABLE team_priority (
    source            text NOT NULL,
    unit_external_id  text NOT NULL,
    skill_id          text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    weight            real NOT NULL CHECK (weight >= 0 AND weight <= 1),
    set_at            timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, unit_external_id, skill_id)
);

-- Foundation schema: learners and their identifiers, organisation, skills, content,
-- learning events, HR facts, calendar situations and sync checkpoints.
-- Every table holding data about a person carries learner_id, source, data_category,
-- occurred_at and stored_at, so retention and purpose rules can act on categories.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TYPE data_category AS ENUM (
    'behavioural', 'assessment', 'hr_profile', 'performance',
    'career', 'calendar', 'feedback', 'derived'
);

CREATE TABLE learner (
    id          uuid PRIMARY KEY,
    timezone    text NOT NULL DEFAULT 'UTC',
    locale      text NOT NULL DEFAULT 'en',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Identifiers are stored only as keyed hashes (HMAC-SHA256 with the deployment's
-- pseudonym key): a source can find its person again, nobody can read an e-mail back.
CREATE TABLE identity_link (
    value_hash     text PRIMARY KEY,
    learner_id     uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    kind           text NOT NULL,
    source         text NOT NULL,
    data_category  data_category NOT NULL DEFAULT 'hr_profile',
    occurred_at    timestamptz NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX identity_link_learner ON identity_link (learner_id);

-- Identity conflicts are reported, never guessed: two learners claimed by one record.
CREATE TABLE identity_conflict (
    id           bigserial PRIMARY KEY,
    source       text NOT NULL,
    learner_ids  uuid[] NOT NULL,
    kinds        text[] NOT NULL,
    detected_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at  timestamptz
);

CREATE TABLE org_unit (
    source       text NOT NULL,
    external_id  text NOT NULL,
    name         text NOT NULL,
    kind         text NOT NULL,
    parent_external_id text,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, external_id)
);

CREATE TABLE team_membership (
    learner_id     uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    source         text NOT NULL,
    unit_external_id text NOT NULL,
    is_manager     boolean NOT NULL DEFAULT false,
    data_category  data_category NOT NULL DEFAULT 'hr_profile',
    occurred_at    timestamptz NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, source, unit_external_id)
);
CREATE INDEX team_membership_unit ON team_membership (source, unit_external_id);

CREATE TABLE skill (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    domain       text NOT NULL,
    description  text NOT NULL DEFAULT ''
);

CREATE TABLE skill_prerequisite (
    skill_id           text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    requires_skill_id  text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    min_level          real NOT NULL,
    PRIMARY KEY (skill_id, requires_skill_id),
    CHECK (skill_id <> requires_skill_id)
);

CREATE TABLE job_profile (
    id                text PRIMARY KEY,
    name              text NOT NULL,
    family            text NOT NULL DEFAULT '',
    management_level  text NOT NULL DEFAULT ''
);

CREATE TABLE job_profile_skill (
    job_profile_id  text NOT NULL REFERENCES job_profile (id) ON DELETE CASCADE,
    skill_id        text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    target_level    real NOT NULL,
    weight          real NOT NULL DEFAULT 1,
    PRIMARY KEY (job_profile_id, skill_id)
);

CREATE TABLE content_item (
    id                uuid PRIMARY KEY,
    provider          text NOT NULL,
    external_id       text NOT NULL,
    title             text NOT NULL,
    summary           text NOT NULL DEFAULT '',
    format            text NOT NULL,
    duration_minutes  real NOT NULL,
    difficulty        real NOT NULL,
    language          text NOT NULL,
    launch_url        text NOT NULL,
    activity_id       text,
    content_hash      text NOT NULL,
    -- 384 = all-MiniLM-L6-v2, the shipped embedder; HNSW needs a fixed dimension.
    embedding         vector(384),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    retired_at        timestamptz,
    UNIQUE (provider, external_id)
);
CREATE UNIQUE INDEX content_item_activity ON content_item (activity_id) WHERE activity_id IS NOT NULL;

CREATE TABLE content_skill (
    content_id  uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
    skill_id    text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    weight      real NOT NULL DEFAULT 1,
    PRIMARY KEY (content_id, skill_id)
);
CREATE INDEX content_item_embedding ON content_item
    USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64);

CREATE INDEX content_skill_skill ON content_skill (skill_id);

CREATE TABLE learning_event (
    statement_id   uuid PRIMARY KEY,
    learner_id     uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    source         text NOT NULL,
    data_category  data_category NOT NULL,
    occurred_at    timestamptz NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    verb           text NOT NULL,
    object_id      text NOT NULL,
    content_id     uuid REFERENCES content_item (id) ON DELETE SET NULL,
    skill_ids      text[] NOT NULL DEFAULT '{}',
    success        boolean,
    completion     boolean,
    score_scaled   real,
    duration_seconds real,
    voided         boolean NOT NULL DEFAULT false,
    statement      jsonb NOT NULL
);
CREATE INDEX learning_event_learner_time ON learning_event (learner_id, occurred_at);
CREATE INDEX learning_event_category_time ON learning_event (data_category, occurred_at);

CREATE TABLE hr_fact (
    learner_id     uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    source         text NOT NULL,
    fact_type      text NOT NULL,
    key            text NOT NULL DEFAULT '',
    value          jsonb NOT NULL,
    data_category  data_category NOT NULL,
    occurred_at    timestamptz NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, source, fact_type, key)
);
CREATE INDEX hr_fact_category_time ON hr_fact (data_category, occurred_at);

CREATE TABLE calendar_signal (
    learner_id        uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    source            text NOT NULL,
    event_key         text NOT NULL,
    situation         text NOT NULL,
    starts_at         timestamptz NOT NULL,
    duration_minutes  real NOT NULL,
    data_category     data_category NOT NULL DEFAULT 'calendar',
    occurred_at       timestamptz NOT NULL,
    stored_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, source, event_key)
);
CREATE INDEX calendar_signal_learner_time ON calendar_signal (learner_id, starts_at);

CREATE TABLE sync_checkpoint (
    source      text NOT NULL,
    stream      text NOT NULL DEFAULT '',
    checkpoint  text,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, stream)
);

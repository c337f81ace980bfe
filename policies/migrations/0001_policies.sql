-- Policy layer: policy versions, the hash-chained audit log, opt-outs, service tokens and
-- the anonymous aggregates retention keeps after deleting records.

-- Every policy that was ever in force, whole (document texts and the parsed rules), with
-- who loaded it and the diff against the version before. The newest row is in force.
CREATE TABLE policy_version (
    id          bigserial PRIMARY KEY,
    digest      text NOT NULL,
    documents   jsonb NOT NULL,
    author      text NOT NULL,
    comment     text NOT NULL DEFAULT '',
    diff        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Append-only and tamper-evident: each entry's hash covers its content and the previous
-- entry's hash. People appear only as a keyed hash of their learner id (subject_hash), so
-- erasing a person leaves the chain intact and verifiable without keeping their id.
CREATE TABLE policy_audit (
    id            bigint PRIMARY KEY,
    at            timestamptz NOT NULL,
    actor         text NOT NULL,
    action        text NOT NULL,
    outcome       text NOT NULL,
    purpose       text,
    subject_hash  text,
    detail        jsonb NOT NULL DEFAULT '{}',
    prev_hash     text NOT NULL,
    hash          text NOT NULL UNIQUE
);

CREATE FUNCTION policy_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'policy_audit is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER policy_audit_append_only
    BEFORE UPDATE OR DELETE ON policy_audit
    FOR EACH ROW EXECUTE FUNCTION policy_audit_refuse_change();

-- A learner's opt-out of one signal family, in force from opted_out_at.
CREATE TABLE policy_opt_out (
    learner_id    uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    family        text NOT NULL,
    opted_out_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, family)
);

-- Service accounts' bearer tokens; only a SHA-256 of the secret is kept.
CREATE TABLE policy_token (
    id            uuid PRIMARY KEY,
    name          text NOT NULL,
    role          text NOT NULL,
    scopes        text[] NOT NULL DEFAULT '{}',
    secret_hash   text NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

-- What aggregate-then-delete keeps: monthly totals per table, category, source and label
-- (verb, fact type or situation). No person can be found in them.
CREATE TABLE policy_retained_aggregate (
    table_name     text NOT NULL,
    data_category  text NOT NULL,
    source         text NOT NULL,
    period         date NOT NULL,
    label          text NOT NULL,
    records        bigint NOT NULL DEFAULT 0,
    completions    bigint NOT NULL DEFAULT 0,
    successes      bigint NOT NULL DEFAULT 0,
    score_sum      double precision NOT NULL DEFAULT 0,
    score_count    bigint NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, data_category, source, period, label)
);

-- LTI 1.3 tool: signing keys, platform registrations and deployments, server-side OIDC
-- login state, launch data and launches, and course memberships seen through LTI.

-- The tool's RSA signing keys. The newest key that is not retired signs; every key that is
-- not retired is published in the JWKS so platforms can verify tokens signed before a
-- rotation until an admin retires the old key.
CREATE TABLE lti_tool_key (
    kid              text PRIMARY KEY,
    private_key_pem  text NOT NULL,
    public_jwk       jsonb NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    retired_at       timestamptz
);

-- One row per (issuer, client_id): what the platform told the admin, or what dynamic
-- registration received.
CREATE TABLE lti_registration (
    id                   bigserial PRIMARY KEY,
    issuer               text NOT NULL,
    client_id            text NOT NULL,
    auth_login_url       text NOT NULL,
    auth_token_url       text NOT NULL,
    keyset_url           text NOT NULL,
    auth_audience        text,
    method               text NOT NULL DEFAULT 'manual' CHECK (method IN ('manual', 'dynamic')),
    platform_name        text,
    product_family_code  text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, client_id)
);

CREATE TABLE lti_deployment (
    registration_id  bigint NOT NULL REFERENCES lti_registration (id) ON DELETE CASCADE,
    deployment_id    text NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (registration_id, deployment_id)
);

-- OIDC state and nonce live here, not in a cookie: browsers block third-party cookies in
-- LMS iframes. A login is redeemed once; used rows stay until they expire so a replay is
-- reported as a replay.
CREATE TABLE lti_oidc_login (
    state           text PRIMARY KEY,
    nonce           text NOT NULL UNIQUE,
    issuer          text NOT NULL,
    client_id       text NOT NULL,
    storage_target  text,
    params          jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);
CREATE INDEX lti_oidc_login_expiry ON lti_oidc_login (expires_at);

-- pylti1p3's launch-data storage (validated id_token bodies, minimised) and cached
-- platform key sets, each with an expiry.
CREATE TABLE lti_launch_data (
    key         text PRIMARY KEY,
    value       jsonb NOT NULL,
    expires_at  timestamptz
);
CREATE INDEX lti_launch_data_expiry ON lti_launch_data (expires_at);

-- A validated launch: who (pseudonymously), in which course, as what, until when.
CREATE TABLE lti_launch (
    launch_id         text PRIMARY KEY,
    learner_id        uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    source            text NOT NULL DEFAULT 'lti',
    data_category     data_category NOT NULL DEFAULT 'behavioural',
    occurred_at       timestamptz NOT NULL,
    stored_at         timestamptz NOT NULL DEFAULT now(),
    issuer            text NOT NULL,
    client_id         text NOT NULL,
    deployment_id     text NOT NULL,
    message_type      text NOT NULL,
    role              text NOT NULL,
    context_id        text,
    resource_link_id  text,
    content_id        uuid,
    state             text NOT NULL,
    nonce             text NOT NULL,
    binding           text NOT NULL,
    verified          boolean NOT NULL,
    expires_at        timestamptz NOT NULL
);
CREATE INDEX lti_launch_learner ON lti_launch (learner_id);
CREATE INDEX lti_launch_expiry ON lti_launch (expires_at);

-- Who belongs to which LMS course, and in which learnwire role, from launches and rosters.
CREATE TABLE lti_course_membership (
    learner_id     uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    issuer         text NOT NULL,
    context_id     text NOT NULL,
    role           text NOT NULL,
    source         text NOT NULL DEFAULT 'lti',
    data_category  data_category NOT NULL DEFAULT 'behavioural',
    occurred_at    timestamptz NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, issuer, context_id)
);
CREATE INDEX lti_course_membership_course ON lti_course_membership (issuer, context_id);

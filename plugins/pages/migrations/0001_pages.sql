-- Sign-in sessions for the pages. Only a SHA-256 of the token is kept; the token itself rides
-- in a first-party cookie (OpenID Connect sign-in) or in the page's links and forms (inside
-- the LMS's iframe, where the tool's cookies are third-party and browsers drop them).
-- `claims` keeps what the roles were derived from (the LMS role, the identity provider's
-- groups), so roles follow the policy and HR in force at each request.
CREATE TABLE page_session (
    token_hash   text PRIMARY KEY,
    learner_id   uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    via          text NOT NULL CHECK (via IN ('lti', 'oidc', 'demo')),
    claims       jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX page_session_expiry ON page_session (expires_at);

-- Who stood behind each aggregate recently served to a requester, as keyed hashes of learner
-- ids (never the ids): a new aggregate whose people differ from one already served by fewer
-- than k is refused, so two views cannot be subtracted to isolate someone.
CREATE TABLE served_aggregate (
    requester    text NOT NULL,
    people_hash  text NOT NULL,
    people       text[] NOT NULL,
    served_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (requester, people_hash)
);
CREATE INDEX served_aggregate_age ON served_aggregate (served_at);

-- Requests from people to see or erase their data, handled by the compliance office.
-- `subject_learner` (not learner_id: erasing the person must not erase the record that they
-- asked) is cleared when the person is erased; `subject_hash` is the audit log's name for them.
CREATE TABLE privacy_request (
    id               bigserial PRIMARY KEY,
    kind             text NOT NULL CHECK (kind IN ('access', 'erasure')),
    subject_learner  uuid REFERENCES learner (id) ON DELETE SET NULL,
    subject_hash     text NOT NULL,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'refused')),
    note             text NOT NULL DEFAULT '',
    requested_by     text NOT NULL,
    requested_at     timestamptz NOT NULL DEFAULT now(),
    handled_by       text,
    handled_at       timestamptz,
    outcome          jsonb
);
CREATE INDEX privacy_request_status ON privacy_request (status, requested_at);

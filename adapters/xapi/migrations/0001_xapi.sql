-- xAPI intake: credentials per source, statement digests for replay comparison, and the
-- indexes the statements resource queries by (stored time, verb, activity). The activity
-- index also finds voiding statements by their target: their object_id is the target's id.

-- Secrets are random 256-bit tokens, so a plain SHA-256 is enough to make a leaked table
-- useless; the secret itself is shown once, when the credential is created.
CREATE TABLE xapi_credential (
    key          text PRIMARY KEY,
    secret_hash  text NOT NULL,
    source       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz
);
CREATE INDEX xapi_credential_source ON xapi_credential (source);

-- The digest of each statement as received (pseudonymised, before policy minimisation), so
-- a replayed statement can be compared with the original even after fields were dropped.
CREATE TABLE xapi_statement_digest (
    statement_id  uuid PRIMARY KEY REFERENCES learning_event (statement_id) ON DELETE CASCADE,
    digest        bytea NOT NULL
);

-- GET /xapi/statements always filters by the credential's source and pages by stored time.
CREATE INDEX xapi_event_source_stored ON learning_event (source, stored_at, statement_id);
CREATE INDEX xapi_event_verb_stored ON learning_event (verb, stored_at);
CREATE INDEX xapi_event_object_stored ON learning_event (object_id, stored_at);

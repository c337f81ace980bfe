-- Cheaper writes: statement digests lose their foreign key (a per-row check on every
-- insert) and are removed with their statements by one statement-level trigger instead;
-- voiding statements get a small index of their own, probed for every new statement.

ALTER TABLE xapi_statement_digest
    DROP CONSTRAINT xapi_statement_digest_statement_id_fkey;

CREATE FUNCTION xapi_forget_digests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM xapi_statement_digest d USING gone WHERE d.statement_id = gone.statement_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER xapi_forget_digests AFTER DELETE ON learning_event
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION xapi_forget_digests();

CREATE INDEX xapi_event_voiding ON learning_event (object_id)
    WHERE verb = 'http://adlnet.gov/expapi/verbs/voided';

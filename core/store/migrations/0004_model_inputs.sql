-- A change ledger for what the ranker's shared model is built from (catalogue, skills
-- framework, job profiles, fitted learner-model parameters, team priorities).
--
-- Serving a recommendation first checks whether that model is still current. Counting and
-- scanning the catalogue for it cost ~20 ms at 10,000 items, more than the ranking itself;
-- reading this one-row table costs a fraction of a millisecond. The version is bumped in the
-- writing transaction, so it becomes visible together with the data: a reader never sees a
-- new version with old data (a sequence alone would be bumped before the commit). The
-- version comes from a sequence all the same, so it never repeats, even after the row was
-- deleted. One row for all tables: writers of these tables (catalogue syncs, model fits)
-- are rare and serialise on it, and with a single lock two of them can never deadlock.

CREATE SEQUENCE model_input_version;
CREATE TABLE model_input_change (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version        bigint NOT NULL,
    changed_table  text NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION note_model_input_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Statement-level, and only when the statement changed rows: an upsert that matched
    -- nothing new (a re-run sync) must not make every worker rebuild its model.
    IF TG_OP <> 'TRUNCATE' THEN
        IF NOT EXISTS (SELECT 1 FROM changed_rows) THEN
            RETURN NULL;
        END IF;
    END IF;
    INSERT INTO model_input_change (version, changed_table)
    VALUES (nextval('model_input_version'), TG_TABLE_NAME)
    ON CONFLICT (singleton) DO UPDATE
        SET version = excluded.version, changed_table = excluded.changed_table,
            changed_at = now();
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['content_item', 'content_skill', 'skill', 'skill_prerequisite',
                             'job_profile', 'job_profile_skill', 'bkt_skill_params',
                             'team_priority']
    LOOP
        -- A trigger with a transition table takes one event, hence one per kind of change.
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS '
                       'changed_rows FOR EACH STATEMENT EXECUTE FUNCTION '
                       'note_model_input_change()', t || '_model_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING NEW TABLE AS '
                       'changed_rows FOR EACH STATEMENT EXECUTE FUNCTION '
                       'note_model_input_change()', t || '_model_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS '
                       'changed_rows FOR EACH STATEMENT EXECUTE FUNCTION '
                       'note_model_input_change()', t || '_model_delete', t);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I FOR EACH STATEMENT '
                       'EXECUTE FUNCTION note_model_input_change()', t || '_model_truncate', t);
    END LOOP;
END
$$;

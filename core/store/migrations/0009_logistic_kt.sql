-- Logistic knowledge tracing (learner.kt_logistic): the fitted weights that predict a
-- person's next answer from their practice history, refitted with BKT by 'learnwire model
-- fit' and the scheduled refit. Organisation-level parameters, not data about anyone.
--
-- `features` names the shared weights in order (and `skill_features` the per-skill ones):
-- a release that changes the feature set ignores weights stored for another set until the
-- next fit replaces them.
--
-- BKT mastery per learner and skill is also kept as log-odds: a `real` probability rounds
-- to 1.0 after a few dozen right answers, and from 1.0 no wrong answer brings it back.

CREATE TABLE kt_logistic_model (
    singleton       boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    features        text[] NOT NULL,
    weights         double precision[] NOT NULL,
    skill_features  text[] NOT NULL,
    n_events        integer NOT NULL,
    iterations      integer NOT NULL,
    log_loss        double precision NOT NULL,
    fitted_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE kt_logistic_skill (
    skill_id  text PRIMARY KEY REFERENCES skill (id) ON DELETE CASCADE,
    weights   double precision[] NOT NULL
);

CREATE TABLE kt_logistic_item (
    content_id  uuid PRIMARY KEY REFERENCES content_item (id) ON DELETE CASCADE,
    easiness    double precision NOT NULL
);

ALTER TABLE learner_skill_mastery ADD COLUMN logit_mastery double precision;

-- Model inputs: serving rebuilds its shared model when these change (see 0004).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['kt_logistic_model', 'kt_logistic_skill', 'kt_logistic_item']
    LOOP
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

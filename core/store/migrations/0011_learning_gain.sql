-- The practice curve fitted from the organisation's own answers before and after practice
-- (learner.gain_fit): how much an item teaches by format, skill, duration, difficulty
-- relative to the level and readiness, and how fast practice credit fades. Refitted by
-- 'learnwire model fit' and the scheduled refit; without a row, the documented defaults
-- (learner.gain_params) apply. Organisation-level parameters, not data about anyone: the
-- report holds counts and held-out scores only.

CREATE TABLE learning_gain_model (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    params      jsonb NOT NULL,
    report      jsonb NOT NULL,
    fitted_at   timestamptz NOT NULL DEFAULT now()
);

-- A model input: serving rebuilds its shared model when it changes (see 0004).
CREATE TRIGGER learning_gain_model_model_insert AFTER INSERT ON learning_gain_model
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION note_model_input_change();
CREATE TRIGGER learning_gain_model_model_update AFTER UPDATE ON learning_gain_model
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION note_model_input_change();
CREATE TRIGGER learning_gain_model_model_delete AFTER DELETE ON learning_gain_model
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION note_model_input_change();
CREATE TRIGGER learning_gain_model_model_truncate AFTER TRUNCATE ON learning_gain_model
    FOR EACH STATEMENT EXECUTE FUNCTION note_model_input_change();

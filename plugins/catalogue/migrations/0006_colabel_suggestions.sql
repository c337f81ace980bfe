-- Suggestions proposed from the organisation's own co-labelling (plugins/catalogue/colabel.py):
-- items whose text suggests via_skill_id are usually also tagged this skill by its people.
-- apply_at is the confidence at which such a suggestion applies (its model's own threshold,
-- never below the tagger's); both are null for a suggestion made from the item's text.
ALTER TABLE skill_tag
    ADD COLUMN via_skill_id text REFERENCES skill (id) ON DELETE CASCADE,
    ADD COLUMN apply_at real CHECK (apply_at >= 0 AND apply_at <= 1);

-- Skills an organisation adopted from ESCO as its framework (`learnwire skills adopt-esco`):
-- which ESCO skill each came from, so listings can credit ESCO and a later adoption of the
-- same ESCO skill finds the skill it made. An admin may rename the skill; the link stays.
CREATE TABLE skill_esco_origin (
    skill_id     text PRIMARY KEY REFERENCES skill (id) ON DELETE CASCADE,
    esco_uri     text NOT NULL UNIQUE REFERENCES esco_skill (uri),
    selected_by  text NOT NULL,
    adopted_at   timestamptz NOT NULL DEFAULT now()
);

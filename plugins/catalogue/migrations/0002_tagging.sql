-- Machine skill tags with their calibrated confidence, admins' decisions (which outlive
-- every re-tagging). content_skill holds the applied tags the ranker
-- reads; these tables hold how each came to be applied or not.

-- One row per claim that an item teaches a skill: the machine's suggestion, or the
-- provider's own tag (kept here so an admin's or learners' verdict on it survives syncs).
CREATE TABLE skill_tag (
    content_id   uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
    skill_id     text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    origin       text NOT NULL CHECK (origin IN ('machine', 'provider')),
    weight       real NOT NULL CHECK (weight > 0 AND weight <= 1),
    similarity   real,
    confidence   real NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    rank         smallint NOT NULL DEFAULT 0,
    tagged_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (content_id, skill_id)
);
CREATE INDEX skill_tag_skill ON skill_tag (skill_id);

-- "Evergreen" overrides: accept or reject a suggestion or a provider's tag, or add one.
CREATE TABLE skill_tag_decision (
    content_id   uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
    skill_id     text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    decision     text NOT NULL CHECK (decision IN ('accept', 'reject', 'add')),
    weight       real NOT NULL DEFAULT 1 CHECK (weight > 0 AND weight <= 1),
    decided_by   text NOT NULL,
    decided_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (content_id, skill_id)
);

-- Learners' flags ("this item does not teach this skill") are xAPI statements in the
-- feedback category, stored through intake like ratings (consent, retention and erasure
-- apply): verb https://learnwire.dev/xapi/verbs/flag-tag, the skill in skill_ids.

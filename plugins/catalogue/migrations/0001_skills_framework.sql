-- An organisation's skills framework beyond what the core skill table holds: the named
-- proficiency levels of each skill, and ESCO's skills with the nearest ones to each.

CREATE TABLE skill_level (
    skill_id     text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    position     smallint NOT NULL CHECK (position >= 1),
    name         text NOT NULL,
    -- Where the level sits on learnwire's 0..1 mastery scale (position / number of levels).
    threshold    real NOT NULL CHECK (threshold > 0 AND threshold <= 1),
    PRIMARY KEY (skill_id, position)
);

-- ESCO (European Skills, Competences, Qualifications and Occupations), European Commission.
CREATE TABLE esco_skill (
    uri          text PRIMARY KEY,
    text         text NOT NULL,
    -- 384 = all-MiniLM-L6-v2, the shipped embedder, as content_item.embedding.
    embedding    vector(384),
    loaded_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE skill_esco_match (
    skill_id     text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    esco_uri     text NOT NULL REFERENCES esco_skill (uri) ON DELETE CASCADE,
    rank         smallint NOT NULL CHECK (rank >= 1),
    similarity   real NOT NULL,
    matched_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (skill_id, esco_uri)
);

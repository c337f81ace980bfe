-- Claude's verdict on a machine tag (`learnwire tags verify`, off by default), kept with the
-- tag's provenance: which model, when, and for which version of the item's text (a verdict
-- on an older text no longer counts). Separate from skill_tag so re-tagging keeps it.
CREATE TABLE skill_tag_verification (
    content_id       uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
    skill_id         text NOT NULL REFERENCES skill (id) ON DELETE CASCADE,
    verdict          text NOT NULL CHECK (verdict IN ('confirm', 'deny')),
    reason           text NOT NULL DEFAULT '',
    model            text NOT NULL,
    item_updated_at  timestamptz NOT NULL,
    verified_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (content_id, skill_id)
);

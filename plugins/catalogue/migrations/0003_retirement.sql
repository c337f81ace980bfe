-- Retirement by curation: proposed (with its evidence), then retired or kept by a person.
-- A retired item keeps its row and history; content_item.retired_at takes it out of
-- ranking and delivery, and a re-import or sync does not bring it back.
CREATE TABLE content_retirement (
    content_id   uuid PRIMARY KEY REFERENCES content_item (id) ON DELETE CASCADE,
    state        text NOT NULL CHECK (state IN ('proposed', 'retired', 'kept')),
    reason       text NOT NULL,
    evidence     jsonb NOT NULL DEFAULT '{}',
    proposed_by  text NOT NULL,
    proposed_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    decided_by   text,
    decided_at   timestamptz
);

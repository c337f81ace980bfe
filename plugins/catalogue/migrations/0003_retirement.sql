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

-- A provider re-listing an item (a full re-import, a sync) clears retired_at; an item a
-- person retired stays retired until a person reinstates it (state 'kept').
CREATE FUNCTION keep_curated_retirement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.retired_at IS NOT NULL AND NEW.retired_at IS NULL AND EXISTS (
        SELECT 1 FROM content_retirement r WHERE r.content_id = NEW.id AND r.state = 'retired'
    ) THEN
        NEW.retired_at := OLD.retired_at;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER content_item_keep_curated_retirement BEFORE UPDATE OF retired_at ON content_item
    FOR EACH ROW EXECUTE FUNCTION keep_curated_retirement();

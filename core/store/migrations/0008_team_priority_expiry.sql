-- A manager's team priorities last until an expiry they choose: priorities are for a season
-- (a launch, a reorganisation), and a forgotten one should not steer recommendations for ever.
-- NULL keeps the old meaning (no expiry) for rows set before this column existed.
ALTER TABLE team_priority ADD COLUMN expires_at timestamptz;
CREATE INDEX team_priority_expiry ON team_priority (expires_at) WHERE expires_at IS NOT NULL;

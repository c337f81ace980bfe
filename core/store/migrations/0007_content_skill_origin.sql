-- Who put a skill on an item: the provider's own data, the machine tagger (applied because
-- its calibrated confidence cleared the threshold) or an admin. The ranker reads only
-- content_skill, so only applied tags count; the origin lets it tell machine tags apart.
ALTER TABLE content_skill
    ADD COLUMN origin text NOT NULL DEFAULT 'provider'
    CHECK (origin IN ('provider', 'machine', 'admin'));

-- Registrations are identified by their normalised issuer (scheme and host lower-cased,
-- default port and trailing slashes dropped), so "https://lms.example/" and
-- "https://lms.example" are one platform; they can be deactivated (kept, but launches and
-- service calls refused) as well as deleted.

ALTER TABLE lti_registration
    ADD COLUMN issuer_key      text,
    ADD COLUMN active          boolean NOT NULL DEFAULT true,
    ADD COLUMN deactivated_at  timestamptz;

UPDATE lti_registration SET issuer_key =
    regexp_replace(
        lower(substring(issuer from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')),
        '(^https://[^/]*):443$|(^http://[^/]*):80$', '\1\2')
    || regexp_replace(coalesce(substring(issuer from '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*(.*)$'), ''),
                      '/+$', '');

-- Registrations that differed only by such spelling become one: the oldest keeps the
-- deployments of all of them.
INSERT INTO lti_deployment (registration_id, deployment_id, created_at)
SELECT keep.id, d.deployment_id, d.created_at
FROM lti_deployment d
JOIN lti_registration r ON r.id = d.registration_id
JOIN LATERAL (
    SELECT min(o.id) AS id FROM lti_registration o
    WHERE o.issuer_key = r.issuer_key AND o.client_id = r.client_id
) keep ON keep.id <> r.id
ON CONFLICT DO NOTHING;

DELETE FROM lti_registration r
WHERE EXISTS (
    SELECT 1 FROM lti_registration o
    WHERE o.issuer_key = r.issuer_key AND o.client_id = r.client_id AND o.id < r.id
);

ALTER TABLE lti_registration ALTER COLUMN issuer_key SET NOT NULL;
ALTER TABLE lti_registration DROP CONSTRAINT lti_registration_issuer_client_id_key;
ALTER TABLE lti_registration ADD CONSTRAINT lti_registration_issuer_key_client_id_key
    UNIQUE (issuer_key, client_id);

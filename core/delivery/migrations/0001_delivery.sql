-- Delivery: where a person can be reached, how often they want which kind of message in
-- which channel, and the outbox. Every row about a person cascades from learner, so erasure
-- removes it with them.

-- A person's address in one channel (an e-mail address, a Slack user id, a Teams UPN). It
-- is personal data in the hr_profile category; only the channel it belongs to ever sees it.
CREATE TABLE delivery_contact (
    learner_id     uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    channel        text NOT NULL,
    address        text NOT NULL,
    source         text NOT NULL,
    data_category  data_category NOT NULL DEFAULT 'hr_profile',
    occurred_at    timestamptz NOT NULL,
    stored_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, channel)
);

-- The person's own choice per kind of message and channel. Only the person (or their
-- one-click unsubscribe) writes here; organisation defaults live in configuration and never
-- outrank a row.
CREATE TABLE delivery_preference (
    learner_id  uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    kind        text NOT NULL,
    channel     text NOT NULL,
    cadence     text NOT NULL CHECK (cadence IN ('immediate', 'daily', 'weekly', 'off')),
    set_via     text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (learner_id, kind, channel)
);

-- The person's own quiet hours and working days, when they chose other than the defaults.
CREATE TABLE delivery_schedule (
    learner_id    uuid PRIMARY KEY REFERENCES learner (id) ON DELETE CASCADE,
    quiet_from    smallint CHECK (quiet_from BETWEEN 0 AND 23),
    quiet_to      smallint CHECK (quiet_to BETWEEN 0 AND 23),
    working_days  smallint[],
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One message per person, kind and local day: the key that makes a rerun, a retried task
-- or a second worker unable to plan (and so send) it twice.
CREATE TABLE delivery_outbox (
    id           bigserial PRIMARY KEY,
    learner_id   uuid NOT NULL REFERENCES learner (id) ON DELETE CASCADE,
    kind         text NOT NULL,
    day          date NOT NULL,
    send_after   timestamptz NOT NULL,
    timing       text NOT NULL,
    situation    text,
    planned_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (learner_id, kind, day)
);
CREATE INDEX delivery_outbox_due ON delivery_outbox (send_after);

-- The items a message carries, chosen once (when its first channel sends) so every channel
-- and the LMS page show the same set.
CREATE TABLE delivery_item (
    outbox_id         bigint NOT NULL REFERENCES delivery_outbox (id) ON DELETE CASCADE,
    rank              smallint NOT NULL,
    content_id        uuid NOT NULL REFERENCES content_item (id) ON DELETE CASCADE,
    reason            text NOT NULL,
    PRIMARY KEY (outbox_id, rank)
);

-- One send of a message through one channel, with its state and what went wrong.
-- pending -> sending -> sent | retry (-> sending) | failed | cancelled | unconfirmed
CREATE TABLE delivery_send (
    id               bigserial PRIMARY KEY,
    outbox_id        bigint NOT NULL REFERENCES delivery_outbox (id) ON DELETE CASCADE,
    channel          text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN
                       ('pending', 'sending', 'sent', 'retry', 'failed', 'cancelled',
                        'unconfirmed')),
    attempts         smallint NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    claimed_at       timestamptz,
    sent_at          timestamptz,
    reason           text,
    provider_id      text,
    UNIQUE (outbox_id, channel)
);
CREATE INDEX delivery_send_open ON delivery_send (status) WHERE status IN ('pending', 'retry', 'sending');

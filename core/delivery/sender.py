"""Sending one message through one channel: claim, check again, choose items, filter for the
processor, render, send, record. Runs inside a Celery task (or in process without a broker).

A failing channel only touches its own send row; a transient failure waits with exponential
backoff for a later run (no sleeping anywhere), a permanent one (bad token, refused address,
bounce) is recorded with its reason. Reasons never hold a secret or an address.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from uuid import UUID

from ..errors import Forbidden, ValidationFailed
from ..ranker.service import RecommendationService
from ..runtime import Runtime
from ..surveys.settings import survey_settings
from . import asking, events, outbox
from .channel import ChannelError, DeliveryChannel, Message
from .compose import NothingToSend, Templates, choose_items, payload
from .governance import ChannelRef, DeliveryGovernance, PlannedMessage, governance_of, uses_of
from .links import Links
from .settings import DeliverySettings, delivery_settings

log = logging.getLogger(__name__)


class Sender:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings: DeliverySettings = delivery_settings(runtime.settings)
        self.links = Links(
            runtime.settings.flask_secret(),
            runtime.settings.public_url,
            max_age_days=self.settings.link_days,
        )
        self.templates = Templates(self.settings.templates_dir)

    @cached_property
    def channels(self) -> dict[str, DeliveryChannel]:
        found = self.runtime.collect("register_delivery_channels", expect=DeliveryChannel)
        return {c.name: c for c in found}

    @cached_property
    def governance(self) -> DeliveryGovernance:
        return governance_of(self.runtime.collect("register_delivery_governance"))

    @cached_property
    def service(self) -> Any:
        return RecommendationService(self.runtime)

    @cached_property
    def intake(self) -> Any:
        return self.runtime.intake()

    # -- one send --------------------------------------------------------------------------

    def send(self, send_id: int, *, now: datetime | None = None) -> str:
        """Send one claimed message; returns the send's new status ('' if not claimable).

        ``now`` is the moment the message is composed for (items ranked, events dated,
        backoff counted from); a replay passes the time it replays. The claim itself is
        always stamped with the real clock, since leases are judged by it."""
        now = now or datetime.now(UTC)
        db = self.runtime.db
        with db.connection() as conn:
            claim = outbox.claim(conn, send_id, now=datetime.now(UTC))
        if claim is None:
            return ""
        try:
            with db.connection() as conn:
                message, offered = self._prepare(conn, claim, now)
            receipt = self.channels[claim.channel].send(message)
        except _Stop as stop:
            with db.connection() as conn:
                outbox.finish(conn, send_id, stop.status, reason=stop.reason)
            return stop.status
        except ChannelError as exc:
            return self._failed(claim, str(exc), permanent=exc.permanent, now=now)
        except Exception as exc:  # one message's bug must not stop the others
            # The type only: a library's message may carry a URL with its secret in it.
            log.error("delivery %s via %s: %s", send_id, claim.channel, type(exc).__name__)
            return self._failed(claim, f"{type(exc).__name__} while sending", False, now=now)
        with db.connection() as conn:
            outbox.finish(conn, send_id, "sent", provider_id=receipt.provider_id or None, now=now)
            events.record(
                conn,
                self.intake,
                what="delivered",
                learner_id=claim.learner_id,
                object_id=self.links.base + f"/messages/{claim.outbox_id}",
                key=f"{claim.send_id}",
                at=now,
                channel=claim.channel,
            )
        self._write_back(claim, offered, now)
        return "sent"

    def _write_back(self, claim: outbox.Claim, offered: dict[str, Any], now: datetime) -> None:
        """Tell each channel that keeps a record of deliveries (the LMS's LRS) that this
        message arrived, with what the policy lets go to that channel's processor. The
        message is delivered whatever happens here: a failure is logged, never raised."""
        for channel in self.channels.values():
            processor = channel.write_back_processor
            if processor is None:
                continue
            try:
                with self.runtime.db.connection() as conn:
                    ask = PlannedMessage(
                        claim.learner_id,
                        claim.kind,
                        [ChannelRef(channel.name, processor)],
                        uses=uses_of(claim.kind),
                    )
                    self.governance.screen(conn, [ask])
                    if ask.refused:
                        continue
                    allowed = self.governance.outbound(
                        conn, processor=processor, payload=offered, learner_id=claim.learner_id
                    )
                    record = self.templates.message(claim, allowed, address="")
                channel.write_back_delivered(record, at=now)
            except (Forbidden, ChannelError) as exc:
                log.warning("delivery %s: write-back via %s: %s", claim.send_id, channel.name, exc)
            except Exception as exc:  # a write-back's bug must not undo a delivery
                log.error(
                    "delivery %s: write-back via %s: %s",
                    claim.send_id,
                    channel.name,
                    type(exc).__name__,
                )

    def preview(
        self, conn: Any, learner_id: UUID, *, kind: str, channel: str, at: datetime
    ) -> Message:
        """The message ``learner_id`` would get now, rendered but neither stored nor sent."""
        if channel not in self.channels:
            known = ", ".join(sorted(self.channels)) or "none is configured"
            raise ValidationFailed(f"no channel '{channel}' (channels: {known})", field="channel")
        claim = outbox.Claim(0, 0, learner_id, kind, at.date(), channel, 0, "", None)
        try:
            return self._prepare(conn, claim, at, preview=True)[0]
        except _Stop as stop:
            raise ValidationFailed(f"nothing to preview: {stop.reason}") from None

    def _prepare(
        self, conn: Any, claim: outbox.Claim, now: datetime, *, preview: bool = False
    ) -> tuple[Message, dict[str, Any]]:
        """The message to send, and everything it could have said (before the processor's
        rules), for the write-back."""
        channel = self.channels.get(claim.channel)
        if channel is None:
            raise _Stop("failed", f"channel '{claim.channel}' is not configured any more")
        if not preview and self.cadence(conn, claim.learner_id, claim.kind, claim.channel) == "off":
            raise _Stop("cancelled", "the person switched this off")
        ask = PlannedMessage(
            claim.learner_id,
            claim.kind,
            [ChannelRef(channel.name, channel.processor)],
            uses=uses_of(claim.kind),
        )
        self.governance.screen(conn, [ask])
        if ask.refused:
            raise _Stop("cancelled", "policy: " + "; ".join(ask.refused.values()))
        address = ""
        if channel.needs_address:
            row = conn.execute(
                "SELECT address FROM delivery_contact WHERE learner_id = %s AND channel = %s",
                (claim.learner_id, claim.channel),
            ).fetchone()
            if row is None and not preview:
                raise _Stop("cancelled", "the person has no address in this channel any more")
            address = row[0] if row else ""
        try:
            items = choose_items(
                conn,
                self.service,
                claim,
                limit=self.settings.digest_items,
                at=now,
                store=not preview,
            )
        except NothingToSend as exc:
            raise _Stop("cancelled", str(exc)) from None
        weekly = self.cadence(conn, claim.learner_id, claim.kind, claim.channel) == "weekly"
        asked = survey_settings(self.runtime.settings)
        questions: list[dict[str, Any]] = []
        if self._may_ask(conn, claim):
            questions = asking.questions(
                conn,
                claim,
                self.links,
                governance=self.runtime.governance,
                at=now,
                limit=asked.questions_per_message if claim.kind == "digest" else 3,
                horizon_days=asked.observation_horizon_days,
            )
        if claim.kind == "survey" and not questions:
            raise _Stop("cancelled", "no question is waiting (answered since it was planned)")
        offered = payload(conn, claim, items, self.links, weekly=weekly, questions=questions)
        allowed = offered
        if channel.processor is not None:
            try:
                allowed = self.governance.outbound(
                    conn,
                    processor=channel.processor,
                    payload=offered,
                    learner_id=claim.learner_id,
                    preview=preview,
                )
            except Forbidden as exc:
                raise _Stop("cancelled", f"policy: {exc}") from None
        return self.templates.message(claim, allowed, address=address), offered

    def _may_ask(self, conn: Any, claim: outbox.Claim) -> bool:
        """Whether the message may carry survey questions: what a survey message relies on
        (feedback) must be allowed for the person (a digest to someone who opted out of
        feedback carries its items, no questions)."""
        ask = PlannedMessage(claim.learner_id, "survey", [], uses=uses_of("survey"))
        self.governance.screen(conn, [ask])
        return not ask.refused

    def cadence(self, conn: Any, learner_id: UUID, kind: str, channel: str) -> str:
        row = conn.execute(
            "SELECT cadence FROM delivery_preference WHERE learner_id = %s AND kind = %s "
            "AND channel = %s",
            (learner_id, kind, channel),
        ).fetchone()
        return row[0] if row else self.settings.cadence(kind, channel)

    def _failed(self, claim: outbox.Claim, reason: str, permanent: bool, *, now: datetime) -> str:
        retry = not permanent and claim.attempts < self.settings.max_attempts
        status = "retry" if retry else "failed"
        wait = self.settings.retry_base_seconds * 4 ** (claim.attempts - 1)
        with self.runtime.db.connection() as conn:
            outbox.finish(
                conn,
                claim.send_id,
                status,
                reason=reason[:500],
                next_attempt_at=now + timedelta(seconds=wait) if retry else None,
            )
        log.warning("delivery %s via %s: %s (%s)", claim.send_id, claim.channel, status, reason)
        return status


class _Stop(Exception):
    def __init__(self, status: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason

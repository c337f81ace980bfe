"""Delivery governance: the policy engine's answers for messages to learners.

Before anything is rendered it removes what the documents refuse: a message needs a grant to
send recommendations for ``development_recommendation``; data a message was chosen from (a
nudge uses the calendar) must serve that purpose and come from a family the person has not
opted out of; each channel's external processor must be listed in ``processors.yaml``. At
sending, only the fields the processor's rules allow leave, and the egress is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg

from ..core.delivery import DeliveryGovernance, PlannedMessage
from ..core.models import DataCategory
from .access import Resource, Subject
from .consent import opted_out_many
from .egress import egress_filter, filter_payload
from .engine import AccessDenied, PolicyEngine
from .model import RECORD_KINDS

Conn = psycopg.Connection[Any]
PURPOSE = "development_recommendation"
SENDER = Subject.service("delivery")


class PolicyDeliveryGovernance(DeliveryGovernance):
    def __init__(self, engine: PolicyEngine) -> None:
        self.engine = engine

    def screen(self, conn: Conn, plans: Sequence[PlannedMessage]) -> None:
        self.engine.refresh(conn)
        opted = opted_out_many(conn, [p.learner_id for p in plans])
        processors: dict[str, str] = {}
        for plan in plans:
            decision = self.engine.allowed(
                SENDER, "send", Resource("recommendations", owner=plan.learner_id), PURPOSE
            )
            if not decision:
                plan.refused["*"] = decision.reason
                continue
            reason = self._uses(plan, opted.get(plan.learner_id, set()))
            if reason:
                plan.refused["*"] = reason
                continue
            for channel in plan.channels:
                if channel.processor is None:
                    continue
                if channel.processor not in processors:
                    processors[channel.processor] = self._processor(channel.processor)
                if processors[channel.processor]:
                    plan.refused[channel.name] = processors[channel.processor]

    def _uses(self, plan: PlannedMessage, opted: set[str]) -> str:
        policy = self.engine.policy
        for category in sorted(plan.uses):
            cat = DataCategory(category)
            resource = Resource("recommendations", owner=plan.learner_id, category=cat)
            decision = self.engine.allowed(SENDER, "send", resource, PURPOSE)
            if not decision:
                return decision.reason
            families = {f for kind in RECORD_KINDS for f in policy.families_of(kind, cat)}
            off = sorted(families & opted)
            if off:
                return f"the person opted out of '{off[0]}', which a {plan.kind} relies on"
        return ""

    def _processor(self, name: str) -> str:
        rule = self.engine.policy.processors.get(name)
        purpose = rule.purpose if rule is not None else "external_processing"
        decision = self.engine.allowed(
            SENDER, "send", Resource("external_processor", name=name), purpose
        )
        return "" if decision else decision.reason

    def outbound(
        self,
        conn: Conn,
        *,
        processor: str,
        payload: dict[str, Any],
        learner_id: UUID,
        preview: bool = False,
    ) -> dict[str, Any]:
        if not preview:
            return egress_filter(
                conn, self.engine, processor, payload, subject=SENDER, learner_id=learner_id
            ).payload
        self.engine.refresh(conn)
        rule = self.engine.policy.processors.get(processor)
        purpose = rule.purpose if rule is not None else "external_processing"
        decision = self.engine.allowed(
            SENDER, "send", Resource("external_processor", name=processor), purpose
        )
        if not decision or rule is None:
            raise AccessDenied(decision)
        return filter_payload(processor, rule, payload).payload

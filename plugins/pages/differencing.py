"""Aggregates that resist differencing: remember who stood behind what each requester saw.

Two totals over groups that differ by one person give that person's figures by subtraction,
even when both groups are at least k strong. So each served aggregate's people are kept (as
keyed hashes, never learner ids) per requester for a while, and a new aggregate is refused
when its people and any recent set differ, one way or the other, by at least one and fewer
than k people. Identical sets are fine: that is the same view again.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Any
from uuid import UUID

import psycopg

from learnwire.core.errors import Forbidden

Conn = psycopg.Connection[Any]


class DifferencingRefused(Forbidden):
    title = "not shown: could single someone out"


def people_hashes(key: bytes, people: Iterable[UUID]) -> list[str]:
    return sorted(hmac.new(key, p.bytes, hashlib.sha256).hexdigest()[:32] for p in people)


def check_and_remember(
    conn: Conn,
    *,
    requester: str,
    people: Iterable[UUID],
    k: int,
    key: bytes,
    window_hours: float,
) -> None:
    """Refuse (:class:`DifferencingRefused`) or remember this aggregate's people.

    The check and the insert run under a per-requester advisory lock, so two requests at
    once cannot each pass against a memory the other has not written yet.
    """
    hashed = people_hashes(key, people)
    digest = hashlib.sha256("".join(hashed).encode()).hexdigest()
    mine = set(hashed)
    with conn.transaction():
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('learnwire.served_aggregate'), hashtext(%s))",
            (requester,),
        )
        recent = conn.execute(
            "SELECT people FROM served_aggregate WHERE requester = %s AND people_hash <> %s "
            "AND served_at > now() - make_interval(secs => %s)",
            (requester, digest, window_hours * 3600),
        ).fetchall()
        for (earlier,) in recent:
            before = set(earlier)
            if 0 < len(before - mine) < k or 0 < len(mine - before) < k:
                raise DifferencingRefused(
                    "This view differs from one you saw recently by too few people: comparing "
                    "the two could single someone out, so it is not shown."
                )
        conn.execute(
            "INSERT INTO served_aggregate (requester, people_hash, people) VALUES (%s, %s, %s) "
            "ON CONFLICT (requester, people_hash) DO UPDATE SET served_at = now()",
            (requester, digest, hashed),
        )

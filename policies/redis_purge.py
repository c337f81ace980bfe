"""Removing a person from Redis: cached values and queued Celery tasks that name them.

learnwire does not know every key other parts will cache, so the purge scans the database
(``SCAN``, never ``KEYS``) and looks inside values. Celery messages carry their body
base64-encoded; they are decoded before searching, so a queued task whose arguments name the
person is removed from its queue (``LREM``) while other tasks stay.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from typing import Any

_MAX_VALUE = 4 * 1024 * 1024  # larger values are not ours to read; skip them


def purge_redis(client: Any, needles: Iterable[str]) -> dict[str, int]:
    """Delete keys, list items, hash fields, set and sorted-set members naming the person."""
    words = [n.encode() for n in needles if n]
    counts = {"keys_deleted": 0, "items_removed": 0, "keys_scanned": 0}
    for key in client.scan_iter(count=500):
        counts["keys_scanned"] += 1
        if _names(key, words):
            counts["keys_deleted"] += client.delete(key)
            continue
        kind = client.type(key)
        kind = kind.decode() if isinstance(kind, bytes) else kind
        if kind == "string":
            value = client.get(key)
            if value is not None and len(value) <= _MAX_VALUE and _names(value, words):
                counts["keys_deleted"] += client.delete(key)
        elif kind == "list":
            for item in set(client.lrange(key, 0, -1)):
                if _names(item, words):
                    counts["items_removed"] += client.lrem(key, 0, item)
        elif kind == "hash":
            for field, value in client.hscan_iter(key):
                if _names(field, words) or _names(value, words):
                    counts["items_removed"] += client.hdel(key, field)
        elif kind == "set":
            for member in client.sscan_iter(key):
                if _names(member, words):
                    counts["items_removed"] += client.srem(key, member)
        elif kind == "zset":
            for member, _ in client.zscan_iter(key):
                if _names(member, words):
                    counts["items_removed"] += client.zrem(key, member)
    return counts


def _names(value: bytes | str, words: list[bytes]) -> bool:
    raw = value.encode() if isinstance(value, str) else value
    if any(w in raw for w in words):
        return True
    decoded = _celery_body(raw)
    return decoded is not None and any(w in decoded for w in words)


def _celery_body(raw: bytes) -> bytes | None:
    """The decoded body of a kombu message (or of Celery's unacked ``[message, ...]``)."""
    if not raw.startswith((b"{", b"[")):
        return None
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    if isinstance(message, list) and message and isinstance(message[0], str):
        return _celery_body(message[0].encode())
    if not isinstance(message, dict) or "body" not in message:
        return None
    body = message["body"]
    if message.get("properties", {}).get("body_encoding") == "base64" and isinstance(body, str):
        try:
            return base64.b64decode(body)
        except (binascii.Error, ValueError):
            return None
    return json.dumps(body).encode() if not isinstance(body, str) else body.encode()

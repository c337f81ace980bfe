"""The value formats xAPI statements are made of: IRIs, language tags, mailto IRIs,
UUIDs, ISO 8601 timestamps and durations.

Each checker returns the parsed value or raises :class:`FormatError`. The rule is the
specification's (xAPI 1.0.3, and IEEE 9274.1.1 / xAPI 2.0 where a checker takes the version):
where ralph-malph's strict model is stricter than the specification (e-mail deliverability,
for instance) the specification wins. Checks of values that repeat across statements (IRIs,
language tags, email addresses) are memoised in byte-bounded memos (:mod:`.memo`), which is
what makes validation cheap at intake rates without letting a sender pin memory.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import langcodes
from pydantic import AnyUrl, TypeAdapter, ValidationError

from .memo import memoised


class FormatError(ValueError):
    """A value does not have the format its property requires; the message says which."""


# -- IRIs (RFC 3987) --------------------------------------------------------------------
# Built from the RFC's ABNF. ihost's IPv4address alternative is left out because ireg-name
# already matches every dotted quad.

_UCSCHAR = (
    "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef"
    "\U00010000-\U0001fffd\U00020000-\U0002fffd\U00030000-\U0003fffd"
    "\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd"
    "\U000a0000-\U000afffd\U000b0000-\U000bfffd\U000c0000-\U000cfffd"
    "\U000d0000-\U000dfffd\U000e1000-\U000efffd"
)
_IPRIVATE = "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
_UNRESERVED = "A-Za-z0-9\\-._~"
_SUB_DELIMS = "!$&'()*+,;="
_PCT = "%[0-9A-Fa-f]{2}"
_IUNRESERVED = f"[{_UNRESERVED}{_UCSCHAR}]"
_IPCHAR = f"(?:[{_UNRESERVED}{_UCSCHAR}{_SUB_DELIMS}:@]|{_PCT})"
_H16 = "[0-9A-Fa-f]{1,4}"
_DEC_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])"
_IPV4 = f"{_DEC_OCTET}\\.{_DEC_OCTET}\\.{_DEC_OCTET}\\.{_DEC_OCTET}"
_LS32 = f"(?:{_H16}:{_H16}|{_IPV4})"
_IPV6 = (
    "(?:"
    f"(?:{_H16}:){{6}}{_LS32}"
    f"|::(?:{_H16}:){{5}}{_LS32}"
    f"|(?:{_H16})?::(?:{_H16}:){{4}}{_LS32}"
    f"|(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}{_LS32}"
    f"|(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}{_LS32}"
    f"|(?:(?:{_H16}:){{0,3}}{_H16})?::{_H16}:{_LS32}"
    f"|(?:(?:{_H16}:){{0,4}}{_H16})?::{_LS32}"
    f"|(?:(?:{_H16}:){{0,5}}{_H16})?::{_H16}"
    f"|(?:(?:{_H16}:){{0,6}}{_H16})?::"
    ")"
)
_IPVFUTURE = f"v[0-9A-Fa-f]+\\.[{_UNRESERVED}{_SUB_DELIMS}:]+"
_IP_LITERAL = f"\\[(?:{_IPV6}|{_IPVFUTURE})\\]"
_IREG_NAME = f"(?:{_IUNRESERVED}|{_PCT}|[{_SUB_DELIMS}])*"
_IUSERINFO = f"(?:{_IUNRESERVED}|{_PCT}|[{_SUB_DELIMS}:])*"
_IAUTHORITY = f"(?:{_IUSERINFO}@)?(?:{_IP_LITERAL}|{_IREG_NAME})(?::[0-9]*)?"
_ISEGMENT = f"{_IPCHAR}*"
_ISEGMENT_NZ = f"{_IPCHAR}+"
_IHIER_PART = (
    f"(?://{_IAUTHORITY}(?:/{_ISEGMENT})*"
    f"|/(?:{_ISEGMENT_NZ}(?:/{_ISEGMENT})*)?"
    f"|{_ISEGMENT_NZ}(?:/{_ISEGMENT})*"
    "|)"
)
_IQUERY = f"(?:{_IPCHAR}|[{_IPRIVATE}/?])*"
_IFRAGMENT = f"(?:{_IPCHAR}|[/?])*"
IRI_PATTERN = re.compile(
    f"[A-Za-z][A-Za-z0-9+\\-.]*:{_IHIER_PART}(?:\\?{_IQUERY})?(?:#{_IFRAGMENT})?"
)


@memoised(budget=8 << 20)
def _iri_ok(value: str) -> bool:
    return IRI_PATTERN.fullmatch(value) is not None


def check_iri(value: object) -> str:
    """An absolute IRI (RFC 3987)."""
    if type(value) is not str or not _iri_ok(value):
        raise FormatError("must be an absolute IRI (RFC 3987), e.g. https://example.com/x")
    return value


_ANY_URL = TypeAdapter(AnyUrl)


@memoised(budget=2 << 20)
def _url_ok(value: str) -> bool:
    if not _iri_ok(value):
        return False
    try:
        _ANY_URL.validate_python(value)
    except ValidationError:
        return False
    return True


def check_url(value: object) -> str:
    """An absolute IRI that is also a resolvable URL (``moreInfo``, ``fileUrl``)."""
    if type(value) is not str or not _url_ok(value):
        raise FormatError("must be an absolute URL, e.g. https://example.com/about")
    return value


# -- language tags (RFC 5646) -------------------------------------------------------------


@memoised(budget=1 << 20, max_key=64)
def _tag_ok(value: str) -> bool:
    return bool(value) and langcodes.tag_is_valid(value)


def check_language_tag(value: object) -> str:
    if type(value) is not str or not _tag_ok(value):
        raise FormatError("must be a valid RFC 5646 language tag, e.g. en-US")
    return value


# -- mailto IRIs --------------------------------------------------------------------------


# The addr-spec of RFC 5322 without its obsolete forms, with the UTF-8 of RFC 6531: a
# dot-atom or quoted local part, then a host name (one label is enough: intranet LMSs send
# admin@localhost and ann@corp.local) or an address literal. Syntax only, never whether mail
# could be delivered: an identifier does not need a reachable mailbox.
_U8 = "\u0080-\U0010ffff"
_ATEXT = rf"[A-Za-z0-9!#$%&'*+/=?^_`{{|}}~\-{_U8}]"
_QTEXT = rf"(?:[\x20\x21\x23-\x5b\x5d-\x7e{_U8}]|\\[\x20-\x7e])"
_LOCAL = rf'(?:{_ATEXT}+(?:\.{_ATEXT}+)*|"{_QTEXT}*")'
_LABEL = rf"[A-Za-z0-9{_U8}](?:[A-Za-z0-9\-{_U8}]*[A-Za-z0-9{_U8}])?"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[\x21-\x5a\x5e-\x7e]*\])"
_MAILBOX = re.compile(rf"({_LOCAL})@({_DOMAIN})")


@memoised(budget=8 << 20)
def _mailbox_ok(address: str) -> bool:
    if any(c.isspace() for c in address):
        return False
    found = _MAILBOX.fullmatch(address)
    # RFC 5321's limits: 64 octets of local part, 255 of domain.
    return (
        found is not None
        and len(found.group(1).encode()) <= 64
        and len(found.group(2).encode()) <= 255
    )


def check_mbox(value: object) -> str:
    """A ``mailto:`` IRI whose address is a valid email address."""
    if type(value) is not str or not value.startswith("mailto:") or not _mailbox_ok(value[7:]):
        raise FormatError("must be a mailto IRI with a valid address, e.g. mailto:ann@example.com")
    return value


_SHA1 = re.compile("[0-9a-f]{40}")


def check_sha1sum(value: object) -> str:
    if type(value) is not str or _SHA1.fullmatch(value) is None:
        raise FormatError("must be 40 lowercase hex digits (SHA-1 of the mailto IRI)")
    return value


# -- UUIDs --------------------------------------------------------------------------------

_UUID = re.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def check_uuid(value: object) -> uuid.UUID:
    """A UUID in its hyphenated 8-4-4-4-12 form (either case)."""
    return uuid.UUID(check_uuid_text(value))


def check_uuid_text(value: object) -> str:
    """:func:`check_uuid` for a UUID only checked, not used: the text as it is (building
    the UUID object costs more than the check)."""
    if type(value) is not str or _UUID.fullmatch(value) is None:
        raise FormatError("must be a UUID like 2f1e6b0a-8c1d-4a8e-9d2f-3b7c5e1a9f00")
    return value


# -- timestamps and durations (ISO 8601) ----------------------------------------------------

_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
    r"(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
_DATETIME = TypeAdapter(datetime)


_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:Z|[+-][0-9]{2}:[0-9]{2})"
)


def check_timestamp(value: object) -> datetime:
    """An ISO 8601 date and time; one without an offset is taken as UTC.

    The offset ``-00:00`` is refused, as xAPI 1.0.3 asks.
    """
    if type(value) is not str or _TIMESTAMP.fullmatch(value) is None:
        raise FormatError("must be an ISO 8601 timestamp, e.g. 2026-03-01T09:30:00.000Z")
    return _instant(value)


def check_timestamp_2(value: object) -> datetime:
    """xAPI 2.0's stricter rule: an RFC 3339 date-time, with its offset (``Z`` or ``+hh:mm``)."""
    if type(value) is not str or _RFC3339.fullmatch(value) is None:
        raise FormatError(
            "must be an RFC 3339 timestamp with its offset (xAPI 2.0), "
            "e.g. 2026-03-01T09:30:00.000Z"
        )
    return _instant(value)


def _instant(value: str) -> datetime:
    if value.endswith(("-00:00", "-0000", "-00")):
        raise FormatError("must not use the offset -00:00; use Z or +00:00")
    try:
        parsed = _DATETIME.validate_python(value)
    except ValidationError:
        raise FormatError("is not a real date and time (ISO 8601)") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_DURATION = re.compile(
    rf"P(?:{_NUMBER}W|(?=[0-9T])(?:{_NUMBER}Y)?(?:{_NUMBER}M)?(?:{_NUMBER}D)?"
    rf"(?:T(?=[0-9])(?:{_NUMBER}H)?(?:{_NUMBER}M)?(?:{_NUMBER}S)?)?)"
)
_TIMEDELTA = TypeAdapter(timedelta)


def check_duration(value: object) -> timedelta:
    """A non-negative ISO 8601 duration such as ``PT1H30M`` or ``P2DT4.5S``."""
    if type(value) is not str or _DURATION.fullmatch(value) is None:
        raise FormatError("must be an ISO 8601 duration, e.g. PT1H30M or PT42.5S")
    try:
        return _TIMEDELTA.validate_python(value)
    except ValidationError:
        raise FormatError("is not a duration pydantic can read (ISO 8601)") from None


_VERSION = re.compile("1\\.0(?:\\.[0-9]+)?")
_VERSION_2 = re.compile("(?:1\\.0|2\\.0)(?:\\.[0-9]+)?")


def check_version(value: object) -> str:
    """A statement's ``version`` sent as xAPI 1.0.x: 1.0 or 1.0.x."""
    if type(value) is not str or _VERSION.fullmatch(value) is None:
        raise FormatError("must be an xAPI 1.0 version such as 1.0.3")
    return value


def check_version_2(value: object) -> str:
    """A statement's ``version`` sent as xAPI 2.0: 2.0 or 2.0.x, or 1.0.x for an older one."""
    if type(value) is not str or _VERSION_2.fullmatch(value) is None:
        raise FormatError("must be an xAPI version such as 2.0.0 or 1.0.3")
    return value

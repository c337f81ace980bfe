"""Where ``learnwire serve`` is reached from outside, and whether that can be where it listens.

The public URL names every link an LMS is given (login, launch, keyset URLs); when it points
at another port than the server's, LMS launches fail in ways that name neither. So the URL
is derived from ``--host``/``--port`` when none was configured, and a configured one that
cannot reach this server is reported at start-up.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from ..config import Settings

_DEFAULT_PORTS = {"http": 80, "https": 443}
_ANY_HOST = ("0.0.0.0", "::", "")


def _loopback(host: str) -> bool:
    host = host.lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def settle_public_url(settings: Settings, host: str, port: int) -> list[str]:
    """Fill in ``settings.public_url`` from where the server listens when it was not set;
    return warnings (empty when the public URL can reach this server)."""
    if "public_url" not in settings.model_fields_set:
        shown = "127.0.0.1" if host in _ANY_HOST else host
        if ":" in shown:
            shown = f"[{shown}]"
        settings.public_url = f"http://{shown}:{port}"
        if host in _ANY_HOST:
            return [
                f"no public URL is set, so LMS-facing links use {settings.public_url}, which "
                "another machine cannot reach; set LEARNWIRE_PUBLIC_URL to the https address "
                "the LMS and browsers use"
            ]
        return []
    url = settings.public_url
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return [f"the public URL '{url}' has no http(s) scheme and host; LMS links will not work"]
    if not _loopback(parts.hostname):
        return []  # behind a proxy or a DNS name: where it listens is the proxy's business
    try:
        url_port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return [f"the public URL '{url}' has an invalid port"]
    if url_port != port:
        return [
            f"the public URL {url} points at port {url_port}, but this server listens on port "
            f"{port}: LMS launches would go elsewhere and be refused (foreign_target). Set "
            f"LEARNWIRE_PUBLIC_URL=http://{parts.hostname}:{port} or unset it"
        ]
    return []

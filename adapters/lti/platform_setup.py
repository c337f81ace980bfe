"""What an LMS admin pastes: Moodle's "External tool" form values and Canvas's developer key
JSON, derived from the tool's URLs so they can never drift from the routes."""

from __future__ import annotations

from typing import Any

from .dynamic_registration import SCOPES
from .settings import ToolUrls

AGS_CHOICE = "Use this service for grade sync and column management"
NRPS_CHOICE = "Use this service to retrieve members' information as per privacy settings"


def moodle_fields(urls: ToolUrls, name: str) -> list[tuple[str, str]]:
    """(Moodle form field, value) for Site administration > Plugins > External tool > Manage
    tools > configure a tool manually (Moodle 4.x)."""
    return [
        ("Tool name", name),
        ("Tool URL", urls.launch_url),
        ("LTI version", "LTI 1.3"),
        ("Public key type", "Keyset URL"),
        ("Public keyset", urls.jwks_url),
        ("Initiate login URL", urls.login_url),
        ("Redirection URI(s)", f"{urls.launch_url}\n{urls.deep_linking_url}"),
        ("Supports Deep Linking (Content-Item Message)", "checked"),
        ("Content Selection URL", urls.deep_linking_url),
        ("IMS LTI Assignment and Grade Services", AGS_CHOICE),
        ("IMS LTI Names and Role Provisioning", NRPS_CHOICE),
        ("Share launcher's name with tool", "Always"),
        ("Share launcher's email with tool", "Always"),
    ]


def canvas_developer_key(urls: ToolUrls, name: str) -> dict[str, Any]:
    """The JSON for Admin > Developer Keys > + LTI Key > Method: Paste JSON."""
    return {
        "title": name,
        "description": "Personal learning recommendations with a reason for each.",
        "oidc_initiation_url": urls.login_url,
        "target_link_uri": urls.launch_url,
        "public_jwk_url": urls.jwks_url,
        "scopes": list(SCOPES),
        "extensions": [
            {
                "domain": urls.domain,
                "tool_id": "learnwire",
                "platform": "canvas.instructure.com",
                "privacy_level": "public",
                "settings": {
                    "text": name,
                    "placements": [
                        {
                            "placement": "course_navigation",
                            "message_type": "LtiResourceLinkRequest",
                            "target_link_uri": urls.launch_url,
                            "text": name,
                        },
                        {
                            "placement": "link_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": urls.deep_linking_url,
                            "text": f"{name}: add learning content",
                        },
                        {
                            "placement": "assignment_selection",
                            "message_type": "LtiDeepLinkingRequest",
                            "target_link_uri": urls.deep_linking_url,
                            "text": f"{name}: add learning content",
                        },
                    ],
                },
            }
        ],
        "custom_fields": {},
    }

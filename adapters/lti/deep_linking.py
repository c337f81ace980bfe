"""Deep linking: the chosen catalogue items go back to the LMS as signed LTI resource links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem

from .checks import DEEP_LINKING_SETTINGS
from .context import CONTENT_PARAM
from .errors import LtiError
from .offers import Offer

#: Scores learnwire posts are percentages.
SCORE_MAXIMUM = 100
LINE_ITEM_TAG = "learnwire"


@dataclass(frozen=True)
class DeepLinkingResponse:
    """Where to post the signed JWT (an auto-submitted form in the browser) and the JWT."""

    return_url: str
    jwt: str
    items: int


def accepts(settings: dict[str, Any], flag: str) -> bool:
    """A deep-linking settings flag (``accept_multiple``, ``accept_lineitem``); absent = yes."""
    value = settings.get(flag)
    if value is None:
        return True
    return value if isinstance(value, bool) else str(value).lower() == "true"


def resource_link(item: Offer, *, launch_url: str, graded: bool) -> DeepLinkResource:
    """One LTI resource link: launches come back to the tool with the item's id."""
    resource = (
        DeepLinkResource()
        .set_title(item.title)
        .set_url(launch_url)
        .set_custom_params({CONTENT_PARAM: str(item.content_id)})
    )
    if graded:
        resource.set_lineitem(
            LineItem()
            .set_score_maximum(SCORE_MAXIMUM)
            .set_label(item.title)
            .set_resource_id(str(item.content_id))
            .set_tag(LINE_ITEM_TAG)
        )
    return resource


def respond(
    launch: Any, items: Sequence[Offer], *, launch_url: str, graded: bool
) -> DeepLinkingResponse:
    """Sign a deep-linking response for ``items`` with the tool's active key.

    ``launch`` is the restored deep-linking launch (its registration carries the key).

    Respects the platform's ``accept_multiple`` and ``accept_lineitem`` settings.
    """
    if not items:
        raise LtiError("Pick at least one item to add to the course.")
    try:
        deep_link = launch.get_deep_link()
    except LtiException as exc:
        raise LtiError(f"This launch cannot return content to the LMS: {exc}.") from exc
    settings = launch.get_launch_data().get(DEEP_LINKING_SETTINGS) or {}
    if len(items) > 1 and not accepts(settings, "accept_multiple"):
        raise LtiError("The LMS accepts a single item here; pick one.")
    graded = graded and accepts(settings, "accept_lineitem")
    resources = [resource_link(i, launch_url=launch_url, graded=graded) for i in items]
    return DeepLinkingResponse(
        return_url=settings["deep_link_return_url"],
        jwt=deep_link.get_response_jwt(resources),
        items=len(resources),
    )

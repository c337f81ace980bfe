"""``/learning-admin``: organisation-wide figures for L&D staff, and ``/api/v1/learning-admin``."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from . import charts, doors
from .errors import html_errors, reject_nul
from .ld_data import LdView, ld_view
from .sections import mounted

ld_pages = html_errors(Blueprint("pages_ld", __name__, template_folder="templates"))
ld_api = reject_nul(Blueprint("pages_ld_api", __name__, url_prefix="/api/v1"))
ROLE = "ld_admin"


def _view() -> LdView:
    person = doors.require(ROLE)
    with doors.runtime().db.connection() as conn:
        return ld_view(conn, doors.engine(), doors.subject(person, ROLE))


@ld_pages.get("/learning-admin")
def learning_admin() -> Response:
    view = _view()
    divergence = charts.lines(
        [charts.Series("Identical same-role pairs", [d.identical_share for d in view.days])],
        [d.day[5:] for d in view.days],
        title="Same-Role Divergence per day",
        description="Share of pairs of people with the same role whose top five "
        "recommendations were identical that day; lower is more personal.",
        maximum=1.0,
        percent=True,
        key="divergence",
    )
    calibration = charts.lines(
        [
            charts.Series("Predicted", [b["predicted"] for b in view.model.calibration]),
            charts.Series("Observed", [b["observed"] for b in view.model.calibration]),
        ],
        [f"{b['from']:.1f}" for b in view.model.calibration],
        title="Knowledge tracing calibration",
        description="Predicted and observed share of correct answers per band of prediction.",
        maximum=1.0,
        percent=True,
        key="calibration",
    )
    signals = sorted({s for d in view.days for s in d.signal_share})
    return doors.render(
        "pages/learning_admin.html",
        title="Learning admin",
        view=view,
        divergence=divergence,
        calibration=calibration,
        signals=signals,
        sections=mounted(),
    )


@ld_api.get("/learning-admin")
def learning_admin_json() -> Any:
    return jsonify(_view().model_dump(mode="json"))

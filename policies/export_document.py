"""An access-request export a person can read: one self-contained HTML page.

The JSON export is complete but written for machines. This page says, section by section,
what each kind of record is, and shows every record as labelled fields, so the person can
see what learnwire holds without reading raw rows. Everything is escaped; the page loads
nothing from elsewhere.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

#: What the tables and holder sections hold, in words (others get a generic sentence).
DESCRIPTIONS = {
    "learner": "Your pseudonymous learner record: the id learnwire uses instead of your name.",
    "identity_link": "Your identifiers (e-mail, LMS and HR ids), each stored only as a keyed "
    "hash: learnwire can recognise them again but cannot read them back.",
    "learning_event": "What you did in learning systems (xAPI statements: completed, "
    "answered, rated...), with scores where there are any.",
    "hr_fact": "Facts from the HR system: job profile, team, skills and goals.",
    "calendar_signal": "Situations read from your calendar (a one-to-one next week...), never "
    "meeting titles or attendees.",
    "team_membership": "Which teams you belong to and whether you manage one.",
    "identity_conflict": "Cases where one record seemed to name two learners, kept for a "
    "person to resolve.",
    "policy_opt_out": "The signal families you opted out of.",
    "experiment_assignment": "Which arm of an L&D experiment you were placed in (what kind of "
    "recommendations you were served while it ran), and when.",
    "lti_launch": "Each time you opened learnwire from your LMS.",
    "lti_course_membership": "The LMS courses you were seen in, and your role there.",
    "lti.lti_launch_data": "The launch messages your LMS sent (kept only until they expire).",
    "audit": "Who read, changed or was refused your data, when and for which purpose (the "
    "audit log; it names you only by a keyed hash).",
    "xapi.named_in_other_statements": "Statements about other learners' activity that name "
    "you (for instance as their instructor); the other learner's data is left out.",
}


def render_html(data: dict[str, Any]) -> str:
    """The export ``data`` (from :func:`~learnwire.policies.erasure.export`) as HTML."""
    sections: list[tuple[str, list[dict[str, Any]]]] = [("learner", [data["learner"]])]
    sections += sorted(data["tables"].items())
    for holder, held in sorted(data.get("held_by", {}).items()):
        sections += [(f"{holder}.{name}", records) for name, records in sorted(held.items())]
    if data.get("audit"):
        sections.append(("audit", data["audit"]))
    total = sum(len(records) for _, records in sections)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Your data in learnwire ({escape(data['learner_id'])})</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}"
        "th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}"
        "th{background:#f4f4f4}pre{margin:0;white-space:pre-wrap}</style></head><body>",
        "<h1>Your data in learnwire</h1>",
        f"<p>Learner id <code>{escape(data['learner_id'])}</code>; exported "
        f"{escape(data['exported_at'])} under policy version "
        f"{escape(str(data.get('policy_version') or 'default'))}. {total} record(s) in "
        f"{len(sections)} section(s). learnwire keeps no names or e-mail addresses in "
        "readable form: people are known by this id and by keyed hashes.</p>",
        "<ul>",
        *(
            f'<li><a href="#{escape(name)}">{escape(name)}</a> ({len(records)})</li>'
            for name, records in sections
        ),
        "</ul>",
    ]
    for name, records in sections:
        parts.append(f'<h2 id="{escape(name)}">{escape(name)}</h2>')
        parts.append(f"<p>{escape(DESCRIPTIONS.get(name, f'Records in {name}.'))}</p>")
        for i, record in enumerate(records, 1):
            parts.append(f"<table><caption>record {i} of {len(records)}</caption>")
            for field, value in record.items():
                parts.append(f"<tr><th>{escape(str(field))}</th><td>{_value(value)}</td></tr>")
            parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _value(value: Any) -> str:
    if value is None:
        return "<em>none</em>"
    if isinstance(value, dict | list):
        return f"<pre>{escape(json.dumps(value, indent=2, ensure_ascii=False))}</pre>"
    return escape(str(value))

"""Curation reports: where the library falls short of what people need, what has gone
stale, what is duplicated, and whose tags learners' later answers contradict.

Reports read people's data only in aggregate: a gap cell with fewer than ``min_people``
people is left out, so no row describes a person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

Conn = psycopg.Connection[Any]

ADL = "http://adlnet.gov/expapi/verbs/"
STARTED = tuple(ADL + v for v in ("launched", "initialized", "attempted", "progressed"))
FINISHED = tuple(ADL + v for v in ("completed", "passed", "experienced"))
FEEDBACK = "https://learnwire.dev/xapi/verbs/"
#: Default bands when a skill has no levels of its own: (name, upper bound of mastery).
DEFAULT_BANDS = (("foundation", 0.4), ("intermediate", 0.7), ("advanced", 1.0))


def skill_bands(conn: Conn) -> dict[str, list[tuple[str, float]]]:
    """Each skill's own levels as bands ``(name, upper bound)``, in order."""
    out: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for sid, name, threshold in conn.execute(
        "SELECT skill_id, name, threshold FROM skill_level ORDER BY skill_id, position"
    ):
        out[sid].append((name, float(threshold)))
    return out


def band_of_level(bands: list[tuple[str, float]], level: float) -> tuple[int, str]:
    """Index and name of the band a level (a mastery target, an item's difficulty) is in."""
    for i, (name, upper) in enumerate(bands):
        if level <= upper + 1e-9:
            return i, name
    return len(bands) - 1, bands[-1][0]


def gaps(
    conn: Conn, *, min_people: int = 5, enough_items: int = 2, min_gap: float = 0.1
) -> list[dict[str, Any]]:
    """Skills x levels people's roles need, weighted by how many people lack them and by how
    much, with the live items (applied tags) that teach that skill at that level."""
    needs = conn.execute(
        "WITH role AS (SELECT DISTINCT ON (learner_id) learner_id, value #>> '{}' AS profile "
        "FROM hr_fact WHERE fact_type = 'job_profile' ORDER BY learner_id, occurred_at DESC) "
        "SELECT r.skill_id, r.target_level, r.weight, coalesce(m.p_mastery, 0) "
        "FROM role JOIN job_profile_skill r ON r.job_profile_id = role.profile "
        "LEFT JOIN learner_skill_mastery m ON m.learner_id = role.learner_id "
        "AND m.skill_id = r.skill_id"
    ).fetchall()
    bands = skill_bands(conn)
    demand: dict[tuple[str, int], dict[str, Any]] = {}
    for sid, target, weight, mastery in needs:
        gap = float(target) - float(mastery)
        if gap < min_gap:
            continue
        index, name = band_of_level(bands.get(sid) or list(DEFAULT_BANDS), float(target))
        cell = demand.setdefault(
            (sid, index), {"people": 0, "demand": 0.0, "gap_sum": 0.0, "level": name}
        )
        cell["people"] += 1
        cell["demand"] += gap * float(weight)
        cell["gap_sum"] += gap
    supply: dict[tuple[str, int], list[float]] = defaultdict(list)
    for sid, difficulty, minutes in conn.execute(
        "SELECT cs.skill_id, c.difficulty, c.duration_minutes FROM content_skill cs "
        "JOIN content_item c ON c.id = cs.content_id WHERE c.retired_at IS NULL "
        "AND cs.weight >= 0.3"
    ):
        index, _ = band_of_level(bands.get(sid) or list(DEFAULT_BANDS), float(difficulty))
        supply[(sid, index)].append(float(minutes))
    names = dict(conn.execute("SELECT id, name FROM skill").fetchall())
    rows = []
    for (sid, index), cell in demand.items():
        items = supply.get((sid, index), [])
        if cell["people"] < min_people or len(items) >= enough_items:
            continue
        rows.append(
            {
                "skill_id": sid,
                "skill": names.get(sid, sid),
                "level": cell["level"],
                "people_with_gap": cell["people"],
                "mean_gap": round(cell["gap_sum"] / cell["people"], 3),
                "demand": round(cell["demand"], 3),
                "items": len(items),
                "minutes": round(sum(items)),
            }
        )
    return sorted(rows, key=lambda r: (-r["demand"], r["skill_id"], r["level"]))


@dataclass(frozen=True)
class StaleRules:
    min_age_days: int = 365
    min_starts: int = 5
    max_completion_rate: float = 0.3
    min_ratings: int = 3
    max_useful_share: float = 0.4
    min_dismissals: int = 5


def stale(conn: Conn, rules: StaleRules, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Old items with low completion, poor ratings or many dismissals, with the evidence."""
    now = now or datetime.now(UTC)
    rows = conn.execute(
        "SELECT c.id, c.provider, c.external_id, c.title, c.updated_at, "
        "count(*) FILTER (WHERE e.verb = ANY(%(started)s)) AS starts, "
        "count(*) FILTER (WHERE e.verb = ANY(%(finished)s)) AS finishes, "
        "count(*) FILTER (WHERE e.verb = %(fb)s || 'useful' "
        "OR e.verb = %(fb)s || 'more-like-this') AS useful, "
        "count(*) FILTER (WHERE e.verb = %(fb)s || 'not-useful') AS not_useful, "
        "count(*) FILTER (WHERE e.verb = %(fb)s || 'dismiss') AS dismissals, "
        "(SELECT count(*) FROM recommendation r WHERE r.content_id = c.id) AS recommended "
        # Ratings name an item by its activity id or, lacking one, its launch URL.
        "FROM content_item c LEFT JOIN learning_event e ON (e.content_id = c.id "
        "OR e.object_id = coalesce(c.activity_id, c.launch_url)) AND NOT e.voided "
        "WHERE c.retired_at IS NULL AND c.updated_at <= %(cutoff)s "
        "AND NOT EXISTS (SELECT 1 FROM content_retirement r WHERE r.content_id = c.id "
        "AND r.state IN ('proposed', 'retired')) GROUP BY c.id ORDER BY c.updated_at",
        {
            "started": list(STARTED),
            "finished": list(FINISHED),
            "fb": FEEDBACK,
            "cutoff": now - timedelta(days=rules.min_age_days),
        },
    ).fetchall()
    out = []
    for (
        cid,
        provider,
        external_id,
        title,
        updated,
        starts,
        finishes,
        useful,
        not_useful,
        dismissals,
        recommended,
    ) in rows:
        reasons = []
        attempts = max(starts, finishes)
        rate = finishes / attempts if attempts else None
        if attempts >= rules.min_starts and rate is not None and rate <= rules.max_completion_rate:
            reasons.append(f"completion {rate:.0%} of {attempts} starts")
        ratings = useful + not_useful
        if ratings >= rules.min_ratings and useful / ratings <= rules.max_useful_share:
            reasons.append(f"{not_useful} of {ratings} ratings not useful")
        if dismissals >= rules.min_dismissals:
            reasons.append(f"dismissed {dismissals} times")
        if not reasons:
            continue
        out.append(
            {
                "content_id": str(cid),
                "provider": provider,
                "external_id": external_id,
                "title": title,
                "reasons": reasons,
                "evidence": {
                    "age_days": (now - updated).days,
                    "starts": attempts,
                    "completions": finishes,
                    "completion_rate": rate,
                    "useful": useful,
                    "not_useful": not_useful,
                    "dismissals": dismissals,
                    "recommended": recommended,
                },
            }
        )
    return out


def duplicates(conn: Conn, *, min_similarity: float = 0.95) -> list[dict[str, Any]]:
    """Pairs of live items whose embeddings are nearly the same (pgvector cosine)."""
    rows = conn.execute(
        "SELECT a.provider, a.external_id, a.title, b.provider, b.external_id, b.title, "
        "b.similarity FROM content_item a CROSS JOIN LATERAL ("
        "SELECT o.id, o.provider, o.external_id, o.title, 1 - (o.embedding <=> a.embedding) "
        "AS similarity FROM content_item o WHERE o.id <> a.id AND o.retired_at IS NULL "
        "AND o.embedding IS NOT NULL ORDER BY o.embedding <=> a.embedding LIMIT 3) b "
        "WHERE a.retired_at IS NULL AND a.embedding IS NOT NULL AND a.id < b.id "
        "AND b.similarity >= %s ORDER BY b.similarity DESC, a.provider, a.external_id",
        (min_similarity,),
    ).fetchall()
    return [
        {
            "a": {"provider": r[0], "external_id": r[1], "title": r[2]},
            "b": {"provider": r[3], "external_id": r[4], "title": r[5]},
            "similarity": round(float(r[6]), 4),
        }
        for r in rows
    ]


def disagreements(
    conn: Conn, *, days: int = 30, min_people: int = 5, margin: float = 0.1
) -> list[dict[str, Any]]:
    """Items whose tagged skill did not improve in learners' answers after finishing them,
    while another skill did: the answers suggest the item teaches something else.

    For every learner who finished the item, assessment answers on each skill in the
    ``days`` before and after are compared (share correct); skills answered by fewer than
    ``min_people`` of them are not judged.
    """
    finished = conn.execute(
        "SELECT DISTINCT ON (e.learner_id, e.content_id) e.learner_id, e.content_id, "
        "e.occurred_at FROM learning_event e JOIN content_item c ON c.id = e.content_id "
        "WHERE e.verb = ANY(%s) AND NOT e.voided AND c.retired_at IS NULL "
        "ORDER BY e.learner_id, e.content_id, e.occurred_at",
        (list(FINISHED),),
    ).fetchall()
    answers: dict[Any, list[tuple[datetime, tuple[str, ...], bool]]] = defaultdict(list)
    for lid, at, skills, success in conn.execute(
        "SELECT learner_id, occurred_at, skill_ids, success FROM learning_event "
        "WHERE success IS NOT NULL AND NOT voided AND data_category = 'assessment' "
        "AND cardinality(skill_ids) > 0"
    ):
        answers[lid].append((at, tuple(skills), bool(success)))
    window = timedelta(days=days)
    lift: dict[Any, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for lid, cid, at in finished:
        per: dict[str, list[list[int]]] = defaultdict(lambda: [[0, 0], [0, 0]])
        for when, skills, ok in answers.get(lid, ()):
            side = 0 if at - window <= when < at else 1 if at < when <= at + window else None
            if side is None:
                continue
            for sid in skills:
                per[sid][side][0] += ok
                per[sid][side][1] += 1
        for sid, ((b_ok, b_n), (a_ok, a_n)) in per.items():
            if b_n and a_n:
                lift[cid][sid].append(a_ok / a_n - b_ok / b_n)
    tags: dict[Any, set[str]] = defaultdict(set)
    for cid, sid in conn.execute("SELECT content_id, skill_id FROM content_skill"):
        tags[cid].add(sid)
    titles = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT id, provider, external_id, title FROM content_item WHERE retired_at IS NULL"
        )
    }
    out = []
    for cid, per_skill in lift.items():
        judged = {s: sum(v) / len(v) for s, v in per_skill.items() if len(v) >= min_people}
        tagged = {s: judged[s] for s in tags.get(cid, ()) if s in judged}
        others = {s: v for s, v in judged.items() if s not in tags.get(cid, ())}
        if not tagged or not others:
            continue
        best_other = max(others, key=lambda s: others[s])
        weakest = min(tagged, key=lambda s: tagged[s])
        if tagged[weakest] <= 0 and others[best_other] >= tagged[weakest] + margin:
            provider, external_id, title = titles.get(cid, ("", "", ""))
            out.append(
                {
                    "provider": provider,
                    "external_id": external_id,
                    "title": title,
                    "tagged_skill": weakest,
                    "tagged_skill_lift": round(tagged[weakest], 3),
                    "answers_suggest": best_other,
                    "suggested_skill_lift": round(others[best_other], 3),
                    "learners": len(per_skill[weakest]),
                }
            )
    return sorted(out, key=lambda r: r["tagged_skill_lift"])

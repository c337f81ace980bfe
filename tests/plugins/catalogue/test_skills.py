"""`learnwire skills import` and `learnwire skills map-esco`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from learnwire.core.cli.root import cli
from learnwire.plugins.catalogue import plugin
from learnwire.plugins.catalogue.esco import packaged_csv, read_esco

DATA = Path(__file__).parent / "data"


def run(runtime, *args):
    plugin.register_commands(cli=cli)
    return CliRunner().invoke(cli, ["skills", *map(str, args)], obj=runtime)


def query(db, sql):
    with db.connection() as conn:
        return conn.execute(sql).fetchall()


def test_skills_import_stores_skills_levels_and_prerequisites(runtime, db):
    result = run(runtime, "import", DATA / "framework.csv", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["skills"], data["new"], data["prerequisites"], data["levels"]) == (5, 5, 2, 9)
    prereqs = dict(
        ((r[0], r[1]), round(r[2], 3))
        for r in query(db, "SELECT skill_id, requires_skill_id, min_level FROM skill_prerequisite")
    )
    assert prereqs == {("data-analysis", "sql"): 0.333, ("negotiation", "feedback"): 0.4}
    levels = query(
        db, "SELECT name, threshold FROM skill_level WHERE skill_id = 'feedback' ORDER BY position"
    )
    assert [r[0] for r in levels] == ["Aware", "Skilled", "Role model"]
    assert levels[-1][1] == 1.0
    again = json.loads(run(runtime, "import", DATA / "framework.csv", "--json").output)
    assert (again["new"], again["updated"], again["unchanged"]) == (0, 0, 5)


def test_skills_import_bad_file_names_lines_and_stores_nothing(runtime, db):
    result = run(runtime, "import", DATA / "framework_bad.csv")
    assert result.exit_code == 2
    out = result.output
    assert "line 3: 'id': String should match pattern" in out
    assert "line 4: 'name'" in out
    assert "line 5: prerequisite 'sql': level is neither a mastery" in out
    assert "line 8: repeats skill 'sql' of line 2" in out
    assert "line 9: prerequisite 'nowhere' is neither in this file nor in the skills" in out
    assert "line 10: prerequisite 'sql': mastery must be between 0 and 1" in out
    assert "prerequisites form a cycle: feedback -> negotiation -> feedback" in out
    assert query(db, "SELECT count(*) FROM skill") == [(0,)]


def test_skills_import_dry_run_writes_nothing(runtime, db):
    result = run(runtime, "import", DATA / "framework.csv", "--dry-run")
    assert result.exit_code == 0 and "5 skill(s) checked (dry run" in result.output
    assert query(db, "SELECT count(*) FROM skill") == [(0,)]


def test_skills_map_esco_finds_nearest_esco_skills(runtime, db):
    assert run(runtime, "import", DATA / "framework.csv").exit_code == 0
    result = run(
        runtime, "map-esco", "--esco-csv", DATA / "esco_sample.csv", "--top", "2", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["esco_skills"] == 7 and data["embedded"] == 7
    assert "ESCO classification of the European Commission" in data["attribution"]
    best = {m["skill_id"]: m["esco_text"] for m in data["matches"] if m["rank"] == 1}
    assert best["python"].startswith("Python (computer programming)")
    assert best["feedback"].startswith("give constructive feedback")
    assert best["data-analysis"].startswith("perform data analysis")
    assert best["negotiation"].startswith("negotiate contracts")
    assert query(db, "SELECT count(*) FROM skill_esco_match") == [(10,)]
    again = json.loads(
        run(runtime, "map-esco", "--esco-csv", DATA / "esco_sample.csv", "--json").output
    )
    assert again["embedded"] == 0, "ESCO embeddings are kept between runs"


def test_skills_esco_data_of_the_installed_package_is_readable():
    rows = read_esco(packaged_csv())
    assert len(rows) > 13_000
    assert all(uri.startswith("http://data.europa.eu/esco/skill/") for uri, _ in rows)


def test_skills_map_esco_without_loaded_data_says_what_to_do(runtime, db, tmp_path):
    bad = tmp_path / "esco.csv"
    bad.write_text("uri,label\nx,y\n")
    result = run(runtime, "map-esco", "--esco-csv", bad)
    assert result.exit_code == 2 and "header must be 'id,description'" in result.output


@pytest.fixture(autouse=True)
def _embedder_setting(runtime):
    assert runtime.settings.embedder == "minilm"

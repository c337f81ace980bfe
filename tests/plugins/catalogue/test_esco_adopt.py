"""`learnwire skills adopt-esco`: an organisation without a framework starts from ESCO."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from learnwire.core.cli.root import cli
from learnwire.plugins.catalogue import plugin
from learnwire.plugins.catalogue.esco_adopt import preferred_label

DATA = Path(__file__).parent / "data"
ESCO = DATA / "esco_sample.csv"
PYTHON = "http://data.europa.eu/esco/skill/ccd0a1d9-afda-43d9-b901-96344886e14d"


def run(runtime, *args):
    plugin.register_commands(cli=cli)
    return CliRunner().invoke(cli, list(map(str, args)), obj=runtime)


def adopt(runtime, *args):
    result = run(runtime, "skills", "adopt-esco", "--esco-csv", ESCO, "--by", "ld-lead", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def query(db, sql):
    with db.connection() as conn:
        return conn.execute(sql).fetchall()


def test_adopt_esco_by_term_makes_framework_skills_credited_to_esco(runtime, db):
    data = adopt(runtime, "--term", "constructive feedback", "--json")
    assert data["new"] == 1 and data["selected"] == 1
    assert "ESCO classification of the European Commission" in data["attribution"]
    [(sid, name, domain, description)] = query(
        db, "SELECT id, name, domain, description FROM skill"
    )
    assert sid == "esco-b9bb1f03-15e2-4079-943e-7e483b21725b"
    assert (name, domain) == ("give constructive feedback", "esco")
    assert description.startswith("give constructive feedback offer constructive")
    assert query(db, "SELECT skill_id, esco_uri FROM skill_esco_origin") == [
        (sid, "http://data.europa.eu/esco/skill/b9bb1f03-15e2-4079-943e-7e483b21725b")
    ]
    again = adopt(runtime, "--term", "constructive feedback", "--json")
    assert (again["new"], again["unchanged"]) == (0, 1), "adopting twice changes nothing"


def test_adopt_esco_keeps_the_name_an_admin_gave(runtime, db, tmp_path):
    adopt(runtime, "--uri", PYTHON, "--json")
    framework = tmp_path / "rename.csv"
    framework.write_text(
        "id,name,description\nesco-ccd0a1d9-afda-43d9-b901-96344886e14d,Python programming,\n"
    )
    assert run(runtime, "skills", "import", framework).exit_code == 0
    data = adopt(runtime, "--uri", PYTHON, "--term", "data analysis", "--json")
    assert [s["name"] for s in data["skills"]] == ["Python programming", "perform data analysis"]
    assert query(db, "SELECT name FROM skill ORDER BY name") == [
        ("Python programming",),
        ("perform data analysis",),
    ]


def test_adopt_esco_from_what_the_library_and_the_roles_need(runtime, db, tmp_path):
    # A library with no framework to tag it with yet.
    library = tmp_path / "library.csv"
    library.write_text(
        "id,title,description,url\n"
        "V1,Giving Feedback That Lands,How managers give constructive feedback to their team.,"
        "https://l.example/v1\n"
        "C2,Python for Analysts,Write Python programs that load and clean data.,"
        "https://l.example/c2\n"
    )
    result = run(runtime, "content", "import", library, "--provider", "acme")
    assert result.exit_code == 0, result.output
    with db.connection() as conn:
        conn.execute("INSERT INTO job_profile (id, name) VALUES ('jp-1', 'Contract negotiator')")
    content = adopt(runtime, "--from-content", "--per-query", "1", "--dry-run", "--json")
    names = {s["name"] for s in content["skills"]}
    assert {"give constructive feedback", "Python"} <= names, names
    assert "manage musical staff" not in names
    assert query(db, "SELECT count(*) FROM skill") == [(0,)], "a dry run writes no skill"
    roles = adopt(runtime, "--from-roles", "--per-query", "1", "--json")
    assert [s["esco_uri"][-36:] for s in roles["skills"]] == [
        "1e05596a-dc89-442f-8591-bf9198492f81"
    ]


def test_adopt_esco_near_a_text(runtime, db):
    data = adopt(runtime, "--near", "writing Python scripts", "--per-query", "1", "--json")
    assert [s["esco_uri"] for s in data["skills"]] == [PYTHON]


def test_adopt_esco_refuses_unknown_uris_and_an_empty_choice(runtime, db):
    result = run(
        runtime, "skills", "adopt-esco", "--esco-csv", ESCO, "--by", "x", "--uri", "http://x/y"
    )
    assert (
        result.exit_code == 2 and "not ESCO skills of the loaded data: http://x/y" in result.output
    )
    result = run(runtime, "skills", "adopt-esco", "--esco-csv", ESCO, "--by", "x")
    assert result.exit_code == 2 and "choose skills" in result.output
    assert query(db, "SELECT count(*) FROM skill") == [(0,)]


def test_preferred_label_guesses_the_head_of_esco_texts():
    texts = {
        "give constructive feedback offer constructive feedback gives constructive "
        "feedback Provide feedback.": "give constructive feedback",
        "define artistic vision define vision state artistic vision clearly outline artistic "
        "vision Continuously define.": "define artistic vision",
        "Python (computer programming) Python 3K Python The techniques.": "Python",
        "microbiology of fresh milk microbiology of milk science of fresh milk": "microbiology "
        "of fresh milk",
    }
    for text, label in texts.items():
        assert preferred_label(text) == label

"""`learnwire hr import`: validate everything, then one transaction or nothing."""

from __future__ import annotations

from click.testing import CliRunner

from learnwire.core.cli.root import cli
from learnwire.plugins.workday.commands import hr

GOOD = """employee_id,email,job_profile,management_level,organization,manager_id,location,hire_date
E-1,ana@acme.example,Software Engineer,Individual Contributor,Engineering,E-3,Berlin,2022-03-01
E-2,ben@acme.example,Software Engineer,Individual Contributor,Engineering,E-3,Berlin,2023-09-15
E-3,dee@acme.example,Engineering Manager,Manager,Engineering,,Berlin,2019-01-07
"""

BAD = """employee_id,email,manager_id,hire_date
E-1,ana@acme.example,E-3,2022-03-01
E-2,not-an-email,,2023-09-15
E-1,again@acme.example,,
E-4,eve@acme.example,E-77,31/12/2020
"""


def _invoke(runtime, *args):
    if "hr" not in cli.commands:
        cli.add_command(hr)
    return CliRunner().invoke(cli, ["hr", "import", *args], obj=runtime)


def _count(db, table):
    with db.connection() as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_hr_import_brings_people_and_teams(runtime, db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(GOOD)
    result = _invoke(runtime, str(path))
    assert result.exit_code == 0, result.output
    assert "3 people imported: 3 new learners" in result.output
    assert _count(db, "learner") == 3
    with db.connection() as conn:
        team = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_manager) FROM team_membership "
            "WHERE unit_external_id = 'team:E-3'"
        ).fetchone()
        sources = {r[0] for r in conn.execute("SELECT DISTINCT source FROM hr_fact")}
    assert team == (3, 1)
    assert sources == {"hr_csv"}
    again = _invoke(runtime, str(path), "--json")
    assert '"new": 0' in again.output and '"updated": 0' in again.output


def test_hr_import_refuses_a_file_with_bad_rows_and_names_their_lines(runtime, db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(BAD)
    result = _invoke(runtime, str(path))
    assert result.exit_code == 2
    message = result.output
    assert "nothing imported, 5 problem(s)" in message
    assert "line 2: manager_id E-3 is not a row of this file" in message
    assert "line 3: email:" in message
    assert "line 4: E-1 already appears on line 2" in message
    assert "line 5: hire_date:" in message
    assert "line 5: manager_id E-77 is not a row of this file" in message
    assert _count(db, "learner") == 0
    assert _count(db, "hr_fact") == 0


def test_hr_import_unknown_column_is_an_error(runtime, db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("employee_id,salary\nE-1,100\n")
    result = _invoke(runtime, str(path))
    assert result.exit_code == 2
    assert "line 1: unknown column(s) salary" in result.output


def test_hr_import_dry_run_writes_nothing(runtime, db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(GOOD)
    result = _invoke(runtime, str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "3 people checked (dry run, nothing written)" in result.output
    assert _count(db, "learner") == 0


HISTORY = """employee_id,email,job_profile_id,hire_date,job_profile_start_date,previous_job_profile_id,previous_job_profile_start_date
E-3,dee@acme.example,JP-MGR,2019-01-07,2024-02-01,JP-ENG,2019-01-07
E-4,eve@acme.example,JP-ENG,2020-06-01,,,
E-5,fay@acme.example,JP-ENG,2020-06-01,2024-13-01,,
"""  # noqa: E501


def test_hr_import_brings_job_history_and_names_a_bad_date(runtime, db, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(HISTORY)
    result = _invoke(runtime, str(path))
    assert result.exit_code == 2
    assert "line 4: job_profile_start_date:" in result.output
    assert _count(db, "hr_fact") == 0
    path.write_text(HISTORY.rsplit("E-5", 1)[0])
    result = _invoke(runtime, str(path))
    assert result.exit_code == 0, result.output
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT fact_type, key, value FROM hr_fact "
            "WHERE fact_type IN ('job_profile_start', 'previous_job_profile') ORDER BY 1"
        ).fetchall()
    assert rows == [
        ("job_profile_start", "", "2024-02-01"),
        (
            "previous_job_profile",
            "JP-ENG",
            {"id": "JP-ENG", "start_date": "2019-01-07", "end_date": "2024-02-01"},
        ),
    ]

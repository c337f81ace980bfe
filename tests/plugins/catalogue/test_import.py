"""`learnwire content import`: every format from real hand-written files, all or nothing,
idempotent re-import with retirement, and XML that cannot expand entities."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from learnwire.core.cli.root import cli
from learnwire.core.models import Skill
from learnwire.core.store import catalogue
from learnwire.core.sync import run_provider
from learnwire.plugins.catalogue import plugin
from learnwire.plugins.catalogue.provider import FileCatalogueProvider

DATA = Path(__file__).parent / "data"
SKILLS = ("sql", "data-analysis", "feedback", "python")


@pytest.fixture
def skills(db):
    with db.connection() as conn:
        catalogue.upsert_skills(
            conn, [Skill(id=s, name=s.replace("-", " ").title(), domain="test") for s in SKILLS]
        )


def run(runtime, *args):
    plugin.register_commands(cli=cli)
    return CliRunner().invoke(cli, ["content", "import", *map(str, args)], obj=runtime)


def rows(db, provider):
    with db.connection() as conn:
        return {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT external_id, title, format, duration_minutes, difficulty, language, "
                "launch_url, activity_id, retired_at IS NOT NULL, summary FROM content_item "
                "WHERE provider = %s",
                (provider,),
            )
        }


def count(db):
    with db.connection() as conn:
        return conn.execute("SELECT count(*) FROM content_item").fetchone()[0]


def report(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_import_csv_stores_items_with_their_fields_and_skills(runtime, db, skills):
    data = report(run(runtime, DATA / "catalogue.csv", "--provider", "acme-lms", "--json"))
    assert (data["items"], data["new"], data["updated"], data["retired"]) == (6, 6, 0, 0)
    assert data["defaulted_durations"] == 1
    stored = rows(db, "acme-lms")
    assert stored["CRS-101"][1:5] == ("course", 120.0, pytest.approx(0.2), "en")
    assert stored["CRS-102"][2] == 45 and stored["ART-310"][2] == 75
    assert stored["POD-001"][2] == 38 and stored["DOC-77"][1] == "document"
    assert stored["DOC-77"][4] == "de" and stored["DOC-77"][2] == 30
    with db.connection() as conn:
        tags = set(
            conn.execute(
                "SELECT c.external_id, cs.skill_id, cs.weight FROM content_skill cs "
                "JOIN content_item c ON c.id = cs.content_id"
            ).fetchall()
        )
    assert ("CRS-102", "data-analysis", 0.4) in tags
    assert ("VID-201", "feedback", 1.0) in tags and len(tags) == 4


def test_import_reimport_counts_unchanged_updated_and_retires_missing(runtime, db, skills):
    report(run(runtime, DATA / "catalogue.csv", "--provider", "acme-lms", "--json"))
    again = report(run(runtime, DATA / "catalogue.csv", "--provider", "acme-lms", "--json"))
    assert (again["new"], again["updated"], again["unchanged"], again["retired"]) == (0, 0, 6, 0)
    changed = report(
        run(runtime, DATA / "catalogue_reimport.csv", "--provider", "acme-lms", "--json")
    )
    assert (changed["new"], changed["updated"], changed["unchanged"]) == (0, 1, 4)
    assert changed["retired"] == 1
    stored = rows(db, "acme-lms")
    assert stored["DOC-77"][7] is True, "retired, not deleted"
    assert stored["CRS-102"][0] == "Window Functions in Practice (2nd edition)"
    human = run(runtime, DATA / "catalogue_reimport.csv", "--provider", "acme-lms")
    assert "0 new, 0 updated, 5 unchanged, 0 retired" in human.output


def test_import_partial_file_retires_nothing(runtime, db, skills):
    report(run(runtime, DATA / "catalogue.csv", "--provider", "acme-lms", "--json"))
    partial = report(
        run(
            runtime,
            DATA / "catalogue_reimport.csv",
            "--provider",
            "acme-lms",
            "--partial",
            "--json",
        )
    )
    assert partial["retired"] == 0 and rows(db, "acme-lms")["DOC-77"][7] is False


def test_import_dry_run_reports_counts_and_writes_nothing(runtime, db, skills):
    data = report(
        run(runtime, DATA / "catalogue.csv", "--provider", "acme-lms", "--dry-run", "--json")
    )
    assert data["new"] == 6 and data["dry_run"] is True
    assert count(db) == 0


def test_import_bad_csv_names_every_line_and_stores_nothing(runtime, db, skills):
    result = run(runtime, DATA / "catalogue_bad.csv", "--provider", "acme-lms")
    assert result.exit_code == 2
    out = result.output
    assert "7 problem(s), nothing was imported" in out
    assert "line 3: 'title' is required" in out
    assert "line 4: format is not known" in out
    assert "line 5: difficulty must be between 0 and 1" in out
    assert "line 6: repeats the id of line 2" in out
    assert "line 7: duration is not a duration" in out
    assert "line 8: 'url'" in out
    assert "line 9: names skill 'no-such-skill'" in out
    assert count(db) == 0


def test_import_csv_without_required_columns_is_refused_at_line_1(runtime, db, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("name,link\nA,https://x.example\n")
    result = run(runtime, path, "--provider", "p")
    assert (
        result.exit_code == 2
        and "line 1: header lacks required column(s): id, title, url" in result.output
    )


def test_import_json_with_nested_skills(runtime, db, skills):
    data = report(run(runtime, DATA / "catalogue.json", "--provider", "vendor", "--json"))
    assert data["new"] == 3
    stored = rows(db, "vendor")
    assert stored["lx-4411"][2:5] == (210.0, pytest.approx(0.5), "en-GB")
    assert stored["lx-5001"][1] == "simulation" and stored["lx-5001"][3] == pytest.approx(0.8)


def test_import_bad_json_names_elements(runtime, db, skills):
    result = run(runtime, DATA / "catalogue_bad.json", "--provider", "vendor")
    assert result.exit_code == 2
    assert "items[1]: has unknown field(s): prize" in result.output
    assert "items[2]: must be an object" in result.output
    assert "items[3]: each skill must be a skill id" in result.output
    assert "items[4]: 'id' is required" in result.output
    truncated = run(runtime, DATA / "catalogue_truncated.json", "--provider", "vendor")
    assert truncated.exit_code == 2 and "line 4 column 1: is not valid JSON" in truncated.output
    assert count(db) == 0


def test_import_cmi5_units_become_items_with_their_activity_ids(runtime, db):
    relative = run(runtime, DATA / "cmi5.xml", "--provider", "cyber")
    assert relative.exit_code == 2
    assert (
        "au[1] id=https://courses.acme.example/cmi5/cyber-basics/phishing: has a relative"
        in relative.output
    )
    data = report(
        run(
            runtime,
            DATA / "cmi5.xml",
            "--provider",
            "cyber",
            "--base-url",
            "https://cdn.acme.example/cyber",
            "--json",
        )
    )
    assert data["new"] == 2
    phishing = rows(db, "cyber")["https://courses.acme.example/cmi5/cyber-basics/phishing"]
    assert phishing[0] == "Spot the Phish" and phishing[4] == "en-US"
    assert phishing[5] == "https://cdn.acme.example/cyber/phishing/index.html"
    assert phishing[6] == "https://courses.acme.example/cmi5/cyber-basics/phishing"


def test_import_bad_cmi5_names_its_units(runtime, db):
    result = run(runtime, DATA / "cmi5_bad.xml", "--provider", "broken")
    assert result.exit_code == 2
    assert "au[2]: has no id attribute" in result.output
    assert (
        "au[3] id=https://courses.acme.example/cmi5/broken/three: has no launch URL"
        in result.output
    )
    assert count(db) == 0


def test_import_scorm_12_manifest_title_description_launch(runtime, db):
    data = report(
        run(
            runtime,
            DATA / "scorm12" / "imsmanifest.xml",
            "--provider",
            "scorm",
            "--base-url",
            "https://lms.acme.example/scorm/excel/",
            "--json",
        )
    )
    assert data["new"] == 1
    (item,) = rows(db, "scorm").values()
    assert item[0] == "Excel Essentials" and item[2] == 90
    assert item[5] == "https://lms.acme.example/scorm/excel/content/index.html"
    assert item[8].startswith("Formulas, lookups and pivot tables")


def test_import_scorm_2004_one_item_per_launchable_sco(runtime, db):
    data = report(
        run(
            runtime,
            DATA / "scorm2004" / "imsmanifest.xml",
            "--provider",
            "scorm",
            "--base-url",
            "https://lms.acme.example/onboarding",
            "--json",
        )
    )
    assert data["new"] == 3
    stored = rows(db, "scorm")
    tools = stored["org.example.onboarding/tools"]
    assert tools[0] == "Tools You Will Use" and tools[2] == 45
    assert tools[5] == "https://lms.acme.example/onboarding/tools/index.html?start=1"
    assert stored["org.example.onboarding/people-1"][0] == "Your Buddy and Your Manager"


def _zip(folder: Path, target: Path, extra: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in folder.iterdir():
            archive.write(path, path.name)
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return target


def test_import_common_cartridge_lti_and_web_links(runtime, db, tmp_path):
    unpacked = report(run(runtime, DATA / "cc" / "imsmanifest.xml", "--provider", "cc", "--json"))
    assert unpacked["new"] == 2
    packed = report(
        run(runtime, _zip(DATA / "cc", tmp_path / "links.imscc"), "--provider", "cc", "--json")
    )
    assert packed["unchanged"] == 2
    stored = rows(db, "cc")
    assert stored["lti-dashboards"][0] == "Building Dashboards (vendor lab)"
    assert stored["lti-dashboards"][5] == "https://labs.vendor.example/lti/launch?lab=dashboards"
    assert stored["lti-dashboards"][8].startswith("Hands-on lab")
    assert stored["web-stats"][5] == "https://stats.open.example/refresher"


def test_import_cartridge_link_outside_the_package_is_refused(runtime, db, tmp_path):
    folder = tmp_path / "cc"
    shutil.copytree(DATA / "cc", folder)
    manifest = folder / "imsmanifest.xml"
    manifest.write_text(manifest.read_text().replace("weblink_stats.xml", "../../etc/passwd"))
    result = run(runtime, _zip(folder, tmp_path / "evil.imscc"), "--provider", "cc")
    assert result.exit_code == 2 and "points outside the package" in result.output
    assert count(db) == 0


def test_import_single_lti_link_file(runtime, db):
    data = report(run(runtime, DATA / "lti_link.xml", "--provider", "labs", "--json"))
    assert data["new"] == 1
    assert next(iter(rows(db, "labs").values()))[0] == "Dashboards Lab"


@pytest.mark.parametrize("name", ["xxe.xml", "billion_laughs.xml"])
def test_import_xml_with_entities_is_refused_never_expanded(runtime, db, name):
    result = run(runtime, DATA / name, "--provider", "evil")
    assert result.exit_code == 2
    assert "declares a DTD, entities or external references, which are refused" in result.output
    assert "root:" not in result.output and "lollol" not in result.output
    assert count(db) == 0


def test_import_malformed_xml_gives_its_line(runtime, db):
    result = run(runtime, DATA / "malformed.xml", "--provider", "x")
    assert result.exit_code == 2 and "malformed.xml line 4" in result.output


def test_import_refuses_a_name_another_plugin_provides(runtime, db, pm):
    class Other(FileCatalogueProvider.__mro__[1]):  # a ContentProvider that is not a file
        name = "moodle"

        def pull(self, *, checkpoint, full=False):
            return iter(())

    class Registers:
        @staticmethod
        @__import__("learnwire").hookimpl
        def register_content_providers(settings):
            return [Other()]

    pm.register(Registers(), name="other-lms")
    result = run(runtime, DATA / "catalogue.json", "--provider", "moodle")
    assert result.exit_code == 2 and "belongs to the Other plugin" in result.output


def test_hook_register_content_providers_syncs_configured_files(runtime, db, skills):
    runtime.settings.plugins["catalogue"] = {
        "files": [{"name": "library", "path": str(DATA / "catalogue.json")}]
    }
    (provider,) = plugin.register_content_providers(settings=runtime.settings)
    result = run_provider(runtime.db, runtime.intake(), provider, full=True)
    assert result.report.count("content").new == 3
    bad = FileCatalogueProvider("library", DATA / "catalogue_bad.json")
    with pytest.raises(Exception, match="items\\[1\\]"):
        run_provider(runtime.db, runtime.intake(), bad, full=True)
    assert len(rows(db, "library")) == 3


def test_import_unpacked_cartridge_cannot_read_files_beside_the_package(runtime, db, tmp_path):
    folder = tmp_path / "pkg" / "cc"
    shutil.copytree(DATA / "cc", folder)
    # A valid web link one level up: a manifest that could reach it could read any file.
    (tmp_path / "pkg" / "outside.xml").write_text((DATA / "cc" / "weblink_stats.xml").read_text())
    manifest = folder / "imsmanifest.xml"
    manifest.write_text(manifest.read_text().replace("weblink_stats.xml", "../outside.xml"))
    result = run(runtime, manifest, "--provider", "cc")
    assert result.exit_code == 2 and "points outside the package" in result.output
    assert count(db) == 0

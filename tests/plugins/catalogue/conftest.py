"""The catalogue's commands run as a user runs them, and the sample catalogue in ``data/``
(a skills framework and two providers' items) imported through them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from learnwire.core.cli.root import cli
from learnwire.plugins.catalogue import plugin

DATA = Path(__file__).parent / "data"


def run(runtime: Any, *args: object) -> Result:
    """``learnwire <args>`` with the catalogue's commands mounted; it must succeed."""
    plugin.register_commands(cli=cli)
    result = CliRunner().invoke(cli, list(map(str, args)), obj=runtime)
    assert result.exit_code == 0, result.output
    return result


def import_sample(runtime: Any) -> None:
    """data/framework.csv, then acme's items (catalogue.csv) and vendor's (catalogue.json)."""
    run(runtime, "skills", "import", DATA / "framework.csv")
    run(runtime, "content", "import", DATA / "catalogue.csv", "--provider", "acme")
    run(runtime, "content", "import", DATA / "catalogue.json", "--provider", "vendor")


def applied(db: Any, external_id: str) -> dict[str, str]:
    """The skills tagged on item ``external_id`` as the ranker reads them -> their origin."""
    with db.connection() as conn:
        return dict(
            conn.execute(
                "SELECT cs.skill_id, cs.origin FROM content_skill cs JOIN content_item c "
                "ON c.id = cs.content_id WHERE c.external_id = %s",
                (external_id,),
            ).fetchall()
        )

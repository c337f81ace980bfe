"""``learnwire plugins new NAME``: scaffold a pip-installable plugin package.

The package registers through the ``learnwire`` entry-point group, implements
``register_signal_sources`` with a small working source (activity records from a JSON Lines
file) and ships a test that passes against learnwire's real store through the
``learnwire.testing`` fixtures. docs/plugins.md walks through turning it into a real source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import Template

import click

from ... import __version__
from ..errors import Conflict, ValidationFailed
from .output import emit, json_option

TEMPLATE_DIR = Path(__file__).with_name("plugin_template")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
VERBS = ("completed", "passed", "failed", "attempted", "experienced")


@dataclass(frozen=True)
class PluginNames:
    """Every spelling of the plugin's name the templates need."""

    name: str  # entry-point, source and settings name: "acme_jira"
    package: str  # import package: "learnwire_acme_jira"
    dist: str  # distribution on PyPI: "learnwire-acme-jira"
    class_prefix: str  # "AcmeJira"

    @classmethod
    def of(cls, name: str) -> PluginNames:
        if not NAME_PATTERN.match(name):
            raise ValidationFailed(
                f"plugin name '{name}' must be lower case letters, digits and underscores, "
                "starting with a letter (at most 40 characters), e.g. 'jira' or 'acme_lms'",
                field="name",
            )
        return cls(
            name=name,
            package=f"learnwire_{name}",
            dist=f"learnwire-{name.replace('_', '-')}",
            class_prefix="".join(part.capitalize() for part in name.split("_") if part),
        )

    def substitutions(self) -> dict[str, str]:
        return {
            "name": self.name,
            "package": self.package,
            "dist": self.dist,
            "class_prefix": self.class_prefix,
            "env_name": self.name.upper(),
            "learnwire_version": __version__,
            "verbs": ", ".join(VERBS),
            "verb_literals": ", ".join(f'"{v}"' for v in VERBS),
        }


def scaffold_plugin(name: str, directory: Path) -> list[Path]:
    """Write the plugin package into ``directory`` (created; must not hold files yet).

    :returns: the files written, in order.
    :raises ValidationFailed: the name cannot be a plugin name.
    :raises Conflict: ``directory`` exists and is not empty.
    """
    names = PluginNames.of(name)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise Conflict(
            f"{directory} already exists and is not empty; choose another with --directory"
        )
    values = names.substitutions()
    rendered: list[tuple[Path, str]] = []
    # Everything is rendered before anything is written: no half-made package on error.
    for template in sorted(TEMPLATE_DIR.rglob("*.tmpl")):
        relative = template.relative_to(TEMPLATE_DIR).with_suffix("")  # drop .tmpl
        parts = [names.package if part == "package" else part for part in relative.parts]
        text = Template(template.read_text(encoding="utf-8")).substitute(values)
        rendered.append((directory.joinpath(*parts), text))
    for target, text in rendered:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return [target for target, _ in rendered]


@click.command("new")
@click.argument("name")
@click.option(
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to create the package (default: ./learnwire-NAME).",
)
@json_option
def new_plugin(name: str, directory: Path | None, as_json: bool) -> None:
    """Create a plugin package NAME: entry point, a working signal source and its test."""
    names = PluginNames.of(name)
    target = directory or Path(names.dist)
    files = scaffold_plugin(name, target)
    data = {
        "name": names.name,
        "package": names.package,
        "directory": str(target),
        "files": [str(f.relative_to(target)) for f in files],
        "next": [
            f"pip install -e {target}",
            f"cd {target} && pytest",
            "learnwire plugins list",
        ],
    }

    def human(d: dict) -> None:
        click.echo(f"created plugin '{d['name']}' in {d['directory']}:")
        for path in d["files"]:
            click.echo(f"  {path}")
        click.echo("next:")
        for step in d["next"]:
            click.echo(f"  {step}")

    emit(data, as_json, human)

"""The ``learnwire`` command line. Plugins add commands through ``register_commands``."""

from __future__ import annotations

import logging
import os
import sys
import warnings

import click

from ..errors import LearnwireError
from . import forecast as _forecast  # noqa: F401  (registers its command)
from . import outcomes as _outcomes  # noqa: F401  (registers its commands)
from . import recommend as _recommend  # noqa: F401  (registers its commands)
from .root import cli
from .sync import sync

cli.add_command(sync)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``learnwire`` console script."""
    # platformdirs warns on every run on servers without XDG_RUNTIME_DIR; it is harmless.
    warnings.filterwarnings("ignore", module="platformdirs")
    logging.basicConfig(
        level=os.environ.get("LEARNWIRE_LOG_LEVEL", "WARNING").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _apply_config_flag(argv if argv is not None else sys.argv[1:])
    try:
        from ..runtime import Runtime

        runtime = Runtime()
        runtime.pm.call_each("register_commands", cli=cli)
    except LearnwireError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    try:
        cli.main(args=argv, prog_name="learnwire", obj=runtime, standalone_mode=True)
    finally:
        runtime.close()


def _apply_config_flag(argv: list[str]) -> None:
    # --config must take effect before plugins load, so it is read ahead of click.
    for i, arg in enumerate(argv):
        if arg == "--config" and i + 1 < len(argv):
            os.environ["LEARNWIRE_CONFIG"] = argv[i + 1]
        elif arg.startswith("--config="):
            os.environ["LEARNWIRE_CONFIG"] = arg.split("=", 1)[1]


__all__ = ["cli", "main"]

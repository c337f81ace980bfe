"""The pages' small organisation (``sample_org``, tests/plugins/conftest.py) for experiments."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def everyone(sample_org: Any) -> list[Any]:
    return [sample_org.manager, *sample_org.big_team, *sample_org.small_team]

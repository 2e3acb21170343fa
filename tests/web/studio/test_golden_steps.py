"""The golden model steps the studio's JS tests read must match what the server records today."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def meaning(text: str) -> dict:
    """A fixture without its presentation (LaTeX of nodes), which the studio does not read."""
    data = json.loads(text)
    for node in data["trace"]["graph"]["nodes"]:
        node.pop("latex", None)
    return data


def test_the_studio_golden_steps_are_current():
    spec = importlib.util.spec_from_file_location("make_studio_fixtures", HERE / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, net in module.NETS.items():
        path = HERE / "fixtures" / f"{name}.json"
        assert meaning(path.read_text()) == meaning(module.render(net)), (
            f"{path.name} is stale: run .venv/bin/python tests/web/studio/make_fixtures.py "
            "and check that tests/web/studio/server-parity.test.js still passes"
        )

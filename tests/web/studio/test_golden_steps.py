"""The golden model steps the studio's JS tests read must match what the server records today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

HERE = Path(__file__).resolve().parent


def test_the_studio_golden_steps_are_current():
    spec = importlib.util.spec_from_file_location("make_studio_fixtures", HERE / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, net in module.NETS.items():
        path = HERE / "fixtures" / f"{name}.json"
        assert path.read_text() == module.render(net), (
            f"{path.name} is stale: run .venv/bin/python tests/web/studio/make_fixtures.py "
            "and check that tests/web/studio/server-parity.test.js still passes"
        )

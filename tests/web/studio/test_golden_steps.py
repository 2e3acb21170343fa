"""The golden model steps the studio's JS tests read must match what the server records today."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent


def meaning(text: str) -> dict:
    """A fixture without its presentation (LaTeX of nodes), which the studio does not read."""
    data = json.loads(text)
    for node in data["trace"]["graph"]["nodes"]:
        node.pop("latex", None)
    return data


def same(a, b, rel: float = 1e-9) -> bool:
    """Equal structure and strings; floats equal to `rel` (BLAS kernels differ in the last bits by CPU)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y, rel) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) or isinstance(b, float):
        numbers = isinstance(a, int | float) and isinstance(b, int | float)
        return numbers and math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)
    return a == b


def test_the_studio_golden_steps_are_current():
    spec = importlib.util.spec_from_file_location("make_studio_fixtures", HERE / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, net in module.NETS.items():
        path = HERE / "fixtures" / f"{name}.json"
        assert same(meaning(path.read_text()), meaning(module.render(net))), (
            f"{path.name} is stale: run .venv/bin/python tests/web/studio/make_fixtures.py "
            "and check that tests/web/studio/server-parity.test.js still passes"
        )

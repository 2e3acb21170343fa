"""The fixtures the JavaScript tests read (tests/web/fixtures/) are what the server serves: a node test never
checks the client against a vocabulary the server no longer speaks. Regenerate them with
`.venv/bin/python tests/web/fixtures/generate.py`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "web" / "fixtures"


def _generator():
    spec = importlib.util.spec_from_file_location("web_fixtures", FIXTURES / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_fixture_is_the_servers_answer(client):
    generator = _generator()
    made = generator.fixtures()
    assert made["ops.json"] == client.get("/api/v1/ops").json()  # the generator writes what /ops answers
    assert made["vocabulary.json"] == client.get("/api/v1/vocabulary").json()
    for name, value in made.items():
        kept = (FIXTURES / name).read_text(encoding="utf-8")
        assert kept == generator.text(value), f"{name} differs: run tests/web/fixtures/generate.py"

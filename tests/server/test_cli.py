import json

from backprop_playground.cli import main
from tests.api.conftest import MOONS


def test_train_prints_progress_and_the_result(tmp_path, capsys):
    spec = tmp_path / "moons.json"
    spec.write_text(json.dumps(MOONS))
    out = tmp_path / "state.json"
    assert main(["train", str(spec), "--steps", "40", "--every", "10", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert [line.split()[1] for line in captured.err.splitlines()] == ["10", "20", "30", "40"]
    result = json.loads(captured.out)
    assert result["step"] == 40 and result["diverged"] is None
    assert json.loads(out.read_text())["step"] == 40


def test_train_reports_a_bad_spec(tmp_path, capsys):
    spec = tmp_path / "bad.json"
    spec.write_text(json.dumps({**MOONS, "hidden": [{"units": 0}]}))
    assert main(["train", str(spec), "--steps", "5"]) == 2
    assert "units" in capsys.readouterr().err


def test_train_exits_1_when_training_diverges(tmp_path, capsys):
    spec = tmp_path / "wild.json"
    wild = {**MOONS, "optimizer": {"name": "sgd", "lr": 1000}, "hidden": [{"units": 8, "activation": "relu"}],
            "output": {"kind": "linear"}, "data": {"dataset": "sine"}}
    spec.write_text(json.dumps(wild))
    assert main(["train", str(spec), "--steps", "200"]) == 1
    assert json.loads(capsys.readouterr().out)["diverged"]["message"]

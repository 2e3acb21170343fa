"""Seeded datasets, CSV and inline data, each validated with a clear error."""

import numpy as np
import pytest

from backprop_playground.nets.datasets import DATASETS, dataset_from_inline, make_dataset, parse_csv, split
from backprop_playground.nets.limits import LimitError, Limits, SpecError


def test_xor_is_the_four_points():
    data = make_dataset("xor")
    assert data.x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert data.y.tolist() == [0, 1, 1, 0]
    assert data.task == "binary"


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_every_dataset_is_seeded_and_sized(name):
    a = make_dataset(name, n=40, seed=3)
    b = make_dataset(name, n=40, seed=3)
    assert a.x.shape[0] == 40 and len(a.y) == 40
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert np.all(np.isfinite(a.x))


def test_different_seeds_give_different_data():
    assert not np.array_equal(make_dataset("moons", seed=1).x, make_dataset("moons", seed=2).x)


def test_spiral_has_k_arms_as_classes():
    data = make_dataset("spiral", n=50, classes=5)
    assert data.task == "multiclass" and data.n_classes == 5
    assert set(data.y.tolist()) == {0, 1, 2, 3, 4}


def test_inverse_sine_is_multimodal():
    data = make_dataset("inverse_sine", n=2000, seed=0)
    near_half = np.abs(data.x[:, 0] - 0.5) < 0.03
    # several branches of t for the same x: the targets spread far apart
    assert np.ptp(data.y[near_half]) > 0.5


def test_unknown_dataset_and_bad_sizes():
    with pytest.raises(SpecError, match="unknown dataset 'nope'"):
        make_dataset("nope")
    with pytest.raises(LimitError, match="rows: 60000 exceeds the limit of 50000"):
        make_dataset("moons", n=60_000)
    with pytest.raises(LimitError, match="classes"):
        make_dataset("spiral", classes=101)


def test_csv_with_header_and_target_last():
    data = parse_csv("a,b,label\n0,0,0\n0,1,1\n1,0,2\n")
    assert data.feature_names == ["a", "b"]
    assert data.x.shape == (3, 2)
    assert data.task == "multiclass" and data.n_classes == 3


# (the same parametrized error-table shape as test_exprparse's: an idiom, not shared logic)
@pytest.mark.parametrize("text,message", [
    ("", "empty"),
    ("a,y\n", "no data rows"),
    ("a,b,y\n1,2,3\n1,2\n", "line 3 has 2 columns"),
    ("a,y\n1,abc\n", "column 'y': 'abc' is not a number"),
    ("a,y\n1,nan\n", "finite"),
    ("y\n1\n", "at least two columns"),
])
def test_csv_errors_are_clear(text, message):
    with pytest.raises(SpecError, match=message):
        parse_csv(text)


def test_csv_lines_may_end_in_a_lone_carriage_return():
    data = parse_csv("a,y\r0,1\r2,3\r")
    assert data.x.tolist() == [[0.0], [2.0]] and data.y.tolist() == [1.0, 3.0]


def test_unreadable_csv_is_a_clear_error():
    with pytest.raises(SpecError, match="cannot be read: field larger than field limit"):
        parse_csv("a,y\n1," + "7" * 200_000 + "\n")


def test_csv_limits():
    with pytest.raises(LimitError, match="rows"):
        parse_csv("a,y\n" + "1,0\n" * 11, Limits(rows=10))
    with pytest.raises(LimitError, match="features"):
        parse_csv(",".join(f"c{i}" for i in range(6)) + "\n" + ",".join("1" * 6) + "\n", Limits(features=4))


def test_inline_data_regression_and_errors():
    data = dataset_from_inline([[0.0], [1.0]], [0.5, -2.0])
    assert data.task == "regression"
    with pytest.raises(SpecError, match="ragged"):
        dataset_from_inline([[0, 1], [1]], [0, 1])
    with pytest.raises(SpecError, match="one target per row"):
        dataset_from_inline([[0], [1]], [0])
    with pytest.raises(SpecError, match="numbers only"):
        dataset_from_inline([["a"], [1]], [0, 1])


def test_split_is_seeded_and_disjoint():
    data = make_dataset("moons", n=100)
    train, test = split(data, 0.25, seed=1)
    assert len(train) == 75 and len(test) == 25
    rows = {tuple(r) for r in train.x} | {tuple(r) for r in test.x}
    assert len(rows) == 100
    assert split(data, None, 1) == (data, None)

"""Operation counts: path enumeration grows exponentially where backprop grows linearly."""

from __future__ import annotations

from backprop_playground.engine import Recorder, Tensor, count_chain_rule_ops


def square_chain(depth):
    """z = f(f(...f(w))) with f(x) = x·x: each level uses its input twice (two edges)."""
    w = Tensor(1.01, requires_grad=True, label="w")
    z = w
    for _ in range(depth):
        z = z * z
    return w, z


def diamond(depth):
    """y_{k+1} = tanh(y_k) + exp(y_k) (scaled): two branches that meet again at every level."""
    w = Tensor(0.1, requires_grad=True, label="w")
    y = w
    for _ in range(depth):
        y = (y.tanh() + y.exp()) * 0.1
    return w, y


def test_single_edge_chain_is_linear_for_every_method():
    w = Tensor(0.5, requires_grad=True)
    z = w
    for _ in range(4):
        z = z.tanh()
    assert count_chain_rule_ops(z) == {"paths": 1, "naive_paths": 3, "reverse_mode": 4, "forward_mode": 4}


def test_square_chain_paths_double_per_level():
    for depth in (1, 2, 5, 10):
        _, z = square_chain(depth)
        counts = count_chain_rule_ops(z)
        assert counts["paths"] == 2**depth
        assert counts["naive_paths"] == 2**depth * (depth - 1)
        assert counts["reverse_mode"] == 2 * depth == counts["forward_mode"]


def test_depth_60_diamond_uses_exact_big_integers():
    _, y = diamond(60)
    counts = count_chain_rule_ops(y)
    assert counts["paths"] == 2**60
    # a path crosses 3 edges per level: into tanh or exp, into the add, into the scaling mul
    assert counts["naive_paths"] == 2**60 * (3 * 60 - 1)
    assert counts["reverse_mode"] == 5 * 60  # tanh, exp, two into add, one into the mul
    assert isinstance(counts["naive_paths"], int) and counts["naive_paths"] > 2**64


def test_forward_mode_costs_one_pass_per_input():
    a, b, c = (Tensor(v, requires_grad=True) for v in (1.0, 2.0, 3.0))
    y = (a * b + c).tanh()
    counts = count_chain_rule_ops(y)
    assert counts["reverse_mode"] == 5  # a→mul, b→mul, mul→add, c→add, add→tanh
    assert counts["forward_mode"] == 3 + 3 + 2  # the edges downstream of a, of b, of c


def test_recorded_graph_gives_the_same_counts_as_the_tensor():
    w, z = square_chain(6)
    with Recorder() as rec:
        _, z = square_chain(6)
        z.backward()
    assert count_chain_rule_ops(rec.graph()) == count_chain_rule_ops(z)
    assert count_chain_rule_ops({"graph": {"nodes": rec.graph()}})["paths"] == 64

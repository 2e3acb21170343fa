"""Fact kinds about computation graphs: chain rule, Jacobian products, gradient tables, symbol-to-symbol
derivatives, and the operation counts of naive vs reverse vs forward mode."""

from __future__ import annotations

import numpy as np

from backprop_playground.engine import count_chain_rule_ops
from backprop_playground.nets.expressions import evaluate, evaluate_program, trace_expression
from backprop_playground.nets.lessons.facts.kinds import ExpressionPanel, kind
from backprop_playground.nets.lessons.facts.panels import panel_trace


@kind("softmax")
def softmax_fact(lesson: dict, panel: ExpressionPanel, target: int):
    """For scores z and a target class: log softmax(z)_target three ways, and the gradient of the NLL
    −log softmax(z)_target from backprop next to softmax(z) − one-hot."""
    trace = panel_trace(lesson, panel)
    z = np.asarray(lesson["panels"][panel]["expression"]["values"]["z"], dtype=float)
    lse = float(np.log(np.exp(z - z.max()).sum()) + z.max())
    p = np.exp(z - lse)
    return {"log_softmax": -float(trace["value"]), "z_minus_logsumexp": float(z[target] - lse),
            "z_minus_max": float(z[target] - z.max()), "gradient": trace["gradients"]["z"],
            "softmax_minus_onehot": p - np.eye(len(z))[target]}


@kind("jacobian")
def jacobian_fact(lesson: dict, panel: ExpressionPanel, inner: str, variable: str):
    """For out = f(inner), inner = g(variable): ∇_inner out, the Jacobian ∂inner/∂variable formed here
    explicitly (one backward pass per entry of inner), Jᵀ∇_inner out, and backprop's own ∇_variable out —
    which never forms J: its largest backward array has only as many entries as one vector."""
    spec = lesson["panels"][panel]["expression"]
    trace = panel_trace(lesson, panel)
    node = next(n["id"] for n in trace["graph"] if n["label"] == inner)
    grad_inner = [e["total"] for e in trace["events"] if e["type"] == "backward" and e["node"] == node][-1]
    _, leaves, named = evaluate_program(spec["source"], spec["values"])
    y, x = named[inner], leaves[variable]
    rows = []
    for i in range(y.data.size):
        x.grad = None
        y.backward(np.eye(y.data.size)[i].reshape(y.data.shape))
        rows.append(np.asarray(x.grad).reshape(-1))
    jac = np.array(rows)
    largest = max(np.size(e["contribution"]) for e in trace["events"] if e["type"] == "backward")
    product = (jac.T @ np.reshape(grad_inner, -1)).reshape(x.data.shape)
    return {"grad_inner": grad_inner, "jacobian": jac, "jacobian_T_grad": product,
            "gradient": trace["gradients"][variable], "jacobian_size": int(jac.size),
            "largest_backward_array": int(largest)}


@kind("gradient_table")
def gradient_table(lesson: dict, panel: ExpressionPanel):
    """The table g filled in reverse order: per node, in the order its gradient became final, its label,
    each contribution with the consumer it came from, and the total."""
    trace = panel_trace(lesson, panel)
    labels = {n["id"]: n["label"] for n in trace["graph"]}
    rows: dict[str, dict] = {}
    final: list[dict] = []
    for e in trace["events"]:
        if e["type"] == "backward":
            row = rows.setdefault(e["node"], {"node": labels[e["node"]], "contributions": []})
            row["contributions"].append({"from": labels[e["from"]], "value": e["contribution"]})
            row["total"] = e["total"]
            if e["pending"] == 0:
                final.append(row)
    return final


@kind("second_derivative")
def second_derivative(lesson: dict, panel: ExpressionPanel, variable: str):
    """Symbol-to-symbol: dy/dx built as graph nodes (create_graph), evaluated, then differentiated again;
    with the number of forward nodes and of nodes the backward pass added to the graph."""
    trace = panel_trace(lesson, panel, mode="symbolic")
    phases = [n.get("phase", "forward") for n in trace["graph"]]
    spec = lesson["panels"][panel]["expression"]
    out, leaves = evaluate(spec["source"], spec["values"])
    out.backward(create_graph=True)
    first = leaves[variable].grad
    leaves[variable].grad = None
    first.backward()
    return {"first": first.data, "second": leaves[variable].grad,
            "forward_nodes": phases.count("forward"), "backward_nodes": phases.count("backward")}


def diamond_source(depth: int, inputs: int = 1) -> str:
    """`depth` diamonds: each level a_k = tanh(a_{k−1}) + sigmoid(a_{k−1}) doubles the paths."""
    first = " + ".join(f"x{i + 1}" for i in range(inputs))
    lines = [f"a0 = {first}"]
    lines += [f"a{k} = tanh(a{k - 1}) + sigmoid(a{k - 1})" for k in range(1, depth + 1)]
    return "; ".join(lines)


def chain_source(depth: int, f: str = "tanh", leaf: str = "x1") -> str:
    """`depth` nested applications of f, each named: a1 = f(x1); a2 = f(a1); …"""
    return "; ".join(f"a{k} = {f}({leaf if k == 1 else f'a{k - 1}'})" for k in range(1, depth + 1))


@kind("chain_counts")
def chain_counts(lesson: dict, depths: list[int], inputs: int = 3):
    """The engine's chain-rule operation counts for chains, diamonds, and diamonds fed by several inputs."""
    rows = []
    for depth in depths:
        graphs = (("chain", chain_source(depth), 1), ("diamond", diamond_source(depth), 1),
                  (f"diamond, {inputs} inputs", diamond_source(depth, inputs), inputs))
        for graph, source, n_in in graphs:
            out, _ = evaluate(source, {f"x{i + 1}": 0.5 for i in range(n_in)})
            rows.append({"graph": graph, "depth": depth, **count_chain_rule_ops(out)})
    return rows


@kind("repeated_subexpressions")
def repeated_subexpressions(lesson: dict, depths: list[int]):
    """z = f(f(…f(w))) by depth: f and f′ evaluations of backprop (counted in a recorded trace, f = tanh)
    vs the naive formula f′(f(f(w)))·f′(f(w))·f′(w), which recomputes each inner f(…f(w)) from w."""
    rows = []
    for depth in depths:
        trace = trace_expression(chain_source(depth, "tanh", "w"), {"w": 0.1})
        rows.append({"depth": depth,
                     "backprop_f": sum(1 for n in trace["graph"] if n["op"] == "tanh"),
                     "backprop_f_prime": sum(1 for e in trace["events"] if e["type"] == "backward"),
                     "naive_f": depth + depth * (depth - 1) // 2, "naive_f_prime": depth})
    return rows

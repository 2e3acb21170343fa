"""What the keys of the fact kinds' records are called for people: a fact's value may be a record
(`{"mdn_nll": …}`) or a list of records (a table); the lesson view shows these words in place of the keys. A
fact in a lesson file may add its own words, or change these, with `fields: {key: words}`."""

FIELDS: dict[str, str | None] = {  # None: a key not shown (bookkeeping)
    # output units
    "mdn_nll": "NLL of the mixture density net",
    "gaussian_nll": "NLL of the linear-Gaussian net",
    "gaussian_mse": "MSE of the linear-Gaussian net",
    "mdn_restarts": "NLL of each mixture start",
    "nll_gap": "linear-Gaussian NLL − mixture NLL",
    "mdn_better": None,  # a fact of its own
    # depth vs width
    "panel": None,
    "title": "net",
    "parameters": "parameters",
    "train_loss": "train loss",
    "test_loss": "test loss",
    "curve": "loss curves",
    "step": "step",
    "loss": "train loss",
    # depth folding
    "depth": "depth",
    "units": "units",
    "regions": "regions, deep",
    "shallow_regions": "regions, one wide layer",
    "shallow_max": "most for one wide layer",
    # repeated sub-expressions
    "backprop_f": "f, backprop",
    "backprop_f_prime": "f′, backprop",
    "naive_f": "f, naive",
    "naive_f_prime": "f′, naive",
    # backprop on a graph
    "node": "node",
    "contributions": "contributions",
    "total": "total",
    # symbol-to-symbol
    "first": "dy/dx",
    "second": "d²y/dx²",
    "forward_nodes": "forward nodes",
    "backward_nodes": "nodes the backward pass added",
    # naive vs backprop
    "graph": "graph",
    "paths": "paths",
    "naive_paths": "naive",
    "reverse_mode": "reverse",
    "forward_mode": "forward",
    # parameters
    "W": "W",
    "b": "b",
}

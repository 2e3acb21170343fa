"""Lesson depth-folding: Each layer folds the plane."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.


LESSON: dict = {
    "id": "depth-folding", "title": "Each layer folds the plane", "slide": "Exponential gain with depth",
    "summary": "abs-activation layers fold the input square; linear regions grow as 4, 16, 64, 256.",
    "text": (
        "With $g(z) = |z|$ a layer $h_1 = |x|$ folds the plane along both axes: the four quadrants "
        "land on one. Every further layer $h_{k+1} = |2h_k - 1|$ ($W_{k+1} = 2I$, $b_{k+1} = -1$ in "
        "the graph) folds the result in half again along each axis, so whatever the last layer draws "
        "is copied into every fold. Counting distinct activation patterns on a grid over $[-1, 1]^2$ "
        "gives the linear regions: $4, 16, 64, 256$ for depth $1, 2, 3, 4$ — $O(4^N)$ (Montúfar et al. "
        "2014). One wide layer with the same number of units cuts the plane with straight lines only "
        "and stays polynomial."
    ),
    "panels": [{"title": "Folding net, depth 3 (2 abs units per layer)",
                "spec": {"name": "folding", "hidden": [{"units": 2, "activation": "abs"}] * 3,
                         "output": {"kind": "linear"}, "seed": 0,
                         "data": {"dataset": "gaussians", "n": 200, "seed": 0},
                         "params": [{"W": [[1, 0], [0, 1]], "b": [0, 0]},
                                    {"W": [[2, 0], [0, 2]], "b": [-1, -1]},
                                    {"W": [[2, 0], [0, 2]], "b": [-1, -1]},
                                    {"W": [[1], [1]], "b": [0]}]}}],
    "facts": [
        {"id": "regions", "label": "Linear regions by depth 1, 2, 3, 4",
         "compute": {"kind": "folding_regions", "depths": [1, 2, 3, 4]}, "pick": "regions",
         "expected": [4, 16, 64, 256], "tolerance": 0},
        {"id": "table", "label": "Deep vs one wide layer with as many units",
         "compute": {"kind": "folding_regions", "depths": [1, 2, 3, 4]}},
    ],
}

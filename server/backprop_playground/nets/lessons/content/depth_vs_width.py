"""Lesson depth-vs-width: Deep and narrow vs shallow and wide."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import net, relu_layers

_DEPTH_DATA = {"dataset": "moons", "n": 200, "noise": 0.3, "seed": 1, "test_fraction": 0.5}

LESSON: dict = {
    "id": "depth-vs-width", "title": "Deep and narrow vs shallow and wide",
    "slide": "Better generalization with depth; large shallow nets overfit",
    "summary": "Same parameter budget (177), one wide layer vs three narrow ones: train and test curves.",
    "text": (
        "One hidden layer can approximate anything, but it may need many units, and a large shallow "
        "net is free to memorise its training set. Here two nets share a budget of 177 parameters: "
        "2-44-1 and 2-8-8-8-1, both ReLU, trained with Adam on noisy moons with half the points held "
        "out. Watch the gap between the training and the test loss of each."
    ),
    "panels": [
        {"title": "Shallow and wide: 2-44-1",
         "spec": net("shallow", relu_layers(44), {"kind": "sigmoid"}, _DEPTH_DATA)},
        {"title": "Deep and narrow: 2-8-8-8-1",
         "spec": net("deep", relu_layers(8, 3), {"kind": "sigmoid"}, _DEPTH_DATA)},
    ],
    "facts": [
        {"id": "parameters", "label": "Parameters of each net",
         "compute": {"kind": "train_curves", "panels": [0, 1], "steps": 400}, "pick": "parameters",
         "expected": [177, 177], "tolerance": 0},
        {"id": "curves", "label": "Train and test loss every 10 steps (400 Adam steps)",
         "compute": {"kind": "train_curves", "panels": [0, 1], "steps": 400}},
    ],
}

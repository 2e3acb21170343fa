"""The lessons of the lecture as data, in lecture order: adding a lesson means adding one entry.

An entry: {"id", "title", "slide", "summary", "text" (markdown, $…$ LaTeX), "panels": [{"title",
"expression": {"source", "values", "mode"}} or {"title", "spec": ModelSpec dict, "start"? (weights the page
opens with instead of the spec's own), "solution"? (a name for the spec's own weights: "show the solution"),
"retrain"? ({"seed", "steps"}: the re-initialise and train controls), ...}], "facts": [{"id", "label",
"compute": {"kind", ...arguments} (kinds in nets.facts_*), "pick"?, "expected"?, "compare"? ("close"
within "tolerance", "less", "nonzero", "same_as" another fact's id), "fields"? (words for record keys,
beside those in words.py)}]}.
"""

from backprop_playground.nets.lessons_data.backprop import BACKPROP
from backprop_playground.nets.lessons_data.units_and_depth import UNITS_AND_DEPTH
from backprop_playground.nets.lessons_data.xor_and_costs import XOR_AND_COSTS

LESSONS: list[dict] = [*XOR_AND_COSTS, *UNITS_AND_DEPTH, *BACKPROP]

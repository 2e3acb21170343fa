"""Nets, training, datasets, expressions and lessons: the lecture as runnable scenarios on the engine.

This layer knows nothing of the web; the server calls it. Import the submodules directly
(`nets.spec`, `nets.model`, `nets.datasets`, `nets.expressions`, `nets.lessons` of
`backprop_playground`).
"""

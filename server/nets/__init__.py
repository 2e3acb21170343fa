"""Nets, training, datasets, expressions and lessons: the lecture as runnable scenarios on the engine.

This layer knows nothing of the web; the server calls it. Import the submodules directly
(`server.nets.spec`, `server.nets.model`, `server.nets.datasets`, `server.nets.expressions`,
`server.nets.lessons`).
"""

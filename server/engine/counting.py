"""Operation counting (placeholder, filled in below)."""


def count_chain_rule_ops(graph_or_tensor):
    raise NotImplementedError

"""Measure: the eval suites and their gate, fitting the weights on tune splits, the benchmarks and the load test.

Nothing here is imported by `import assistant`: `assistant eval`, `fit` and `bench` load it.
"""

__all__ = ["bench", "evaluation", "fitting", "loadtest", "metrics", "suites"]

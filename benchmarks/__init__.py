"""Userdesk at a million users: `python -m benchmarks.run` prints every figure of issue 5 with its baseline."""

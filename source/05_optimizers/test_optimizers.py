"""Public checks of 05_optimizers: `pytest` in this folder runs them on optimizers.py."""

from gradkit.pytest_plugin import make_test

test_optimizers = make_test("05_optimizers")

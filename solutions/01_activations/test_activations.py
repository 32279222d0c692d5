"""Public checks of 01_activations: `pytest` in this folder runs them on activations.py."""

from gradkit.pytest_plugin import make_test

test_activations = make_test("01_activations")

"""Public checks of 03_signal_propagation: `pytest` in this folder runs them on signal_propagation.py."""

from gradkit.pytest_plugin import make_test

test_signal_propagation = make_test("03_signal_propagation")

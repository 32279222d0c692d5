"""Public checks of 06_gradient_clipping: `pytest` in this folder runs them on clipping.py."""

from gradkit.pytest_plugin import make_test

test_clipping = make_test("06_gradient_clipping")

"""Public checks of 02_initialization: `pytest` in this folder runs them on initializers.py."""

from gradkit.pytest_plugin import make_test

test_initializers = make_test("02_initialization")

"""Public checks of 07_deep_network: `pytest` in this folder runs them on deep_network.py."""

from gradkit.pytest_plugin import make_test

test_deep_network = make_test("07_deep_network")

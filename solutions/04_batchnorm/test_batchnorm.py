"""Public checks of 04_batchnorm: `pytest` in this folder runs them on batchnorm.py."""

from gradkit.pytest_plugin import make_test

test_batchnorm = make_test("04_batchnorm")

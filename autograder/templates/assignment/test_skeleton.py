"""Public checks of __FOLDER__: `pytest` in this folder runs them on the module beside it."""

from gradkit.pytest_plugin import make_test

test___MODULE__ = make_test("__FOLDER__")

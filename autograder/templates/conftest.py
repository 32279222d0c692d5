"""pytest set-up for gradkit: loads the plugin that turns checks into tests and prints points."""

pytest_plugins = ["gradkit.pytest_plugin"]

"""gradkit's grading engine: checks against torch, a sandboxed runner, reports for a class."""

"""gradkit's check library: the checks, their torch references and the engine that runs them.

Shared by the student's ``pytest`` (in-process, see ``pytest_plugin``) and the batch grader
(student code in a sandboxed runner, see ``autograder.sandbox``). This package is shipped with
the student release as ``gradkit_checks``; the hidden checks live in ``autograder.hidden`` and
are never shipped. Importing this package does not import torch; the check modules do.
"""

"""gradkit's check engine: the checks' building blocks and the front doors that run them.

- ``protocol``: the request/response path to a student's code (the only module a sandboxed runner
  loads), the NumPy-only rule;
- ``core``, ``compare``: what a check is, how it runs and compares a result with torch's;
- ``course``: the registry of assignments, one folder each under ``source/`` (their public checks
  in ``checks.py``, hidden checks in ``hidden.py``, mutants in ``mutants.py``);
- ``pytest_plugin``: the student's ``pytest``; ``notebook``: a notebook's test cells.

The batch grader (``autograder``) runs the same checks with the student's code in a sandbox.
This package is installed by the kit's install and vendored into bundles built under ``dist/``.
Importing it does not import torch; the check modules do.
"""

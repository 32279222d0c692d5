"""The kit's tests run this checkout's packages (``autograder``, ``gradkit``), in their own process
(pyproject's ``pythonpath``) and in every process they start (pytest in assignments/, notebook
kernels, the grader): PYTHONPATH names this checkout first, whatever the venv has installed."""

import os
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
os.environ["PYTHONPATH"] = os.pathsep.join([ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                                     if p and p != ROOT])

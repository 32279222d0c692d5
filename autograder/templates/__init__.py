"""Files the builders write into what they build, kept as real files (linted, tested as code).

- ``conftest.py``, ``pytest.ini``: the root of assignments/ and solutions/ (``release``);
- ``notebook_setup.py``: the notebook's read-only set-up cell (``notebooks.SETUP``);
- ``setup.sh``, ``run_autograder``: the Gradescope zip's scripts (``gradescope``; ``__RUNTIME__`` is
  replaced by the packages setup.sh installs);
- ``classroom.yml`` (with one ``classroom_step.yml`` per assignment), ``gradkit_points.py``: the
  Classroom template's workflow and points script (``classroom``);
- ``classroom50_autograder.py``, ``classroom50_result.schema.json``: the Classroom 50 autograder's
  entry point and the JSON Schema of the result.json it writes (``classroom50``);
- ``gitignore``: the ``.gitignore`` of a student's copy, the Classroom template and the student zip
  (``classroom``, ``bundle``): what running the checks leaves behind, ``report.html`` included.
"""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent


def text(name: str) -> str:
    """The template ``name`` (a file of this folder)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")

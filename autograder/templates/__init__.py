"""Files the builders write into what they build, kept as real files (linted, tested as code).

``conftest.py`` and ``pytest.ini`` go to the root of assignments/ and solutions/;
``notebook_setup.py`` is the notebook's read-only set-up cell (``notebooks.SETUP``).
"""

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent


def text(name: str) -> str:
    """The template ``name`` (a file of this folder)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")

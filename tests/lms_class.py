"""A class of four students laid out as each intake layout (issue 19), for the layout, roster,
late-policy and export tests: alice (correct), bob (partial credit), ada (a notebook), erin (a zip
of stubs, the examples' erin.zip), graded on 01_activations only."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from autograder import __main__ as cli
from tests.kit import ROOT

EXAMPLES = ROOT / "examples"
A01 = "01_activations"
CODE = {  # student -> (relative name in a folder submission, the file)
    "alice": (f"{A01}/activations.py", EXAMPLES / "alice" / A01 / "activations.py"),
    "bob": (f"{A01}/activations.py", EXAMPLES / "bob" / A01 / "activations.py"),
    "ada": (f"{A01}/{A01}.ipynb", EXAMPLES / "_notebooks" / "ada" / A01 / f"{A01}.ipynb"),
    "erin": ("erin.zip", EXAMPLES / "erin.zip"),
}
STUB = ROOT / "assignments" / A01 / "activations.py"
CANVAS = {"alice": ("smithalice", "1001"), "bob": ("doebob", "1002"), "ada": ("lovelaceada", "1003"),
          "erin": ("erinerin", "1004")}
MOODLE = {"alice": ("Alice Smith", "2001"), "bob": ("Bob Doe", "2002"), "ada": ("Ada Lovelace", "2003"),
          "erin": ("Erin Ëvans", "2004")}
GRADESCOPE = {"alice": ("Alice Smith", "S1"), "bob": ("Bob Doe", "S2"), "ada": ("Ada Lovelace", "S3"),
              "erin": ("Erin Ëvans", "S4")}
METADATA = """\
submission_301:
  :submitters:
  - :name: Alice Smith
    :sid: 'S1'
    :email: alice@example.edu
  :created_at: 2026-12-01 23:59:59.500000000 +00:00
  :score: 0.0
submission_302:
  :submitters:
  - :name: Bob Doe
    :sid: 'S2'
    :email: bob@example.edu
  - :name: Cleo Partner
    :sid: 'S5'
    :email: cleo@example.edu
  :created_at: 2026-12-02 00:00:01.000000000 +00:00
submission_303:
  :submitters:
  - :name: Ada Lovelace
    :sid: 'S3'
    :email: ada@example.edu
  :created_at: 2026-12-05 00:00:00.000000000 +00:00
submission_304:
  :submitters:
  - :name: Erin Ëvans
    :sid: 'S4'
    :email: erin@example.edu
  :created_at: 2026-12-02 01:30:00.000000000 +00:00
"""


def build(kind: str, root: Path) -> Path:
    """The class of ``CODE`` laid out as ``kind`` under ``root`` (created); returns the folder to grade."""
    root.mkdir(parents=True)
    if kind == "folders":
        for student, (rel, src) in CODE.items():
            target = root / (rel if rel.endswith(".zip") else f"{student}/{rel}")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
    elif kind == "canvas":  # bob uploaded the stub, then his file again: activations-1.py is the one graded
        for student, (rel, src) in CODE.items():
            name, uid = CANVAS[student]
            late = "_LATE" if student == "bob" else ""
            shutil.copyfile(src, root / f"{name}{late}_{uid}_50{uid[-2:]}_{Path(rel).name}")
        shutil.copyfile(STUB, root / "doebob_LATE_1002_5002_activations.py")
        shutil.copyfile(CODE["bob"][1], root / "doebob_LATE_1002_5002_activations-1.py")
        (root / "README.txt").write_text("downloaded from Canvas\n")
    elif kind == "moodle":
        for student, (rel, src) in CODE.items():
            name, pid = MOODLE[student]
            inner = Path(rel).name if student == "bob" else rel  # bob's file at the top: found by its module name
            target = root / f"{name}_{pid}_assignsubmission_file_" / inner
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
        text = root / "Bob Doe_2002_assignsubmission_onlinetext_" / "onlinetext.html"
        text.parent.mkdir()
        text.write_text("<p>see my file</p>")
    elif kind == "gradescope-export":
        export = root / "assignment_77_export"
        for student, (rel, src) in CODE.items():
            folder = export / f"submission_30{list(CODE).index(student) + 1}"
            folder.mkdir(parents=True)
            shutil.copyfile(src, folder / Path(rel).name)
        (export / "submission_metadata.yml").write_text(METADATA, encoding="utf-8")
    return root


def identity(kind: str, student: str) -> str:
    return {"folders": student, "canvas": CANVAS.get(student, ("", ""))[1],
            "moodle": MOODLE.get(student, ("", ""))[1],
            "gradescope-export": GRADESCOPE.get(student, ("", ""))[1]}[kind]


def gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as fh:
        return {r["student"]: r for r in csv.DictReader(fh)}


def grade(folder: Path, out: Path, *more: str) -> int:
    return cli.main(["grade", str(folder), "--out", str(out), "--only", A01, "--jobs", "1", "--no-plots", *more])

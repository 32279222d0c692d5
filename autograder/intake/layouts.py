"""Reading a class as an LMS hands it over: which layout a submissions folder is in, and its
students as the intake's ``Submission``/``Intake`` (``submissions.scan`` reads the plain layout).

Layouts (``LAYOUTS``; ``detect`` names the one a folder is in, ``scan`` reads it):

- ``folders``: ``<student>/`` folders and ``<student>.zip`` files (``submissions.scan``).
- ``canvas``: Canvas's "Download Submissions", flat files named
  ``<name>[_LATE]_<user id>_<submission id>_<original name>[-<n>].<ext>``. Files are grouped per
  user id (the student's identity; the name part is shown); ``-<n>`` (a file that came several
  times) is stripped and the highest n is graded, with a note; ``LATE`` is kept. The original
  names are the student's hand-in: ``activations.py`` is found by its module name as in any
  folder, ``01_activations.ipynb`` as the assignment's notebook, and an uploaded zip is the
  whole hand-in (``_hand_in``). Canvas's download records no submission time.
- ``moodle``: Moodle's "Download all submissions", folders
  ``<Full Name>_<participant id>_assignsubmission_file_/`` (and ``_onlinetext_``, which holds no
  code), or the same names as flat files (``..._assignsubmission_file_<original name>``) when
  the download was not in folders. The participant id is the identity, the full name is shown.
- ``gradescope-export``: Gradescope's "Export Submissions": one folder per submission beside
  ``submission_metadata.yml``, which maps each folder to its ``:submitters:`` (``:name:``,
  ``:sid:``, ``:email:``) and its ``:created_at:`` time. Each submitter is a student (a group
  submission gives every member a row); the identity is the SID, else the email, else the name.

Identities keep the intake's rules: NFC text (``submissions._nfc``), one row per identity (a
repeated one gets `` #2``), output folders from ``submissions._unique_folders``. What a layout
records about a student beyond that (the name, a LATE flag, a submission time) is a ``Person``.
A file of no recognisable student (a stray README) is listed as not graded, with why.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from .hand_in import FolderHandIn, Unreadable
from .submissions import NOT_STUDENTS, Intake, Submission, _nfc, _unique_folders, scan as scan_folders

LAYOUTS = ("folders", "canvas", "moodle", "gradescope-export")
TITLES = {"folders": "a folder of student folders", "canvas": "a Canvas download", "moodle": "a Moodle download",
          "gradescope-export": "a Gradescope export"}
GRADESCOPE_METADATA = "submission_metadata.yml"

CANVAS_FILE = re.compile(r"(?P<name>[^_]+)(?P<late>_LATE)?_(?P<user>\d+)_(?P<sub>\d+)_(?P<file>.+)")
MOODLE_ENTRY = re.compile(r"(?P<name>.+)_(?P<pid>\d+)_assignsubmission_(?P<plugin>file|onlinetext)_(?P<file>.*)")
RESUBMITTED = re.compile(r"(?P<stem>.+)-(?P<n>\d+)(?P<ext>\.[^./]+)?")


@dataclass
class Person:
    """What a layout (or the roster) records about one student besides the files."""

    student: str  # the identity: the gradebook's `student`
    name: str = ""  # shown beside it (Canvas's name part, Moodle's full name, Gradescope's submitter)
    late: bool | None = None  # Canvas's LATE flag (None: the layout does not say)
    submitted_at: dt.datetime | None = None  # as the layout records it (Gradescope), aware
    email: str = ""
    sis_id: str = ""
    login: str = ""
    section: str = ""
    canvas_id: str = ""  # Canvas's user id (the Canvas layout's identity, or a Canvas roster's ID)


@dataclass
class ClassIntake(Intake):
    """``Intake`` plus what the layout told: its name, how many entries it read, and each student's ``Person``."""

    layout: str = "folders"
    read: int = 0  # files (Canvas, flat Moodle) or folders read
    people: dict[str, Person] = field(default_factory=dict)  # by student
    found: int = -1  # students the layout found (before a roster adds those without a submission)

    def __post_init__(self):
        if self.found < 0:
            self.found = len(self.submissions)

    def headline(self) -> str:
        """'read as a Canvas download: 214 files -> 53 students, 7 late'."""
        late = sum(1 for p in self.people.values() if p.late)
        unit = "files" if self.layout == "canvas" else "entries"
        return (f"read as {TITLES[self.layout]}: {self.read} {unit} -> {self.found} students"
                + (f", {late} late" if self.layout == "canvas" else ""))


class LayoutError(ValueError):
    """The folder is in no layout, or in several; the message says what was seen and what to do."""


def _votes(root: Path) -> dict[str, int]:
    """How many entries of ``root`` look like each layout (``folders``: student folders and zips
    that no LMS named, counted only beside an LMS's entries, where they make the folder ambiguous)."""
    entries = [e for e in root.iterdir() if e.name not in NOT_STUDENTS and not e.is_symlink()]
    votes = {"canvas": sum(1 for e in entries if e.is_file() and CANVAS_FILE.fullmatch(e.name)),
             "moodle": sum(1 for e in entries if MOODLE_ENTRY.fullmatch(e.name)),
             "gradescope-export": int(_gradescope_root(root) is not None)}
    if not votes["gradescope-export"]:  # an export's own folders are its submissions
        votes["folders"] = sum(1 for e in entries if not MOODLE_ENTRY.fullmatch(e.name) and (
            e.is_dir() or e.name.lower().endswith(".zip") and not CANVAS_FILE.fullmatch(e.name)))
    return votes


def _gradescope_root(root: Path) -> Path | None:
    """The folder holding ``submission_metadata.yml``: ``root``, or its one folder (the export unzipped)."""
    if (root / GRADESCOPE_METADATA).is_file():
        return root
    dirs = [e for e in root.iterdir() if e.is_dir() and e.name not in NOT_STUDENTS]
    if len(dirs) == 1 and (dirs[0] / GRADESCOPE_METADATA).is_file():
        return dirs[0]
    return None


def detect(root: Path) -> str:
    """The layout of ``root``: the one LMS layout its entries show, else ``folders``. Raises
    LayoutError when entries of two layouts are mixed (the message names them)."""
    votes = {k: v for k, v in _votes(root).items() if v}
    if len(votes) > 1:
        seen = ", ".join(GRADESCOPE_METADATA if k == "gradescope-export" else
                         f"{n} student folders or zips" if k == "folders" else f"{n} entries of {TITLES[k]}"
                         for k, n in votes.items())
        raise LayoutError(f"{root} holds {seen}: it is not one layout. Unpack each download into a folder of its "
                          f"own, or give --layout {'|'.join(LAYOUTS)} to read it as one")
    return next(iter(votes), "folders")  # an empty folder: the plain layout says there is no one


def scan(root: Path, layout: str | None = None) -> ClassIntake:
    """The class in ``root`` read as ``layout`` (``detect``-ed when None)."""
    if not root.is_dir():
        raise FileNotFoundError(f"no submissions folder at {root}")
    layout = layout or detect(root)
    if layout == "folders":
        plain = scan_folders(root)
        return ClassIntake(plain.submissions, plain.skipped, "folders", len(plain.submissions) + len(plain.skipped),
                           {s.student: Person(s.student) for s in plain.submissions})
    return {"canvas": _canvas, "moodle": _moodle, "gradescope-export": _gradescope}[layout](root)


@dataclass
class _Student:
    """One student's entries while a layout is read."""

    person: Person
    files: dict[str, tuple[int, Path]] = field(default_factory=dict)  # original name -> (n, file)
    folder: Path | None = None
    notes: list[str] = field(default_factory=list)


def _original(name: str) -> tuple[str, int]:
    """(the name without Canvas's ``-<n>`` suffix, n) (``activations-2.py`` -> ``activations.py``, 2)."""
    m = RESUBMITTED.fullmatch(name)
    return (m["stem"] + (m["ext"] or ""), int(m["n"])) if m else (name, 0)


def _add_file(st: _Student, original: str, path: Path) -> None:
    """Keep the highest ``-<n>`` of a file that came several times, and say so."""
    name, n = _original(_nfc(original))
    if name in st.files:
        (kept_n, kept), other = max((st.files[name], (n, path))), min((st.files[name], (n, path)))
        st.notes.append(f"{name} came more than once ({kept.name}, {other[1].name}); graded {kept.name}, the "
                        "highest resubmission number")
        st.files[name] = (kept_n, kept)
    else:
        st.files[name] = (n, path)


def _hand_in(st: _Student) -> tuple[Path, dict[str, Path] | None]:
    """(the submission's path, its files by relative path or None for the path's own): an
    uploaded zip is the whole hand-in (the other files are noted), else the files themselves."""
    if st.folder is not None and not st.files:
        zips = [p for p in sorted(st.folder.iterdir()) if p.suffix.lower() == ".zip" and p.is_file()
                and not p.is_symlink()]
        if len(zips) == 1 and not _graded_files(st.folder):
            return zips[0], None
        return st.folder, None
    zips = sorted((n, p) for name, (n, p) in st.files.items() if name.lower().endswith(".zip"))
    if zips:
        rest = sorted(name for name in st.files if not name.lower().endswith(".zip"))
        if rest or len(zips) > 1:
            st.notes.append(f"graded the uploaded zip {zips[-1][1].name} (an uploaded zip is the whole hand-in); "
                            f"not graded: {', '.join(rest + [p.name for _, p in zips[:-1]])}")
        return zips[-1][1], None
    files = {name: p for name, (_, p) in st.files.items() if not p.is_symlink() and p.is_file()}
    return st.folder or min(files.values(), default=Path()), files


def _graded_files(folder: Path) -> list[str]:
    """The .py and .ipynb files in ``folder`` (searched as any hand-in folder is; [] when unreadable)."""
    try:
        return FolderHandIn(folder, {}, []).names
    except (Unreadable, OSError):
        return []


def _finish(layout: str, students: dict[str, _Student], skipped: list[tuple[str, str]], read: int) -> ClassIntake:
    """The ``ClassIntake`` of the students read: unique output folders, sorted by student."""
    folders = _unique_folders(list(students))
    subs = []
    for key, st in students.items():
        path, files = _hand_in(st)
        subs.append(Submission(key, path, notes=st.notes, folder=folders[key], files=files))
    return ClassIntake(sorted(subs, key=lambda s: s.student), skipped, layout, read,
                       {k: st.person for k, st in students.items()})


def _unique(students: dict, key: str) -> str:
    """``key``, or ``key #2``, ``#3``... when taken (no two entries share a row)."""
    k, label = 2, key
    while label in students:
        label, k = f"{key} #{k}", k + 1
    return label


def _canvas(root: Path) -> ClassIntake:
    students: dict[str, _Student] = {}
    skipped, read = [], 0
    for entry in sorted(root.iterdir()):
        read += 1
        m = CANVAS_FILE.fullmatch(entry.name)
        if entry.name in NOT_STUDENTS:
            skipped.append((entry.name, f"not a submission ({NOT_STUDENTS[entry.name]})"))
        elif entry.is_symlink():
            skipped.append((entry.name, "a symbolic link (never followed)"))
        elif not m or not entry.is_file():
            skipped.append((entry.name, "not named as a Canvas submission file "
                                        "(<name>[_LATE]_<user id>_<submission id>_<file>)"))
        else:
            st = students.setdefault(m["user"], _Student(Person(m["user"], _nfc(m["name"]), False,
                                                                canvas_id=m["user"])))
            st.person.late = st.person.late or bool(m["late"])
            _add_file(st, m["file"], entry)
    return _finish("canvas", students, skipped, read)


def _moodle(root: Path) -> ClassIntake:
    students: dict[str, _Student] = {}
    skipped, read = [], 0
    for entry in sorted(root.iterdir()):
        read += 1
        m = MOODLE_ENTRY.fullmatch(entry.name)
        if entry.name in NOT_STUDENTS or entry.is_symlink() or not m:
            why = "a symbolic link (never followed)" if entry.is_symlink() else \
                "not named as a Moodle submission (<Full Name>_<participant id>_assignsubmission_file_)"
            skipped.append((entry.name, NOT_STUDENTS.get(entry.name, why)))
            continue
        st = students.setdefault(m["pid"], _Student(Person(m["pid"], _nfc(m["name"]))))
        if m["plugin"] == "onlinetext":
            st.notes.append(f"{entry.name}: online text, not code (not graded)")
        elif entry.is_dir() and not m["file"]:
            st.folder = entry
        elif entry.is_file() and m["file"]:
            _add_file(st, m["file"], entry)
        else:
            skipped.append((entry.name, "a Moodle entry that is neither a submission folder nor a file"))
    return _finish("moodle", students, skipped, read)


def _when(value) -> dt.datetime | None:
    """A metadata time (YAML gives a datetime or a string) as an aware datetime, or None."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else None
    try:
        parsed = dt.datetime.fromisoformat(str(value).strip().replace(" UTC", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _gradescope(root: Path) -> ClassIntake:
    import yaml  # PyYAML: only a Gradescope export needs it

    base = _gradescope_root(root)
    if base is None:
        raise LayoutError(f"{root} holds no {GRADESCOPE_METADATA}: a Gradescope export has it beside the submission "
                          "folders. Unzip the whole export, or give another --layout")
    try:
        meta = yaml.safe_load((base / GRADESCOPE_METADATA).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LayoutError(f"{base / GRADESCOPE_METADATA} cannot be read ({exc}); export the submissions again") from None
    if not isinstance(meta, dict):
        raise LayoutError(f"{base / GRADESCOPE_METADATA} does not map submission folders to their submitters")
    students: dict[str, _Student] = {}
    skipped, read = [], 0
    for entry in sorted(base.iterdir()):
        read += 1
        info = meta.get(entry.name)
        if entry.name == GRADESCOPE_METADATA:
            read -= 1
        elif not isinstance(info, dict) or not entry.is_dir() or entry.is_symlink():
            skipped.append((entry.name, NOT_STUDENTS.get(entry.name, f"not a submission folder of {GRADESCOPE_METADATA}")))
        else:
            submitters = [s for s in info.get(":submitters") or [] if isinstance(s, dict)]
            when = _when(info.get(":created_at"))
            if not submitters:
                skipped.append((entry.name, f"{GRADESCOPE_METADATA} names no submitter for it"))
            for s in submitters:
                name, sid, email = (_nfc(str(s.get(k) or "")).strip() for k in (":name", ":sid", ":email"))
                key = _unique(students, sid or email or name or entry.name)
                st = students[key] = _Student(Person(key, name, None, when, email=email, sis_id=sid), folder=entry)
                if len(submitters) > 1:
                    st.notes.append(f"a group submission ({entry.name}) of "
                                    + ", ".join(str(x.get(":name") or "?") for x in submitters))
                if when is None:
                    st.notes.append(f"{entry.name}: no submission time with a time zone in {GRADESCOPE_METADATA}")
    for name in sorted(set(meta) - {e.name for e in base.iterdir()}):
        skipped.append((str(name), f"listed in {GRADESCOPE_METADATA} but no such folder in the export"))
    return _finish("gradescope-export", students, skipped, read)


"""Torch's answers, stored: the reference cache, and torch imported only when an answer is computed.

Every check's expected value is ``check.reference(case)``, computed by torch. Computing them all
means starting torch (1 to 3 s) and running every reference (about 1 s) on every run, though the
answers change only when the checks, the engine or the libraries do. So the first run stores
torch's answers, and later runs read them back:

- one file per assignment and kind, beside its checks: ``source/<folder>/references.public.json``
  (the public checks: a student's copy of the kit builds its own on its first run) and
  ``source/<folder>/references.hidden.json`` (the hidden checks, written only where ``hidden.py`` is,
  the kit's course folder: the judge reads it, a sandboxed runner cannot see the folder, and in the
  Gradescope image ``setup.sh`` builds it inside the course folder it makes root-only);
- plain data only, JSON (``to_plain``: arrays in the protocol's encoding, dtype, shape and base64
  bytes; NumPy scalars, dtypes, lists, tuples, dicts), never pickle; an answer that does not come
  back exactly (an object) is not stored, and that check asks torch every time;
- the file's ``key`` is a fingerprint (``fingerprint``) of everything an answer depends on: the
  check files of the assignment (``checks.py``, and ``hidden.py`` for the hidden ones), every other
  file of the assignment's folder the checks may read (all but the stored answers, the notebook
  text and the files a student gets), the engine's source (``gradkit/*.py``), the torch and NumPy
  versions (read from the installed packages' metadata, without importing them) and Python's.
  A file with another key is ignored and rewritten;
- each entry also records a digest of its check's inputs (``case_digest``: the arguments and data
  ``make_case`` gives): a check whose inputs came out different is asked again; a reference that
  changes its case (data the comparison reads) is never stored;
- the file records a digest of its entries; a file that does not match it (edited, cut short) is
  ignored as a whole.

``verify`` recomputes every stored answer with torch and lists those that differ (the kit's tests
run it: a stored answer is always torch's). ``build`` fills the files of the assignments given
(``python -m gradkit.references [folder ...]``, run by the Gradescope image's ``setup.sh``).

``student_run_seconds`` times a student's ``pytest`` in one assignment folder (for ``make bench``).

``lazy("torch")`` is a stand-in for the module that imports it on first use (an attribute read): a
check module binds ``torch``, ``F``, ``nn`` with it, so a run whose answers are all stored never
imports torch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.metadata
import json
import resource
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import numpy as np

from .core import Case
from .files import write_atomic
from .protocol import ProtocolError, Recipe, decode, encode

FORMAT = 1  # the layout of a stored file; a change of layout changes every key
ENGINE = Path(__file__).resolve().parent
KINDS = ("public", "hidden")
NOT_READ = {"notebook.md", "mutants.py"}  # files of an assignment's folder no check reads
LIBRARIES = ("torch", "numpy")


def file_name(kind: str) -> str:
    """``references.public.json`` / ``references.hidden.json``."""
    if kind not in KINDS:
        raise ValueError(f"kind is one of {KINDS}, not {kind!r}")
    return f"references.{kind}.json"


STORED = frozenset(file_name(k) for k in KINDS)


def one_thread_torch():
    """torch, imported, computing on one thread: a reduction's order of summation (batch norm's mean,
    a matrix product) depends on the number of threads, so a stored answer and a fresh one are
    equal bit for bit only if both are computed on the same number; one is also what the grader
    wants (the references are small; more threads would only contend with the runners)."""
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
    return torch


class lazy(types.ModuleType):
    """A module imported on first use: ``torch = lazy("torch")``, ``F = lazy("torch.nn.functional")``.

    Reading an attribute imports the module (once; Python caches it) and reads it there, so a
    check module can name torch at the top and start it only when a reference is computed. A
    torch module is started on one thread (``one_thread_torch``)."""

    def __init__(self, name: str):
        super().__init__(name, f"{name}, imported on first use")

    def __getattr__(self, attribute: str):
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)  # copy, pickle, inspect probing: not a reason to start torch
        if self.__name__.split(".")[0] == "torch":
            one_thread_torch()
        return getattr(importlib.import_module(self.__name__), attribute)

    def __repr__(self) -> str:
        return f"<module {self.__name__!r}, imported on first use>"


def library_versions() -> dict[str, str]:
    """{library: installed version} of torch and NumPy (from the packages' metadata, no import)."""
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def folder_files(folder: Path, kind: str, student_files=()) -> list[Path]:
    """The files of an assignment's ``folder`` the answers of ``kind`` may depend on: every file but
    the stored answers, ``NOT_READ`` and ``student_files`` (the module a student edits, its test file,
    which no check reads: the checks see student code only through a call), minus ``hidden.py`` for
    the public answers (a student's copy has none; the public checks never read it)."""
    skip = STORED | NOT_READ | set(student_files) | ({"hidden.py"} if kind == "public" else set())
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name not in skip and not p.name.startswith("."))


def fingerprint(folder: Path, kind: str, student_files=()) -> str:
    """The key of the stored answers of ``kind`` for the assignment in ``folder`` (see the module's text)."""
    h = hashlib.sha256(f"gradkit references {FORMAT} {kind} {sys.version_info[:2]}".encode())
    h.update(json.dumps(library_versions(), sort_keys=True).encode())
    for path in sorted(ENGINE.glob("*.py")) + folder_files(folder, kind, student_files):
        h.update(f"\0{path.parent.name}/{path.name}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def _is_record(value) -> bool:
    """A dataclass instance whose state is exactly its fields, each set by ``__init__``."""
    if not (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        return False
    fields = dataclasses.fields(value)
    return all(f.init for f in fields) and set(getattr(value, "__dict__", {})) <= {f.name for f in fields}


def identical(a, b, layout: bool = False) -> bool:
    """``a`` and ``b`` are the same plain data: same types, arrays of the same dtype, shape and bytes
    (so NaN equals NaN, and -0.0 differs from 0.0), and with ``layout`` the same strides; dataclass
    records (a check's ``Case``) field by field, recipes by kind and parameters."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.dtype):
        return a == b
    if isinstance(a, (np.ndarray, np.generic)):
        return (a.dtype == b.dtype and np.shape(a) == np.shape(b) and np.asarray(a).tobytes() == np.asarray(b).tobytes()
                and (not layout or np.asarray(a).strides == np.asarray(b).strides))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(identical(x, y, layout) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(identical(a[k], b[k], layout) for k in a)
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    if isinstance(a, Recipe):
        return a.kind == b.kind and identical(a.params, b.params, layout)
    if _is_record(a):
        return all(identical(getattr(a, f.name), getattr(b, f.name), layout) for f in dataclasses.fields(a))
    return a == b


class NotPlain(TypeError):
    """A value the stored file cannot hold as plain data."""


def to_plain(value, depth: int = 0, arrays: list | None = None):
    """``value`` as JSON-ready plain data: the protocol's encoding of arrays (``protocol.encode``), a
    NumPy scalar kept a NumPy scalar, a dtype by its name, recipes, lists, tuples and dicts of them,
    and records (dataclass instances such as a check's ``Case``) by their class's name and fields;
    NotPlain for anything else. ``arrays`` collects the arrays met (see ``storable``)."""
    if depth > 32:
        raise NotPlain("nested too deeply")
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biufc":
        if arrays is not None and isinstance(value, np.ndarray):
            for index, seen in enumerate(arrays):
                if seen is value:  # the same array again (a case may pass one array twice): kept one object
                    return {"__same__": index}
            arrays.append(value)
        array = encode(np.asarray(value))  # {"__nd__": [dtype, shape, base64]}
        return {"__np__": array["__nd__"]} if isinstance(value, np.generic) else array
    if isinstance(value, np.dtype) and value.kind in "biufc":
        return {"__dtype__": value.str}
    if type(value) in (list, tuple):
        items = [to_plain(x, depth + 1, arrays) for x in value]
        return items if type(value) is list else {"__tuple__": items}
    if type(value) is dict and all(type(k) is str for k in value):
        return {"__dict__": {k: to_plain(v, depth + 1, arrays) for k, v in value.items()}}
    if type(value) is Recipe:
        return {"__recipe__": [value.kind, to_plain(value.params, depth + 1, arrays)]}
    if _is_record(value):
        fields = {f.name: to_plain(getattr(value, f.name), depth + 1, arrays) for f in dataclasses.fields(value)}
        return {"__record__": [type(value).__qualname__, fields]}
    raise NotPlain(f"a {type(value).__name__} is not plain data")


def from_plain(data, records: dict | None = None, depth: int = 0, arrays: list | None = None):
    """The inverse of ``to_plain`` (an array met twice there is one object here); a record is rebuilt only from a class of ``records`` (name -> class:
    ``Case`` and the records of the check's own module); ProtocolError for anything else."""
    if depth > 33:
        raise ProtocolError("nested too deeply")
    arrays = [] if arrays is None else arrays  # the arrays decoded so far, for "__same__"
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [from_plain(x, records, depth + 1, arrays) for x in data]
    if not (type(data) is dict and len(data) == 1):
        raise ProtocolError("not plain data")
    (tag, body), = data.items()
    if tag == "__nd__":
        arrays.append(decode(data))
        return arrays[-1]
    if tag == "__np__":
        return decode(data)
    if tag == "__same__" and type(body) is int and 0 <= body < len(arrays):
        return arrays[body]
    if tag == "__dtype__" and type(body) is str and np.dtype(body).kind in "biufc":
        return np.dtype(body)
    if tag == "__tuple__" and type(body) is list:
        return tuple(from_plain(x, records, depth + 1, arrays) for x in body)
    if tag == "__dict__" and type(body) is dict:
        return {k: from_plain(v, records, depth + 1, arrays) for k, v in body.items()}
    if tag == "__recipe__" and type(body) is list and len(body) == 2:
        params = from_plain(body[1], records, depth + 1, arrays)
        if type(params) is not dict:
            raise ProtocolError("malformed recipe")
        return Recipe(str(body[0]), **params)
    if tag == "__record__" and type(body) is list and len(body) == 2 and type(body[1]) is dict:
        cls = (records or {}).get(body[0])
        if cls is None:
            raise ProtocolError(f"no record class {body[0]!r} here")
        return cls(**{k: from_plain(v, records, depth + 1, arrays) for k, v in body[1].items()})
    raise ProtocolError(f"unknown tag {tag!r}")


MISSING = object()


def storable(value, records: dict | None = None, layout: bool = False):
    """``to_plain(value)`` if ``from_plain`` gives ``value`` back exactly (with ``layout``, arrays with
    their strides too, and no two of its distinct arrays sharing memory: a view cannot be stored), else
    ``MISSING``."""
    try:
        arrays: list = []
        data = to_plain(value, arrays=arrays)
        if layout and any(np.may_share_memory(x, y) for i, x in enumerate(arrays) for y in arrays[i + 1:]):
            return MISSING
        return data if identical(from_plain(data, records), value, layout) else MISSING
    except (NotPlain, ProtocolError, ValueError, TypeError, RecursionError):
        return MISSING


def records_of(check) -> dict:
    """name -> class of the records a stored case of ``check`` may hold: the dataclasses of the module
    that made the check (its ``make_case``'s module) and ``core.Case``."""
    module = sys.modules.get(getattr(check.make_case, "__module__", None) or "")
    found = {c.__qualname__: c for c in vars(module).values()
             if isinstance(c, type) and dataclasses.is_dataclass(c)} if module else {}
    found.setdefault(Case.__qualname__, Case)
    return found


def case_digest(case) -> str:
    """A digest of a check's inputs: its arguments, keyword arguments and data, as plain data (what the
    encoder cannot carry counts by its type and repr)."""
    data = encode((tuple(case.args), dict(case.kwargs), dict(case.data)))
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def entries_digest(entries: dict) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True).encode()).hexdigest()


class Store:
    """The stored answers of one assignment's checks of one kind, in ``path``, valid for ``key``.

    ``expected(check, case)`` gives the stored answer, or computes it (``check.reference(case)``),
    stores it and saves the file (atomically: a reader sees the old file or the new one). A folder
    that cannot be written (a read-only install) leaves the answers computed each run."""

    def __init__(self, path: Path, key: str):
        self.path, self.key = Path(path), key
        self.lock = threading.Lock()
        self.entries = self._read()
        self.hits = self.misses = 0

    def _read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not (isinstance(data, dict) and data.get("key") == self.key and isinstance(data.get("entries"), dict)):
            return {}
        entries = data["entries"]
        return entries if data.get("digest") == entries_digest(entries) else {}

    def stored(self, name: str, case):
        """The stored answer of check ``name`` for inputs ``case``, or ``MISSING`` (none stored, or
        stored for other inputs)."""
        entry = self.entries.get(name)
        if not (isinstance(entry, dict) and "expected" in entry and entry.get("case") == case_digest(case)):
            return MISSING
        try:
            return from_plain(entry["expected"])
        except (ProtocolError, ValueError, TypeError):
            return MISSING

    def stored_case(self, check):
        """The stored inputs of ``check`` (its ``make_case()``, stored when they are plain data), or
        ``MISSING``."""
        entry = self.entries.get(check.name)
        if not (isinstance(entry, dict) and "inputs" in entry):
            return MISSING
        try:
            case = from_plain(entry["inputs"], records_of(check))
        except (ProtocolError, ValueError, TypeError):
            return MISSING
        return case if isinstance(case, Case) and case_digest(case) == entry.get("case") else MISSING

    def prepared(self, check) -> tuple:
        """(inputs, torch's answer) of ``check``: stored, or made (``make_case``, ``reference``) now and
        stored. Inputs made by torch (a forward pass, a training run) are stored too when they are plain
        data, so a run whose answers are all stored makes no torch call at all."""
        with self.lock:
            case = self.stored_case(check)
        if case is MISSING:
            case = check.make_case()
        with self.lock:
            value = self.stored(check.name, case)
            if value is not MISSING:
                self.hits += 1
                return case, value
            self.misses += 1
        before = case_digest(case)
        inputs = storable(case, records_of(check), layout=True)
        value = check.reference(case)
        data = storable(value)
        if data is not MISSING and case_digest(case) == before:
            with self.lock:
                self.entries[check.name] = ({"case": before, "expected": data} if inputs is MISSING
                                            else {"case": before, "expected": data, "inputs": inputs})
                self.save()
        return case, value

    def save(self) -> None:
        """Write the file (atomically), with the answers another process stored meanwhile kept; nothing
        if the folder cannot be written."""
        self.entries = {**self._read(), **self.entries}
        body = json.dumps({"key": self.key, "digest": entries_digest(self.entries), "entries": self.entries})
        private = self.path.name != file_name("public")  # the hidden checks' answers: the owner's only
        try:
            write_atomic(self.path, body, 0o600 if private else 0o644)
        except OSError:
            pass


_STORES: dict[tuple[str, str], Store] = {}
_STORES_LOCK = threading.Lock()


def store_for(folder: Path, kind: str, student_files=()) -> Store:
    """The ``Store`` of ``kind`` for the assignment in ``folder`` (one per process; the key is computed
    when it is first asked for)."""
    folder = Path(folder).resolve()
    with _STORES_LOCK:
        found = _STORES.get((str(folder), kind))
        if found is None:
            found = _STORES[(str(folder), kind)] = Store(folder / file_name(kind),
                                                        fingerprint(folder, kind, student_files))
        return found


def attach(checks: list, store: Store) -> list:
    """``checks`` with their answers read from and written to ``store`` (``Check.prepared`` uses it)."""
    for c in checks:
        c.store = store
    return checks


def verify(checks: list, store: Store) -> list[str]:
    """One line for each check of ``checks`` whose answer in ``store`` (as its file holds it now) is not
    what torch computes now, ``check.reference`` on freshly made inputs: "<name>: ..."; [] when every
    answer is torch's. A check with no answer stored counts as one ("<name>: no answer stored")."""
    on_disk = Store(store.path, store.key)
    wrong = []
    for c in checks:
        case = c.make_case()
        stored, inputs = on_disk.stored(c.name, case), on_disk.stored_case(c)
        if stored is MISSING:
            wrong.append(f"{c.name}: no answer stored")
        elif not identical(stored, c.reference(case)):
            wrong.append(f"{c.name}: the stored answer differs from torch's")
        elif inputs is not MISSING and not identical(inputs, case, layout=True):
            wrong.append(f"{c.name}: the stored inputs differ from make_case's")
    return wrong


def build(assignments) -> list[str]:
    """Compute and store the answers of every check of ``assignments`` (``course.Assignment``s): one
    line per assignment, e.g. "01_activations: 60 public, 40 hidden answers stored"."""
    lines = []
    for a in assignments:
        counts = []
        for kind, checks in (("public", a.public_checks()), ("hidden", a.hidden_checks())):
            for c in checks:
                c.prepared  # noqa: B018  (computed, stored)
            stored = store_for(a.path, kind).entries if checks else {}
            counts.append(f"{sum(1 for c in checks if c.name in stored)}/{len(checks)} {kind}")
        lines.append(f"{a.folder}: {', '.join(counts)} answers stored")
    return lines


def student_run_seconds(folder: Path, runs: int = 3, python: str = sys.executable) -> dict[str, list[float]]:
    """What a student waits for: ``pytest`` in an assignment ``folder`` (of assignments/ or solutions/,
    with the release's pytest.ini and conftest.py above it), ``runs`` times, each in a fresh process,
    after one run that stores the answers (not counted). Returns {"wall": [...], "cpu": [...]} in
    seconds, cpu being the user + system time of the pytest process (steadier than the wall time on
    a busy machine)."""
    def once() -> tuple[float, float]:
        before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
        subprocess.run([python, "-m", "pytest"], cwd=folder, capture_output=True, check=False)
        wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    once()
    timings = [once() for _ in range(runs)]
    return {"wall": [w for w, _ in timings], "cpu": [c for _, c in timings]}

"""The stored torch answers (``gradkit.references``): every stored answer is what torch computes now,
and a stored file that is not (forged, edited, made for other checks or other versions) is caught or
ignored; a run whose answers are all stored does not start torch."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from gradkit import course, references
from gradkit.references import MISSING, Store, entries_digest, fingerprint, from_plain, identical, to_plain
from tests.kit import ROOT

ASSIGNMENTS = course.available()


def stored_checks(a: course.Assignment, kind: str) -> list:
    """The checks of ``kind`` of ``a``, every answer computed or read, so the store's file holds them all."""
    checks = a.public_checks() if kind == "public" else a.hidden_checks()
    for c in checks:
        c.prepared  # noqa: B018  (stored on first use)
    return checks


@pytest.mark.parametrize("kind", references.KINDS)
@pytest.mark.parametrize("a", ASSIGNMENTS, ids=[a.folder for a in ASSIGNMENTS])
def test_every_stored_answer_is_torchs(a, kind):
    """Each check's stored answer, read back from its file, equals ``check.reference`` recomputed by
    torch on freshly made inputs (bit for bit); every check of the kit has one stored."""
    checks = stored_checks(a, kind)
    assert checks or kind == "hidden"
    if checks:
        store = checks[0].store
        assert store.path == a.path / references.file_name(kind)
        store.save()  # with every answer of this process (another process may have written the file last)
        assert references.verify(checks, store) == []


def _forged(store: Store, tmp_path, name: str, change, field: str = "expected", records=None) -> Store:
    """A copy of ``store``'s file in ``tmp_path`` with the answer (or the inputs: ``field``) of ``name``
    replaced by ``change`` of it, the file's digest recomputed (a forgery, not an accident)."""
    data = json.loads(store.path.read_text(encoding="utf-8"))
    entry = data["entries"][name]
    entry[field] = to_plain(change(from_plain(entry[field], records)))
    data["digest"] = entries_digest(data["entries"])
    forged = tmp_path / store.path.name
    forged.write_text(json.dumps(data), encoding="utf-8")
    return Store(forged, store.key)


def test_a_forged_answer_is_found_by_verify(tmp_path):
    a = course.by_folder("01_activations")
    checks = stored_checks(a, "public")
    target = checks[0].name
    forged = _forged(checks[0].store, tmp_path, target, lambda v: v + 1e-9)
    assert references.verify(checks, forged) == [f"{target}: the stored answer differs from torch's"]
    assert references.verify(checks, Store(checks[0].store.path, checks[0].store.key)) == []


def test_forged_inputs_are_ignored_or_found_by_verify(tmp_path):
    """Stored inputs that are not what make_case gives: not served when their digest is not the one
    recorded (the check makes its inputs); caught by verify when the digest was forged too."""
    a = course.by_folder("01_activations")
    check = stored_checks(a, "public")[0]
    records = references.records_of(check)

    def change(case):
        case.args = (case.args[0] + 1.0,) + tuple(case.args[1:])
        return case

    forged = _forged(check.store, tmp_path, check.name, change, "inputs", records)
    assert forged.stored_case(check) is MISSING
    assert identical(forged.prepared(check)[0], check.make_case(), layout=True)
    assert references.verify([check], forged) == []

    data = json.loads(forged.path.read_text(encoding="utf-8"))
    entry = data["entries"][check.name]
    entry["case"] = references.case_digest(from_plain(entry["inputs"], records))
    data["digest"] = entries_digest(data["entries"])
    forged.path.write_text(json.dumps(data), encoding="utf-8")
    assert references.verify([check], Store(forged.path, forged.key)) == [f"{check.name}: no answer stored"]


def test_an_array_passed_twice_stays_one_array():
    x = np.arange(3.0)
    value = {"a": x, "b": [x, x.copy()]}
    back = from_plain(json.loads(json.dumps(to_plain(value, arrays=[]))))
    assert back["a"] is back["b"][0] and back["b"][1] is not back["a"] and identical(back, value)
    assert references.storable((x, x[1:]), layout=True) is MISSING  # a view of another argument: not stored


def test_an_edited_file_is_ignored_and_torch_answers(tmp_path):
    """A file whose entries do not match its digest (edited by hand, cut short) is ignored as a whole:
    the checks ask torch again."""
    a = course.by_folder("01_activations")
    checks = stored_checks(a, "public")
    store = checks[0].store
    data = json.loads(store.path.read_text(encoding="utf-8"))
    name = checks[0].name
    data["entries"][name]["expected"] = to_plain(from_plain(data["entries"][name]["expected"]) * 2)
    edited = tmp_path / store.path.name
    edited.write_text(json.dumps(data), encoding="utf-8")
    assert Store(edited, store.key).entries == {}
    cut = tmp_path / "cut.json"
    cut.write_text(store.path.read_text(encoding="utf-8")[:-100], encoding="utf-8")
    assert Store(cut, store.key).entries == {}
    # the check, pointed at the edited file, gets torch's answer
    check = references.attach([checks[0]], Store(edited, store.key))[0]
    try:
        check._prepared = None
        case, expected = check.prepared
        assert identical(expected, check.reference(check.make_case()))
    finally:
        references.attach([check], store)


def test_a_file_for_another_key_is_ignored(tmp_path):
    a = course.by_folder("01_activations")
    store = stored_checks(a, "public")[0].store
    assert Store(store.path, store.key).entries
    assert Store(store.path, "0" * 64).entries == {}


def test_the_key_follows_the_checks_the_engine_and_the_versions(tmp_path, monkeypatch):
    folder = tmp_path / "01_x"
    folder.mkdir()
    (folder / "checks.py").write_text("CHECKS = []\n")
    (folder / "x.py").write_text("def f(): pass\n")
    (folder / "notebook.md").write_text("text\n")
    key = fingerprint(folder, "public", ("x.py",))
    assert key == fingerprint(folder, "public", ("x.py",))
    (folder / "notebook.md").write_text("other text\n")  # not read by a check
    (folder / "x.py").write_text("def f(): return 1\n")  # the student's file
    (folder / "hidden.py").write_text("CHECKS = []\n")  # not read by the public checks
    assert fingerprint(folder, "public", ("x.py",)) == key
    assert fingerprint(folder, "hidden", ("x.py",)) != key
    (folder / "data.npy").write_bytes(b"\x00")  # a file a check may read
    assert fingerprint(folder, "public", ("x.py",)) != key
    (folder / "data.npy").unlink()
    (folder / "checks.py").write_text("CHECKS = [] \n")
    changed = fingerprint(folder, "public", ("x.py",))
    assert changed != key
    monkeypatch.setattr(references, "library_versions", lambda: {"torch": "0.0", "numpy": "0.0"})
    assert fingerprint(folder, "public", ("x.py",)) != changed


def test_an_answer_for_other_inputs_is_not_served():
    a = course.by_folder("01_activations")
    check = stored_checks(a, "public")[0]
    case = check.make_case()
    assert check.store.stored(check.name, case) is not MISSING
    case.args = (case.args[0] + 1.0,) + tuple(case.args[1:])
    assert check.store.stored(check.name, case) is MISSING


def test_plain_data_round_trips_and_objects_are_not_stored():
    value = {"a": [np.float64(1.5), 2, 3.0, None, True], "b": (np.arange(6, dtype=np.float32).reshape(2, 3),
                                                            np.dtype("int64"), np.array(np.nan))}
    assert identical(from_plain(json.loads(json.dumps(to_plain(value)))), value)
    assert not identical(np.float64(1.0), 1.0) and not identical(np.array(0.0), np.array(-0.0))
    assert references.storable(object()) is MISSING
    assert references.storable({1: 2}) is MISSING


def test_stored_answers_are_never_released():
    """The stored files stay in the course folder: the release build skips them like the author's files."""
    assert references.STORED <= course.AUTHOR_FILES
    for tree in ("assignments", "solutions"):
        assert not [p for p in (ROOT / tree).rglob("references.*.json")], tree


def test_a_warm_student_run_does_not_start_torch():
    """With its answers stored, preparing every public check of 01 (what a student's pytest does) imports
    no torch."""
    stored_checks(course.by_folder("01_activations"), "public")
    code = ("import sys\nfrom gradkit import course\n"
            "checks = course.by_folder('01_activations').public_checks()\n"
            "[c.prepared for c in checks]\n"
            "print(sum(c.store.hits for c in checks[:1]), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    hits, torch_loaded = out.stdout.split()
    assert int(hits) == len(course.by_folder("01_activations").public_checks()) and torch_loaded == "False"

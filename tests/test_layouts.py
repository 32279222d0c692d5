"""Where courses live (issue 19): a Canvas download, a Moodle download and a Gradescope export of
the same code grade to the same scores as the same code laid out as ``<student>/`` folders, with
the layout's identities; a roster gives everyone enrolled a row; a late policy and the export to
Canvas and Moodle work on what those runs wrote.

The class is ``tests.lms_class``'s. The reference is graded once as folders; each layout is built
from the same files by ``build`` and graded once (a module fixture)."""

from __future__ import annotations

import shutil

import pytest

from autograder.intake import layouts
from tests.lms_class import A01, CANVAS, CODE, MOODLE, build, grade, gradebook, identity

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{layout: (its folder, its output folder)}, every layout graded once."""
    base = tmp_path_factory.mktemp("lms")
    done = {}
    for kind in layouts.LAYOUTS:
        folder = build(kind, base / kind)
        out = base / f"out-{kind}"
        assert grade(folder, out) == 0
        done[kind] = (folder, out)
    return done


@pytest.mark.parametrize("kind", layouts.LAYOUTS[1:])
def test_each_layout_grades_to_the_scores_of_the_same_code_as_folders(graded, kind):
    reference = gradebook(graded["folders"][1])
    book = gradebook(graded[kind][1])
    assert set(reference) == set(CODE)
    for student in CODE:
        row = book[identity(kind, student)]
        assert row[A01] == reference[student][A01], (kind, student)
    scores = {s: float(reference[s][A01]) for s in CODE}
    assert scores["alice"] == scores["ada"] == 100 and 0 < scores["bob"] < 100 and scores["erin"] < scores["bob"]


def test_the_layout_is_detected_and_said_with_its_identities_and_names(graded):
    for kind in layouts.LAYOUTS:
        folder = graded[kind][0]
        assert layouts.detect(folder) == kind
    canvas = layouts.scan(graded["canvas"][0])
    assert canvas.headline() == "read as a Canvas download: 6 files -> 4 students, 1 late"
    assert canvas.skipped == [("README.txt", canvas.skipped[0][1])] and "not named as a Canvas" in canvas.skipped[0][1]
    assert {p.student: (p.name, p.late) for p in canvas.people.values()} == {
        uid: (name, student == "bob") for student, (name, uid) in CANVAS.items()}
    bob = next(s for s in canvas.submissions if s.student == "1002")
    assert any("activations.py came more than once" in n and "doebob_LATE_1002_5002_activations-1.py" in n
               for n in bob.notes)
    book = gradebook(graded["moodle"][1])
    assert {s: book[s]["name"] for s in book} == {pid: name for name, pid in MOODLE.values()}
    assert "online text" in (graded["moodle"][1] / "students" / "2002" / "feedback.md").read_text()
    summary = (graded["canvas"][1] / "summary.md").read_text().splitlines()
    assert "read as a Canvas download: 6 files -> 4 students, 1 late." in summary[:6]


def test_a_group_submission_gives_each_member_a_row_with_the_time_the_export_records(graded):
    export = layouts.scan(graded["gradescope-export"][0])
    assert sorted(export.people) == ["S1", "S2", "S3", "S4", "S5"]
    assert str(export.people["S1"].submitted_at) == "2026-12-01 23:59:59.500000+00:00"
    book = gradebook(graded["gradescope-export"][1])
    assert book["S5"][A01] == book["S2"][A01] and book["S5"]["name"] == "Cleo Partner"


def test_the_plain_layout_keeps_todays_gradebook(graded):
    """Without a roster or a policy the folders layout writes what ``report.gradebook_csv`` always
    wrote (the code path is that function's): the header of the grading contract, no roster.csv."""
    out = graded["folders"][1]
    lines = (out / "gradebook.csv").read_text().splitlines()
    assert lines[0] == f"student,{A01},total,folder"
    assert sorted(line.split(",")[0] for line in lines[1:]) == sorted(CODE)
    assert not (out / "roster.csv").exists()
    assert "read as" not in (out / "summary.md").read_text()


def test_an_ambiguous_folder_is_refused_naming_what_it_holds(tmp_path, capsys):
    mixed = build("moodle", tmp_path / "mixed")
    shutil.copyfile(CODE["alice"][1], mixed / "smithalice_1001_5001_activations.py")
    assert grade(mixed, tmp_path / "out") == 2
    err = capsys.readouterr().err
    assert "1 entries of a Canvas download" in err and "5 entries of a Moodle download" in err and "--layout" in err
    assert not (tmp_path / "out" / "gradebook.csv").exists()
    forced = layouts.scan(mixed, "canvas")  # forcing one layout reads it as that one
    assert [s.student for s in forced.submissions] == ["1001"]
    beside = build("folders", tmp_path / "beside")  # student folders beside one Canvas file: nobody is dropped
    shutil.copyfile(CODE["alice"][1], beside / "smithalice_1001_5001_activations.py")
    with pytest.raises(layouts.LayoutError, match="1 entries of a Canvas download, 4 student folders or zips"):
        layouts.detect(beside)

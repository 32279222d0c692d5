"""The roster, the late policy and the export on graded runs (issue 19): a Canvas download with a
Canvas gradebook export as its roster (N enrolled, k without a submission, one extra), a Gradescope
export with a late policy and an extension, and their exports parsed back by the columns Canvas's
and Moodle's import files document; every instructor mistake is refused before grading."""

from __future__ import annotations

import csv
import shutil

import pytest

from autograder import __main__ as cli
from tests.lms_class import A01, build, grade, gradebook

CANVAS_ROSTER = '''Student,ID,SIS User ID,SIS Login ID,Section,HW1 Activations (48213)
    Points Possible,,,,,100.00
"Smith, Alice",1001,A1,asmith,Section 1,
"Doe, Bob",1002,B2,bdoe,Section 1,
"Lovelace, Ada",1003,C3,alovelace,Section 2,
"=HYPERLINK(""http://example.com"")",1009,Z9,zz,Section 2,
"Absent, Amy",1010,Y8,aabsent,Section 2,
'''
DUE = "2026-12-02T00:00:00+00:00"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(the reference folders run, the Canvas run with a roster, the Gradescope run with a policy)."""
    base = tmp_path_factory.mktemp("roster")
    ref = base / "out-folders"
    assert grade(build("folders", base / "folders"), ref) == 0
    (base / "roster.csv").write_text(CANVAS_ROSTER, encoding="utf-8")
    canvas = base / "out-canvas"
    assert grade(build("canvas", base / "canvas"), canvas, "--roster", str(base / "roster.csv")) == 0
    (base / "ext.csv").write_text("student,due\nS4,2026-12-02T02:00:00+00:00\n")
    policy = base / "out-policy"
    assert grade(build("gradescope-export", base / "gs"), policy, "--due", DUE, "--late-penalty", "10/hour",
                 "--late-cap", "50", "--extensions", str(base / "ext.csv")) == 0
    return gradebook(ref), canvas, policy


def test_everyone_on_the_roster_gets_a_row_and_extras_are_flagged(runs):
    ref, canvas, _ = runs
    book = gradebook(canvas)
    assert sorted(book) == ["1001", "1002", "1003", "1004", "1009", "1010"]  # 5 enrolled + erin, not enrolled
    assert book["1009"][A01] == book["1010"][A01] == "0" and book["1001"][A01] == ref["alice"][A01]
    assert book["1001"]["name"] == "smithalice"
    amy = (canvas / "students" / book["1010"]["folder"] / "feedback.md").read_text()
    assert "but nothing of theirs is in the submissions folder" in amy and "not submitted" in amy
    summary = (canvas / "summary.md").read_text()
    assert "Roster: a Canvas gradebook export, joined on student; 5 enrolled, 2 without a submission, " \
           "1 submissions not on the roster." in summary
    assert "nothing submitted (0 points): 1009, 1010" in summary and "not on the roster (graded, flagged): 1004" in summary
    with open(canvas / "roster.csv", newline="") as fh:
        people = {r["student"]: r for r in csv.DictReader(fh)}
    assert people["1002"]["sis_id"] == "B2" and people["1004"]["enrolled"] == "no" and people["1010"]["enrolled"] == "yes"


def test_the_policy_takes_its_percentage_from_recorded_times_at_the_boundaries(runs):
    ref, _, policy = runs
    book = gradebook(policy)
    header = (policy / "gradebook.csv").read_text().splitlines()[0]
    assert header == f"student,name,{A01},raw,penalty,final,late,folder"

    def points(sid):
        return float(book[sid]["raw"]), float(book[sid]["penalty"]), float(book[sid]["final"])

    bob = float(ref["bob"][A01])
    assert points("S1") == (100, 0, 100) and book["S1"]["late"] == ""  # half a second early
    assert points("S2") == (bob, round(bob * 0.1, 4), round(bob * 0.9, 4))  # one second late: one hour
    assert book["S2"]["late"] == "1s late, -10%" and points("S5") == points("S2")
    assert points("S3") == (100, 50, 50) and book["S3"]["late"] == "3d late, -50%"  # 72 hours, capped
    assert float(book["S4"]["penalty"]) == 0 and book["S4"]["late"] == ""  # the extension to 02:00


def test_the_exports_parse_back_by_the_formats_columns(runs, capsys):
    ref, canvas, policy = runs
    assert cli.main(["export", str(canvas), "--to", "canvas", "--column", f"{A01}=HW1 Activations (48213)"]) == 0
    with open(canvas / "export-canvas.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "HW1 Activations (48213)"]
    assert rows[0]["Student"] == "Points Possible" and rows[0]["HW1 Activations (48213)"] == "100"
    by_id = {r["ID"]: r for r in rows[1:]}
    assert sorted(by_id) == ["1001", "1002", "1003", "1004", "1009", "1010"]
    assert by_id["1002"]["HW1 Activations (48213)"] == ref["bob"][A01] and by_id["1002"]["SIS Login ID"] == "bdoe"
    assert by_id["1009"]["Student"].startswith("'=")  # formula-safe, as every cell the kit writes
    assert by_id["1001"]["Student"] == "smithalice" and by_id["1003"]["Section"] == "Section 2"

    assert cli.main(["export", str(policy), "--to", "moodle"]) == 0
    with open(policy / "export-moodle.csv", newline="", encoding="utf-8") as fh:
        moodle = {r["Email address"]: r for r in csv.DictReader(fh)}
    assert list(next(iter(moodle.values())))[:5] == ["Identifier", "Full name", "Email address", "ID number", "Username"]
    assert float(moodle["bob@example.edu"][A01]) == round(float(ref["bob"][A01]) * 0.9, 4)  # the final points
    assert float(moodle["ada@example.edu"][A01]) == 50 and moodle["ada@example.edu"]["ID number"] == "S3"
    edited = policy.parent / "edited"  # a roster.csv edited by hand: the export's own cells are formula-safe too
    shutil.copytree(canvas, edited)
    text = (edited / "roster.csv").read_text()
    (edited / "roster.csv").write_text(text.replace("1003,lovelaceada", "1003,@SUM(A1)"))
    assert cli.main(["export", str(edited), "--to", "moodle", "--column", f"{A01}=+HW1"]) == 0
    with open(edited / "export-moodle.csv", newline="", encoding="utf-8") as fh:
        header, *rest = list(csv.reader(fh))
    assert header[-1] == "'+HW1" and next(r for r in rest if r[0] == "1003")[1] == "'@SUM(A1)"
    capsys.readouterr()
    assert cli.main(["export", str(policy.parent), "--to", "canvas"]) == 2
    assert "has no gradebook.csv: grade first" in capsys.readouterr().err


BAD = {
    "an unreadable roster": (["--roster", "{tmp}/missing.csv"], "cannot be read"),
    "a duplicate-keyed roster": (["--roster", "{tmp}/dup.csv"], "is on line 2 and line 3"),
    "a roster with no student column": (["--roster", "{tmp}/odd.csv"], "no column names a student"),
    "a due date without a zone": (["--due", "2026-12-02T00:00:00"], "has no time zone"),
    "a penalty over 100%": (["--due", DUE, "--late-penalty", "150/day"], "more than 100%"),
    "a policy without a due date": (["--late-penalty", "10/day"], "needs --due"),
    "an extension for someone not on the roster": (
        ["--roster", "{tmp}/ok.csv", "--due", DUE, "--extensions", "{tmp}/ext.csv"], "'1999' is not on the roster"),
}


@pytest.mark.parametrize("case", BAD)
def test_an_instructors_mistake_is_refused_before_grading(case, tmp_path, capsys):
    (tmp_path / "dup.csv").write_text("student,email\n1001,a@x\n1001,b@x\n")
    (tmp_path / "odd.csv").write_text("who,when\nx,y\n")
    (tmp_path / "ok.csv").write_text("student\n1001\n1002\n")
    (tmp_path / "ext.csv").write_text("student,due\n1999,2026-12-03T00:00:00+00:00\n")
    args, message = BAD[case]
    folder = build("canvas", tmp_path / "class")
    assert grade(folder, tmp_path / "out", *[a.format(tmp=tmp_path) for a in args]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # nothing graded, nothing written


def test_each_roster_kind_is_read_and_joined_on_a_key_the_download_has(tmp_path):
    from autograder import roster
    from autograder.intake import layouts

    moodle = build("moodle", tmp_path / "moodle")
    kinds = {
        "worksheet.csv": ("Identifier,Full name,Email address,Status,Grade\nParticipant 2001,Alice Smith,a@x,,\n"
                          "Participant 2002,Bob Doe,b@x,,\nParticipant 2999,Nadia None,n@x,,\n",
                          "a Moodle grading worksheet", "student", ("2999",)),
        "participants.csv": ("First name,Last name,Email address\nAlice,Smith,a@x\nBob,Doe,b@x\nNadia,None,n@x\n",
                             "a Moodle participants export", "name", ("n@x",)),  # known by email
    }
    for name, (text, kind, key, missing) in kinds.items():
        (tmp_path / name).write_text(text)
        intake = layouts.scan(moodle)
        classes, _ = roster.join(intake, tmp_path / name)
        assert (classes.kind, classes.key, classes.missing) == (kind, key, missing), name
        assert classes.extras == ("2003", "2004") and len(intake.submissions) == 5
        assert len({s.folder.lower() for s in intake.submissions}) == 5  # distinct output folders
    (tmp_path / "plain.csv").write_text("student,email\n2001,a@x\n2001,b@x\n")
    with pytest.raises(roster.RosterError, match="keep one line per student"):
        roster.join(layouts.scan(moodle), tmp_path / "plain.csv")

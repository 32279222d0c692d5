"""``python -m autograder merge SHARD_OUT... --out OUT [--similarity SUBMISSIONS]``: one output
folder from the OUTs of a class graded in shards (``grade --shard K/N``, ``autograder.shards``).

What a run writes is written here by the same two functions for a run and a merge:
``student_files`` (a student's saved result, results.json, feedback.md/html) and ``class_files``
(the plots, summary.md/html with the similarity section when asked, gradebook.csv). A merge reads
each student's saved result (``gradkit-state.json``, what ``--resume`` reads) from its shard,
puts the results in class order (``grade.in_class_order``) and calls them, so a merged OUT is the
OUT a single run writes: the same gradebook, byte for byte, and the same summary but for the line
that says how long grading took (a merge gives its longest shard's time). The merged OUT has its
own manifest, shard 0/1 of the whole class, as a single run's has: it can be merged or resumed
from in turn.

Similarity compares every pair of students, across shards, so it needs their code in one place. A
shard's OUT keeps no student code (no OUT does), so ``--similarity SUBMISSIONS`` reads the class
folder itself, read-only and running nothing (``similarity.summary_section``, as ``grade
--similarity`` does); it must be the class the shards graded (the same listing), else the merge
refuses.

Before anything is written the merge refuses, with exit status 2 and the culprit named: an --out
that is one of the inputs (or lies in one, or holds one); an OUT given twice; an OUT without a
manifest (not a grader's OUT, or a shard that did not finish: rerun it with ``--resume``); shards of
another kit version, other checks or other grading options than this kit's and each other's; of
another class listing; of another N; a missing or duplicated K; a student in two shards, or in a
shard that is not theirs; a student whose saved result is missing or is not what the manifest says.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from . import report
from .grade import Plan, StudentResult, in_class_order, load_state, save_state
from .intake.submissions import scan
from .shards import MANIFEST, WHOLE, Manifest, kit_fingerprint, listing_digest, manifest, remove_manifest, shard_of

SIMILARITY = "autograder.similarity:summary_section"  # (root, out, folders) -> the blocks of a summary section


# --- what a run and a merge write ---------------------------------------------------------------

def student_files(out: Path, result: StudentResult, plan: Plan, hidden_visibility: str) -> None:
    """A student's saved result (for --resume and merge) and their results.json, feedback.md/html."""
    save_state(out, result)
    report.write_student(out, result, plan, hidden_visibility)


def class_files(out: Path, results: list[StudentResult], plan: Plan, isolation: list[str], seconds: float,
                skipped, similarity_of: Path | None = None, plots: bool = True, **blocks) -> tuple[list[str], list[str]]:
    """``report.write_class`` with the similarity section of the class in ``similarity_of`` when
    given (``blocks``: write_class's intro, gradebook and also); returns what it returns (removed
    folders, foreign folders left alone)."""
    extra = []
    if similarity_of is not None:  # copydetect imports matplotlib: loaded only when asked for
        module, function = SIMILARITY.split(":")
        extra = [getattr(importlib.import_module(module), function)(similarity_of, out, plan.folders)]
    return report.write_class(out, results, plan, isolation, seconds, skipped, extra=extra, plots=plots, **blocks)


# --- refusals -------------------------------------------------------------------------------------

class Refused(Exception):
    """A merge that would not give one class's gradebook; the message names the culprit and the fix."""


def _inside(a: Path, b: Path) -> bool:
    return a == b or b in a.parents


def read_shards(inputs: list[Path], out: Path) -> list[tuple[Path, Manifest]]:
    """The manifest of each input, checked one by one (Refused, naming the input)."""
    seen: dict[Path, Path] = {}
    found = []
    for given in inputs:
        where = given.resolve()
        if _inside(out.resolve(), where) or _inside(where, out.resolve()):
            raise Refused(f"--out {out} is {'the shard OUT' if where == out.resolve() else 'nested with'} {given}, "
                          "one of the inputs: give the merge an output folder of its own")
        if where in seen:
            raise Refused(f"{given} is given twice (as {seen[where]} too): give each shard's OUT once")
        seen[where] = given
        if not given.is_dir():
            raise Refused(f"{given} is not a folder; give the OUT folder of each shard")
        try:
            found.append((given, Manifest.read(given)))
        except OSError:
            raise Refused(f"{given} holds no {MANIFEST}: it is not the OUT of a grading run, or that run did not "
                          "finish (it is written last); rerun that shard with the same command and --resume") from None
        except ValueError as exc:
            raise Refused(f"{given}/{MANIFEST} cannot be read ({exc}); regrade that shard") from None
    return found


def check_mix(shards: list[tuple[Path, Manifest]]) -> None:
    """Every shard of one class, one kit, one set of checks and options, each K once (Refused)."""
    first_path, first = shards[0]
    kit = kit_fingerprint()
    for path, m in shards:
        if m.kit != kit:
            raise Refused(f"{path} (shard {m.name}) was graded by another version of the kit (kit {m.kit}; this "
                          f"one is {kit}): regrade it with this kit, or merge with the kit that graded it")
        for what, label in (("checks", "checks or assignments"), ("options", "grading options"),
                            ("listing", "class listing"), ("shards", "number of shards")):
            if getattr(m, what) != getattr(first, what):
                raise Refused(f"{path} (shard {m.name}) was graded with another {label} than {first_path} (shard "
                              f"{first.name}): {getattr(m, what)} against {getattr(first, what)}. Regrade it with "
                              "the same command as the others (same class folder, --only, --timeout, "
                              "--hidden-visibility, N)")
    by_k: dict[int, Path] = {}
    for path, m in shards:
        if m.shard in by_k:
            raise Refused(f"{by_k[m.shard]} and {path} are both shard {m.name}: give one OUT per shard")
        by_k[m.shard] = path
    missing = [k for k in range(first.shards) if k not in by_k]
    if missing:
        raise Refused(f"shard {missing[0]}/{first.shards} is missing ({len(missing)} of {first.shards} missing): "
                      f"give every shard's OUT, 0 to {first.shards - 1}")
    owner: dict[str, Path] = {}
    for path, m in shards:
        for student in m.students:
            if student in owner:
                raise Refused(f"student {student!r} is in {owner[student]} and in {path}: regrade those shards")
            if shard_of(student, m.shards) != m.shard:
                raise Refused(f"student {student!r} is in {path} (shard {m.name}), which is not their shard "
                              f"({shard_of(student, m.shards)}/{m.shards}): regrade that shard")
            owner[student] = path
    if len(owner) != first.class_size:
        raise Refused(f"the shards hold {len(owner)} students of a class of {first.class_size}: regrade the shards")


def results_of(shards: list[tuple[Path, Manifest]]) -> list[StudentResult]:
    """Every student's saved result, in class order (Refused if one is missing or is not the graded one)."""
    results = []
    for path, m in shards:
        for student, entry in m.students.items():
            result = load_state(path, entry["folder"])
            if result is None or result.student != student or result.digest != entry["digest"]:
                raise Refused(f"{path} (shard {m.name}) lists {student!r}, but its saved result "
                              f"({report.STUDENTS}/{entry['folder']}/{report.STATE}) is missing or another: "
                              "rerun that shard with --resume")
            results.append(result)
    return in_class_order(results)


def isolation_of(shards: list[tuple[Path, Manifest]]) -> list[str]:
    """The summary's isolation line: the shards' own when they agree, else each shard's."""
    lines = [m.isolation for _, m in shards]
    if all(x == lines[0] for x in lines):
        return lines[0]
    return [f"shard {m.name}: " + "; ".join(m.isolation) for _, m in sorted(shards, key=lambda s: s[1].shard)]


def merge(inputs: list[Path], out: Path, similarity_of: Path | None = None, plots: bool = True) -> list[StudentResult]:
    """Merge the shard OUTs ``inputs`` into ``out`` (see the module's text); Refused before writing."""
    shards = read_shards(inputs, out)
    check_mix(shards)
    first = shards[0][1]
    plan = Plan.build(first.options["assignments"])
    if plan.fingerprint != first.checks:
        raise Refused(f"the shards were graded with other checks than this kit's ({first.checks}; these are "
                      f"{plan.fingerprint}): merge with the kit that graded them")
    if similarity_of is not None:
        try:
            intake = scan(similarity_of)
        except FileNotFoundError:
            raise Refused(f"--similarity {similarity_of} is not a folder; give the class folder the shards graded")
        if listing_digest(intake.submissions, intake.skipped) != first.listing:
            raise Refused(f"--similarity {similarity_of} is not the class the shards graded (its listing differs): "
                          "give the class folder they graded")
    results = results_of(shards)
    if out.exists() and not out.is_dir():
        raise Refused(f"--out {out} is a file, not a folder")
    with report.locked(out):
        remove_manifest(out)
        report.remove_stale_temporaries(out)
        for result in results:
            student_files(out, result, plan, first.options["hidden_visibility"])
        seconds = max(m.seconds for _, m in shards)
        isolation = isolation_of(shards)
        skipped = [tuple(s) for s in first.skipped]
        class_files(out, results, plan, isolation, seconds, skipped, similarity_of, plots)
        manifest(WHOLE, plan, results, first.options, isolation, seconds, first.listing, first.class_size,
                 skipped).write(out)
    return results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m autograder merge",
                                description="Merge the OUT folders of a class graded in shards (grade --shard K/N) "
                                            "into one: gradebook.csv, summary.md/html, the students' folders.")
    p.add_argument("shards", nargs="+", type=Path, metavar="SHARD_OUT", help="the OUT folder of every shard, 0 to N-1")
    p.add_argument("--out", type=Path, required=True, help="the merged output folder (not one of the shards')")
    p.add_argument("--similarity", type=Path, metavar="SUBMISSIONS",
                   help="add the 'Similar submissions' section across all shards: reads the class folder the "
                        "shards graded (nothing is run)")
    p.add_argument("--no-plots", action="store_true", help="write the class summary without its plots")
    args = p.parse_args(argv)
    try:
        results = merge(args.shards, args.out, args.similarity, plots=not args.no_plots)
    except (Refused, report.OutputBusy) as exc:
        print(f"error: {exc}. Nothing was merged.", file=sys.stderr)
        return 2
    print(f"merged {len(args.shards)} shards, {len(results)} submissions -> {args.out}/gradebook.csv, "
          f"{args.out}/summary.md, {args.out}/{report.STUDENTS}/<folder>/feedback.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())

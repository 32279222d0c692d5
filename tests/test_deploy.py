"""deploy/ and the Containerfile: the Kubernetes manifests validate against the Kubernetes schemas
(kubernetes-validate, offline), the workflow against GitHub's (check-jsonschema's vendored copy);
the files agree with each other and with the kit; the Containerfile is the Gradescope image; and
the commands the Job, the Slurm script and the workflow run, run here as N local processes with the
scheduler's variables set, then the merge, give every student of the class once."""

from __future__ import annotations

import csv
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml
from kubernetes_validate import ValidationError, validate

from autograder import shards
from autograder.build import gradescope
from autograder.intake.submissions import scan
from tests.kit import ROOT

DEPLOY = ROOT / "deploy"
KUBERNETES = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
WORKFLOW = DEPLOY / "github-actions" / "grade-shards.yml"
K8S_VERSION = "1.37.0"  # the newest schemas kubernetes-validate ships


def documents(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def by_kind(kind: str, name: str) -> dict:
    return next(d for p in KUBERNETES for d in documents(p) if d["kind"] == kind and d["metadata"]["name"] == name)


SHARD_JOB, MERGE_JOB = by_kind("Job", "gradkit-shards"), by_kind("Job", "gradkit-merge")


@pytest.mark.parametrize("path", KUBERNETES, ids=lambda p: p.name)
def test_the_kubernetes_manifests_validate_offline(path):
    for doc in documents(path):
        validate(doc, K8S_VERSION, strict=True)


def test_the_validator_catches_a_wrong_manifest():
    """A mutant of the shard Job: a misspelt field, and a count that is not a number."""
    spelled = json.loads(json.dumps(SHARD_JOB).replace('"hostUsers"', '"hostUser"'))
    counted = {**SHARD_JOB, "spec": {**SHARD_JOB["spec"], "completions": "4"}}
    for wrong in (spelled, counted):
        with pytest.raises(ValidationError):
            validate(wrong, K8S_VERSION, strict=True)


def _check_workflow(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True, timeout=120)


def test_the_workflow_validates_offline_and_a_wrong_one_does_not(tmp_path):
    proc = _check_workflow(WORKFLOW)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wrong = tmp_path / "wrong.yml"
    wrong.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:", 1))
    assert _check_workflow(wrong).returncode != 0


# --- the files agree --------------------------------------------------------------------------

def _container(job: dict) -> dict:
    (container,) = job["spec"]["template"]["spec"]["containers"]
    return container


def _count_of(args: list[str]) -> int:
    return int(args[args.index("--shard-from-env") + 1])


def test_the_jobs_agree_on_n_the_claim_and_the_folders():
    n = SHARD_JOB["spec"]["completions"]
    shard, merge = _container(SHARD_JOB), _container(MERGE_JOB)
    assert SHARD_JOB["spec"]["completionMode"] == "Indexed" and _count_of(shard["args"]) == n
    out = shard["args"][shard["args"].index("--out") + 1]
    merged_inputs = merge["args"][1:merge["args"].index("--out")]
    assert merged_inputs == [out.replace("$(JOB_COMPLETION_INDEX)", str(k)) for k in range(n)]
    claim = by_kind("PersistentVolumeClaim", "gradkit-data")
    assert "ReadWriteMany" in claim["spec"]["accessModes"]  # pods on several nodes write to it at once
    for job in (SHARD_JOB, MERGE_JOB):
        spec = job["spec"]["template"]["spec"]
        assert spec["hostUsers"] is False  # the runners' user namespaces (bubblewrap cannot start in a pod)
        assert [v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"]] == ["gradkit-data"]
    assert "--no-bwrap" in shard["args"]


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, its text) of a Containerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n\s*", " ", "\n".join(ln for ln in path.read_text().splitlines() if not ln.startswith("#")))
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1]) for ln in text.splitlines() if ln.strip()]


def test_the_containerfile_is_the_gradescope_image():
    """Its steps are the Gradescope image's: the zip `make gradescope` builds, unpacked where
    Gradescope unpacks it, setup.sh run there, then the grader run as run_autograder runs it."""
    steps = _instructions(ROOT / "Containerfile")
    kinds = [k for k, _ in steps]
    setup, run_autograder = (ROOT / "autograder" / "templates" / n for n in ("setup.sh", "run_autograder"))
    root = re.search(r'ROOT="\$\{GRADKIT_AUTOGRADER_ROOT:-([^}]+)\}"', setup.read_text())[1]
    assert root == re.search(r'ROOT="\$\{GRADKIT_AUTOGRADER_ROOT:-([^}]+)\}"', run_autograder.read_text())[1]
    assert dict(steps)["FROM"] == "ubuntu:24.04" and "Ubuntu 24.04" in setup.read_text()
    zip_path = (ROOT / "dist" / "gradescope" / gradescope.zip_name(None)).relative_to(ROOT).as_posix()
    copied = next(text.split() for k, text in steps if k == "COPY")
    assert copied[0] == zip_path
    runs = [text for k, text in steps if k == "RUN"]
    unpack = next(i for i, r in enumerate(runs) if r.startswith("unzip"))
    assert f"{copied[1]} -d {root}/source" in runs[unpack]
    assert runs[unpack + 1] == f"bash {root}/source/setup.sh"
    # the extra packages come from the same indexes and pins as setup.sh's own pip line
    pip = re.search(r'"\$VENV/bin/pip" install (.*?)\n\s*__RUNTIME__', setup.read_text(), re.S)[1]
    flags = re.sub(r"\s*\\\n\s*", " ", pip.rstrip(" \\\n")).replace('"$SRC', f"{root}/source").replace('"', "").split()
    extra = next(r for r in runs if "/bin/pip install" in r).split()
    assert extra[:2] == [f"{root}/venv/bin/pip", "install"] and extra[2:2 + len(flags)] == flags
    # then as run_autograder: its interpreter, in the source folder, with it on PYTHONPATH
    python = re.search(r'PY="\$\{GRADKIT_PYTHON:-([^}]+)\}"', run_autograder.read_text())[1].replace("$ROOT", root)
    assert json.loads(dict(steps)["ENTRYPOINT"]) == [python, "-m", "autograder"]
    assert dict(steps)["WORKDIR"] == f"{root}/source"
    assert dict(steps)["ENV"].endswith(f"PYTHONPATH={root}/source")
    assert kinds.index("ENTRYPOINT") > max(i for i, k in enumerate(kinds) if k == "RUN")


# --- the commands, run here ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny_class(tmp_path_factory):
    """Three students of examples/ that grade in moments (a syntax error, a missing file, torch)."""
    root = tmp_path_factory.mktemp("class") / "class"
    for name in ("carol", "dave", "frank"):
        shutil.copytree(ROOT / "examples" / name, root / name)
    return root


def _gradebook_students(out: Path) -> list[str]:
    with open(out / "gradebook.csv", newline="") as fh:
        return [row[0] for row in list(csv.reader(fh))[1:]]


def _entrypoint() -> list[str]:
    """The Containerfile's entrypoint, with this interpreter for the image's."""
    entry = json.loads(dict(_instructions(ROOT / "Containerfile"))["ENTRYPOINT"])
    return [sys.executable, *entry[1:]]


def _pod_command(job: dict, mounts: dict[str, Path], env: dict[str, str]) -> list[str]:
    """The container's command as the kubelet runs it: ``$(NAME)`` expanded from the pod's
    variables, each mount path replaced by the local folder standing in for it."""
    container = _container(job)
    args = [re.sub(r"\$\((\w+)\)", lambda m: env[m[1]], a) for a in container["args"]]
    paths = {m["mountPath"]: mounts[m["subPath"]] for m in container["volumeMounts"]}
    for mount, local in paths.items():
        args = [str(local) + a[len(mount):] if a == mount or a.startswith(mount + "/") else a for a in args]
    return _entrypoint() + args


def _run_all(commands: list[tuple[list[str], dict]], cwd: Path) -> list[subprocess.CompletedProcess]:
    """The commands, two at a time (the machine's cores)."""
    def one(item):
        cmd, env = item
        return subprocess.run(cmd, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, timeout=900)
    with ThreadPoolExecutor(2) as pool:
        return list(pool.map(one, commands))


def _assert_whole_class(outs: list[Path], merged: Path, root: Path) -> None:
    for k, out in enumerate(outs):
        m = json.loads((out / shards.MANIFEST).read_text())
        assert (m["shard"], m["shards"]) == (k, len(outs))
    assert _gradebook_students(merged) == [s.student for s in scan(root).submissions]


def test_the_kubernetes_jobs_run_as_local_processes(tiny_class, tmp_path):
    mounts = {"class": tiny_class, "grades": tmp_path / "grades"}
    n = SHARD_JOB["spec"]["completions"]
    pods = [(_pod_command(SHARD_JOB, mounts, {"JOB_COMPLETION_INDEX": str(k)}), {"JOB_COMPLETION_INDEX": str(k)})
            for k in range(n)]
    for proc in _run_all(pods, ROOT):
        assert proc.returncode == 0, proc.stderr[-2000:]
    merge = subprocess.run(_pod_command(MERGE_JOB, mounts, {}), cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert merge.returncode == 0, merge.stderr[-2000:]
    _assert_whole_class([tmp_path / "grades" / f"shard-{k}" for k in range(n)], tmp_path / "grades" / "merged",
                        tiny_class)
    assert "Similar submissions" in (tmp_path / "grades" / "merged" / "summary.md").read_text()


def test_the_slurm_scripts_run_with_a_local_sbatch(tiny_class, tmp_path):
    """submit.sh as written, with an sbatch that runs each job here (tests/fake_sbatch.py): the
    array with Slurm's variables, then the merge only once every task succeeded."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sbatch").write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} "
                                    f"{shlex.quote(str(ROOT / 'tests' / 'fake_sbatch.py'))} \"$@\"\n")
    (bin_dir / "sbatch").chmod(0o755)
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_SBATCH_STATE": str(tmp_path / "jobs"),
           "GRADKIT_PYTHON": sys.executable}
    grades, n = tmp_path / "grades", 3
    proc = subprocess.run(["bash", str(DEPLOY / "slurm" / "submit.sh"), str(tiny_class), str(grades), str(n)],
                          cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=900)
    logs = "".join(p.read_text() for p in sorted((tmp_path / "jobs").glob("*.log")))
    assert proc.returncode == 0, proc.stderr + logs[-3000:]
    _assert_whole_class([grades / f"shard-{k}" for k in range(n)], grades / "merged", tiny_class)


def test_the_workflow_steps_run_as_local_processes(tiny_class, tmp_path):
    """The run: lines of the matrix job, once per matrix entry (matrix.shard, strategy.job-total),
    then the merge job's, on the artifacts laid out as download-artifact lays them out."""
    flow = yaml.safe_load(WORKFLOW.read_text())
    jobs = flow["jobs"]
    matrix = jobs["shard"]["strategy"]["matrix"]["shard"]
    work = tmp_path / "checkout"
    work.mkdir()
    (work / ".venv").symlink_to(Path(sys.executable).parent.parent)  # `make install` made it here

    def step(job: str, name: str) -> dict:
        return next(s for s in jobs[job]["steps"] if s.get("name", "").startswith(name))

    def expand(text: str, values: dict) -> str:
        return re.sub(r"\$\{\{\s*([\w.-]+)\s*\}\}", lambda m: str(values[m[1]]), text)

    shard, merge = step("shard", "grade shard"), step("merge", "merge")
    runs = []
    for k in matrix:
        values = {"matrix.shard": k, "strategy.job-total": len(matrix), "inputs.submissions": tiny_class}
        env = {name: expand(str(v), values) for name, v in shard["env"].items()}
        runs.append((["bash", "-c", expand(shard["run"], values)], env))
    for proc in _run_all(runs, work):
        assert proc.returncode == 0, proc.stderr[-2000:]
    (work / "shards").mkdir()
    for k in matrix:  # upload-artifact shard-K of grades/shard-K, download-artifact into shards/shard-K
        (work / "grades" / f"shard-{k}").rename(work / "shards" / f"shard-{k}")
    shutil.rmtree(work / "grades")
    env = {name: expand(str(v), {"inputs.submissions": tiny_class}) for name, v in merge["env"].items()}
    proc = subprocess.run(["bash", "-c", merge["run"]], cwd=work, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    _assert_whole_class([work / "shards" / f"shard-{k}" for k in matrix], work / "grades", tiny_class)

"""The student bundle (`make student-zip`): the release with the check engine and the public checks
vendored beside it. It runs its public checks with nothing but its own requirements (NumPy, torch,
pytest, matplotlib): no grader, no hidden check, not the kit's installed packages."""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile

import pytest

from autograder.build import bundle
from gradkit import course as assignments
from tests import checkout
from tests.kit import LEFT_BEHIND, ROOT, git_ignored

AVAILABLE = assignments.available()
SITE = sysconfig.get_paths()["purelib"]  # the venv's third-party packages (numpy, torch, pytest)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    folder = bundle.student(out / "student", checkout.release())
    return folder, bundle.zip_folder(folder, out / "student.zip")


def _python(folder, code: str):
    """Python in ``folder`` that sees only the bundle and the venv's site-packages: ``-I`` drops
    PYTHONPATH and the current folder, ``-S`` the .pth files (the kit's own editable install)."""
    boot = f"import sys; sys.path[:0] = [{str(folder)!r}, {SITE!r}]\n" + code
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run([sys.executable, "-I", "-S", "-c", boot], cwd=folder, capture_output=True, text=True,
                          env=env, timeout=900)


def test_zip_holds_the_release_the_engine_and_the_public_checks_only(built):
    folder, target = built
    with zipfile.ZipFile(target) as zf:
        names = {n.split("/", 1)[1] for n in zf.namelist() if not n.endswith("/")}
    release = {p.relative_to(checkout.release()).as_posix() for p in checkout.release().rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert release <= names
    assert {rel for rel, _ in bundle.files()} <= names
    assert not [n for n in names if n.rsplit("/", 1)[-1] in (assignments.HIDDEN, assignments.MUTANTS)]
    assert not [n for n in names if n.startswith(("autograder/", "tests/", "solutions/"))]
    req = (folder / "requirements.txt").read_text()
    assert all(re.search(rf"^{p}==", req, re.M) for p in ("numpy", "torch", "pytest"))


def test_unzipped_bundle_ignores_what_running_the_checks_leaves_behind(built, tmp_path):
    """The zip holds a .gitignore: a student who unzips it, runs the checks and commits
    everything commits no report.html, venv or cache, and still commits the stubs."""
    _, target = built
    with zipfile.ZipFile(target) as zf:
        zf.extractall(tmp_path)
    repo = tmp_path / "student"
    ignored = git_ignored(repo, [*LEFT_BEHIND, "01_activations/activations.py", ".gitignore"])
    assert ignored == {**{p: True for p in LEFT_BEHIND}, "01_activations/activations.py": False,
                       ".gitignore": False}


def test_kit_ignores_what_running_the_checks_leaves_behind():
    """The repository itself (`make check` writes report.html at the top; `pytest --gradkit-html
    report.html` in an assignment folder writes it there)."""
    paths = ["report.html", "assignments/01_activations/report.html", "assignments/01_activations/activations.py"]
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "--no-index", "--stdin"],
                             input="\n".join(paths), capture_output=True, text=True)
    if ignored.returncode > 1:
        pytest.skip(f"not a git checkout: {ignored.stderr.strip()}")
    assert ignored.stdout.split() == paths[:2]


def test_bundle_imports_its_own_gradkit_and_no_grader(built):
    folder, _ = built
    proc = _python(folder, "import gradkit; print(gradkit.__file__)\nimport autograder")
    assert proc.stdout.strip() == str(folder / "gradkit" / "__init__.py"), proc.stdout + proc.stderr
    assert "No module named 'autograder'" in proc.stderr, proc.stderr[-2000:]


def test_bundle_runs_its_public_checks(built, tmp_path):
    """Solutions in every folder but the last (a stub there): pytest gives full public points to the
    first ones and 0 to the last, from the bundle's own engine and checks."""
    folder = tmp_path / "student"
    shutil.copytree(built[0], folder)
    for a in AVAILABLE[:-1]:
        shutil.copy(ROOT / "solutions" / a.folder / f"{a.module}.py", folder / a.folder / f"{a.module}.py")
    proc = _python(folder, "import pytest\nsys.exit(pytest.main(['-p', 'no:cacheprovider']))")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out[-3000:]
    for a in AVAILABLE:
        public = sum(c.points for c in a.public_checks())
        got = 0 if a is AVAILABLE[-1] else public
        assert re.search(rf"^{a.folder}: {got:g}/{public:g}\b", out, re.M), out[-3000:]

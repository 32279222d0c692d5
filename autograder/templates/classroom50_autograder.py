"""gradkit's Classroom 50 autograder (built by ``python -m autograder.build.classroom50``).

Classroom 50's runner runs this file once per submission, with the working directory at the
student's checkout and this file's folder holding the grader, the checks (hidden ones too) and
``gradkit.json``. It installs what the grader imports when the runner's Python lacks it (pinned by
``constraints.txt``; torch from PyTorch's CPU index), grades the checkout with the kit and writes
``./result.json`` (``classroom50/result/v1``). It exits 0 whenever it wrote a result; the runner
reports an infrastructure failure for any other exit.
"""

import importlib.util
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNTIME = ("numpy", "torch", "matplotlib", "rich")


def ensure_runtime() -> None:
    """pip-install the grader's imports into this Python when one of them is missing."""
    if all(importlib.util.find_spec(name) for name in RUNTIME):
        return
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-c", str(HERE / "constraints.txt"), "--index-url", "https://download.pytorch.org/whl/cpu",
                    "--extra-index-url", "https://pypi.org/simple", *RUNTIME], check=True)


if __name__ == "__main__":
    ensure_runtime()
    sys.path.insert(0, str(HERE))
    from autograder.build.classroom50 import run

    sys.exit(run(Path.cwd(), HERE))

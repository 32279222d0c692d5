#!/usr/bin/env bash
# gradkit autograder: Gradescope runs this once, as root, when it builds the image.
# Choose Gradescope's Ubuntu 24.04 base image: the pinned NumPy needs Python 3.11 or newer.
# It installs what `python -m autograder grade` imports, pinned by constraints.txt (the versions the
# kit's CI tested), into /autograder/venv; run_autograder uses that interpreter.
set -euo pipefail
ROOT="${GRADKIT_AUTOGRADER_ROOT:-/autograder}"
SRC="$ROOT/source"
VENV="$ROOT/venv"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

apt-get update -qq
apt-get install -y -qq python3 python3-venv
# bubblewrap gives the runner a private file system and no network. Optional: when it is missing,
# or the container forbids the namespaces it needs, the grader uses process limits only (and says so
# in the autograder output only instructors see).
apt-get install -y -qq bubblewrap || echo "gradkit: bubblewrap not installed; grading uses process limits only"

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "gradkit: Python 3.11+ is needed (found $(python3 --version)); choose the Ubuntu 24.04 base image" >&2
    exit 1
}
python3 -m venv "$VENV"
# torch: the CPU wheel from PyTorch's own index (torch==2.13.0 in constraints.txt matches 2.13.0+cpu,
# which sorts above PyPI's 2.13.0, so the CUDA build and its 3 GB of libraries never come in);
# everything else from PyPI.
"$VENV/bin/pip" install --no-cache-dir -c "$SRC/constraints.txt" \
    --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple \
    __RUNTIME__
"$VENV/bin/python" - <<'EOF'
import numpy, torch
assert "+cpu" in torch.__version__ or not torch.cuda.is_available(), torch.__version__
print("gradkit: numpy", numpy.__version__, "torch", torch.__version__)
EOF
# torch's answers of every check, computed once here and stored beside the checks (gradkit.references):
# each submission then reads them instead of recomputing them (without them, each computes them)
(cd "$SRC" && PYTHONPATH="$SRC" "$VENV/bin/python" -m autograder.build.gradescope references) \
    || echo "gradkit: torch's answers not stored; each submission computes them"
# the hidden checks and their stored answers stay readable by root (the grader) only: without
# bubblewrap, student code runs as user nobody (run_autograder does this again, in case the source is replaced)
chmod -R go-rwx "$SRC/source"

"""The judge's side of running untrusted code: one runner process per student, with limits.

``RunnerSession`` starts ``runner.py`` in its own process group (its own session), with a
clean environment, a scratch working directory and rlimits (address space, CPU seconds, file
size), sends one request at a time and waits for the answer with a wall-clock timeout. A
runner that dies, hangs or answers garbage costs only the call in progress: it is killed
(the whole process group) and a fresh one is started for the next call. Nothing the runner
sends is executed or unpickled: responses are JSON, validated by ``core.returned_from``.

When bubblewrap (``bwrap``) is installed the runner also gets its own mount, PID, network and
IPC namespaces and sees only the Python installation, NumPy, the protocol module, the
student's files and a scratch tmpfs (see ``bwrap_command``); ``isolation()`` says which
protections are in force so the grader can print it.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

from .checks.core import Returned, StudentError, returned_from

RUNNER = Path(__file__).resolve().parent / "runner.py"
PROTOCOL_DIR = Path(__file__).resolve().parent / "checks"
MAX_FRAME = 256 * 1024 * 1024


@dataclass
class Limits:
    call_timeout: float = 10.0  # wall seconds for one call (or one import)
    student_budget: float = 300.0  # wall seconds for one student, all calls together
    memory: int = 2 * 1024**3  # address space of the runner, bytes
    cpu: int = 120  # CPU seconds of one runner process
    file_size: int = 16 * 1024**2  # largest file the runner may write, bytes
    start_timeout: float = 30.0  # starting Python + NumPy


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the student's code): grading cannot go on this way."""


_NOBODY: list[bool] = []


def nobody_can_run_python() -> bool:
    """Whether user "nobody" can start this Python with NumPy (e.g. not when it lives in /root)."""
    if not _NOBODY:
        try:
            ok = subprocess.run([sys.executable, "-I", "-c", "import numpy"], preexec_fn=_become_nobody,
                                capture_output=True, timeout=60, cwd="/").returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        _NOBODY.append(ok)
    return _NOBODY[0]


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def isolation(use_bwrap: bool) -> list[str]:
    """Human-readable list of the protections in force."""
    base = ["separate process per student, plain-data protocol (no pickle)",
            "wall-clock timeout per call and per student, CPU/memory/file-size limits",
            "process group killed after each student"]
    if use_bwrap:
        return base + ["bubblewrap: private file system (only the student's files), no network, "
                       "own PID namespace (no process outlives the runner)"]
    who = "user nobody" if os.geteuid() == 0 and nobody_can_run_python() else "the grading user"
    return base + [f"WITHOUT bubblewrap: student code runs as {who} and can read the files that user can read "
                   "(install bubblewrap for file-system and network isolation)"]


def _python_roots() -> list[str]:
    paths = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths |= {sys.base_prefix, sys.prefix}
    return sorted(paths)


def bwrap_command(scratch: Path, student_files: Path) -> list[str]:
    """bubblewrap arguments: read-only system and Python, the student's files, nothing else."""
    cmd = [bwrap_path(), "--die-with-parent", "--new-session", "--unshare-all", "--clearenv",
           "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    for d in ("/usr", "/lib", "/lib64", "/bin", "/etc/alternatives"):
        if os.path.exists(d):
            cmd += ["--ro-bind", d, d]
    numpy_dir = Path(__import__("numpy").__file__).parent
    site = Path(sysconfig.get_paths()["purelib"])
    for root in (sys.base_prefix, os.path.realpath(sys.base_prefix)):
        cmd += ["--ro-bind-try", root, root]
    # the venv itself, but of its site-packages only NumPy (and its bundled libraries)
    cmd += ["--ro-bind-try", sys.prefix + "/bin", sys.prefix + "/bin",
            "--ro-bind-try", sys.prefix + "/pyvenv.cfg", sys.prefix + "/pyvenv.cfg",
            "--tmpfs", str(site)]
    for entry in site.iterdir():
        if entry.name.startswith("numpy"):
            cmd += ["--ro-bind", str(entry), str(entry)]
    del numpy_dir
    cmd += ["--ro-bind", str(RUNNER), "/gradkit/runner.py",
            "--ro-bind", str(PROTOCOL_DIR / "protocol.py"), "/gradkit/protocol/protocol.py",
            "--ro-bind", str(student_files), "/submission",
            "--bind", str(scratch), "/scratch", "--chdir", "/scratch"]
    return cmd


class RunnerSession:
    """One student's runner: loads their modules lazily and calls functions with limits."""

    def __init__(self, scratch: Path, student_files: Path, limits: Limits, use_bwrap: bool):
        self.scratch, self.files, self.limits, self.use_bwrap = scratch, student_files, limits, use_bwrap
        self.proc: subprocess.Popen | None = None
        self.loaded: set[str] = set()
        self.paths: dict[str, str] = {}  # module -> path relative to the student files
        self.load_errors: dict[str, StudentError] = {}
        self.deadline = time.monotonic() + limits.student_budget
        self.restarts = 0

    # -- process management --------------------------------------------------------------
    def _env(self) -> dict:
        return {"PATH": "/usr/bin:/bin", "HOME": "/scratch" if self.use_bwrap else str(self.scratch),
                "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1",
                "PYTHONHASHSEED": "0", "GRADKIT_LIMIT_AS": str(self.limits.memory),
                "GRADKIT_LIMIT_CPU": str(self.limits.cpu), "GRADKIT_LIMIT_FSIZE": str(self.limits.file_size)}

    def _start(self) -> None:
        self.scratch.mkdir(parents=True, exist_ok=True)
        python = sys.executable
        if self.use_bwrap:
            cmd = bwrap_command(self.scratch, self.files)
            for k, v in self._env().items():
                cmd += ["--setenv", k, v]
            cmd += [python, "-I", "-B", "/gradkit/runner.py", "/gradkit/protocol"]
            env = None
        else:
            cmd = [python, "-I", "-B", str(RUNNER), str(PROTOCOL_DIR)]
            env = self._env()
        drop = None
        if not self.use_bwrap and os.geteuid() == 0 and nobody_can_run_python():
            # without bubblewrap, never run student code as root: it could signal the grader or
            # write its outputs. "nobody" can still read world-readable files (isolation() says so).
            os.chmod(self.scratch, 0o777)
            drop = _become_nobody
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, cwd=self.scratch, env=env,
                                     start_new_session=True, close_fds=True, preexec_fn=drop)
        self.loaded = set()
        try:
            ready = self._receive(self.limits.start_timeout)
        except (EOFError, TimeoutError, struct.error):
            ready = None
        if not (isinstance(ready, dict) and ready.get("ready")):
            self.kill()
            raise SandboxError("the runner process did not start (before any student code ran)")

    def kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.proc = None

    close = kill

    # -- framing ---------------------------------------------------------------------------
    def _send(self, message: dict) -> None:
        data = json.dumps(message).encode("utf-8")
        try:
            self.proc.stdin.write(struct.pack(">Q", len(data)) + data)
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise EOFError

    def _read(self, n: int, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        chunks = []
        while n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                raise TimeoutError
            chunk = os.read(fd, min(n, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def _receive(self, timeout: float):
        deadline = time.monotonic() + timeout
        (size,) = struct.unpack(">Q", self._read(8, deadline))
        if size > MAX_FRAME:
            raise EOFError
        try:
            return json.loads(self._read(size, deadline))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise EOFError

    def _exchange(self, message: dict, what: str) -> dict:
        """Send one request and wait for its answer; on any failure kill the runner and raise."""
        budget_left = self.deadline - time.monotonic()
        if budget_left <= 0:
            raise StudentError("timeout", f"this submission used up its {self.limits.student_budget:g} s "
                                          "time budget before this call")
        timeout = min(self.limits.call_timeout, budget_left)
        try:
            if self.proc is None:
                self._start()
            self._send(message)
            return self._receive(timeout)
        except TimeoutError:
            self.kill()
            self.restarts += 1
            raise StudentError("timeout", f"no answer within {timeout:g} s (an endless loop, or far too slow)")
        except (EOFError, OSError, struct.error):
            try:
                code = self.proc.wait(timeout=2) if self.proc else None
            except subprocess.TimeoutExpired:
                code = None
            self.kill()
            self.restarts += 1
            why = _death(code)
            raise StudentError("crash", f"the process running your code died during {what}{why}")

    # -- the session interface used by the checks ------------------------------------------
    def add_module(self, module: str, relative_path: str) -> None:
        self.paths[module] = relative_path

    def _ensure_loaded(self, module: str) -> None:
        if module in self.load_errors:
            raise self.load_errors[module]
        if self.proc is not None and module in self.loaded:
            return
        root = "/submission" if self.use_bwrap else str(self.files)
        path = f"{root}/{self.paths[module]}"
        try:
            response = self._exchange({"op": "load", "module": module, "path": path},
                                      f"importing {module}.py")
        except StudentError as err:
            err = StudentError("import", f"importing {module}.py failed: {err.message}")
            self.load_errors[module] = err
            raise err
        if not (isinstance(response, dict) and response.get("ok")):
            e = response.get("error") if isinstance(response, dict) else None
            e = e if isinstance(e, dict) else {}
            err = StudentError("import", f"importing {module}.py failed: {str(e.get('type'))[:100]}: "
                                         f"{str(e.get('message'))[:1500]}", str(e.get("traceback", ""))[:4000])
            self.load_errors[module] = err
            raise err
        self.loaded.add(module)

    def call(self, request: dict) -> Returned:
        module = request["module"]
        self._ensure_loaded(module)
        response = self._exchange(request, f"{request['function']}()")
        output = response.get("output", "") if isinstance(response, dict) else ""
        return returned_from(response, str(output)[:5000])


def _become_nobody() -> None:
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


def _death(code) -> str:
    if code is None:
        return " (it closed its connection)"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        hint = {"SIGKILL": " — often the memory limit", "SIGXCPU": " — the CPU time limit",
                "SIGSEGV": " — a crash inside a library"}.get(name, "")
        return f" (killed by {name}{hint})"
    return f" (it exited with status {code}: did your code call exit()?)"

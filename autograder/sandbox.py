"""The judge's side of running untrusted code: a warm pool of runners, one per student.

``Pool`` starts ``runner.py`` once per grading run as a zygote that has already imported
Python's common modules, NumPy and matplotlib; each student gets a runner forked from it in a
few milliseconds instead of a fresh interpreter (see runner.py for what a forked runner does
to isolate itself: its own user, mount and PID namespaces, a private /tmp, rlimits,
non-dumpable). With bubblewrap (``bwrap``) the zygote itself lives in a sandbox that sees the
Python installation, NumPy, matplotlib and the protocol module read-only, and nothing else:
no checks, no solutions, no submissions (student code arrives as source text over the
socket), no network.

``RunnerSession`` is one student's connection: it sends one request at a time and waits with
a wall-clock timeout. A runner that dies, hangs or answers garbage costs only the call in
progress: it is killed (with everything it started) and a fresh one forked for the next call.
Nothing a runner sends is executed or unpickled: responses are JSON, validated by
``core.returned_from``.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .checks.core import Returned, StudentError, chain_from, returned_from
from .checks.protocol import pack_frame, read_exact, unpack_frame

RUNNER = Path(__file__).resolve().parent / "runner.py"
PROTOCOL_DIR = Path(__file__).resolve().parent / "checks"
MAX_FRAME = 256 * 1024 * 1024
STUDENT_PACKAGES = ("numpy", "matplotlib")  # and what they depend on; never torch or the kit


@dataclass
class Limits:
    call_timeout: float = 10.0  # wall seconds for one call (or one import)
    student_budget: float = 300.0  # wall seconds for one student, all calls together
    memory: int = 2 * 1024**3  # address space of a runner, bytes
    cpu: int = 120  # CPU seconds of one runner process
    file_size: int = 16 * 1024**2  # largest file (or captured output) a runner may write, bytes
    start_timeout: float = 60.0  # starting the zygote (Python, NumPy, matplotlib)


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the student's code): grading cannot go on this way."""


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def isolation(use_bwrap: bool) -> list[str]:
    """Human-readable list of the protections in force."""
    base = ["a separate process per student, forked from a warm pool; plain-data protocol (no pickle)",
            "own user, mount and PID namespaces per student (no seeing or signalling other students' code), "
            "private /tmp, not dumpable",
            "wall-clock timeout per call and per student, CPU/memory/file-size limits"]
    if use_bwrap:
        return base + ["bubblewrap: the runners see only Python, NumPy and matplotlib (no checks, solutions "
                       "or submissions on disk), no network"]
    who = "user nobody" if os.geteuid() == 0 else "the grading user"
    return base + [f"WITHOUT bubblewrap: student code runs as {who} and can read (and write) what that user "
                   "can, and use the network; install bubblewrap for file-system and network isolation"]


def student_site_entries(site: Path) -> list[Path]:
    """Top-level site-packages entries of STUDENT_PACKAGES and their dependencies (recursively)."""
    import re
    from importlib import metadata

    names, todo, entries = set(), list(STUDENT_PACKAGES), set()
    while todo:
        name = re.split(r"[ ;<>=!~\[(]", todo.pop(), maxsplit=1)[0].lower().replace("_", "-")
        if not name or name in names:
            continue
        names.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        todo += [r for r in (dist.requires or []) if "extra ==" not in r]
        for f in dist.files or []:
            top = f.parts[0]
            if top not in ("..", "__pycache__") and (site / top).exists():
                entries.add(site / top)
    return sorted(e for e in entries if not e.name.startswith(("torch", "autograder", "__editable__")))


def bwrap_command() -> list[str]:
    """bubblewrap arguments: read-only system, Python, NumPy, matplotlib and the runner; nothing else."""
    cmd = [bwrap_path(), "--die-with-parent", "--new-session", "--unshare-all", "--clearenv",
           "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    for d in ("/usr", "/lib", "/lib64", "/bin", "/etc/alternatives", "/etc/fonts"):
        if os.path.exists(d):
            cmd += ["--ro-bind", d, d]
    site = Path(sysconfig.get_paths()["purelib"])
    for root in (sys.base_prefix, os.path.realpath(sys.base_prefix)):
        cmd += ["--ro-bind-try", root, root]
    cmd += ["--ro-bind-try", sys.prefix + "/bin", sys.prefix + "/bin",
            "--ro-bind-try", sys.prefix + "/pyvenv.cfg", sys.prefix + "/pyvenv.cfg",
            "--tmpfs", str(site)]
    for entry in student_site_entries(site):
        cmd += ["--ro-bind", str(entry), str(entry)]
    cmd += ["--ro-bind", str(RUNNER), "/gradkit/runner.py",
            "--ro-bind", str(PROTOCOL_DIR / "protocol.py"), "/gradkit/protocol/protocol.py", "--chdir", "/tmp"]
    return cmd


def _receive(fd: int, timeout: float):
    deadline = time.monotonic() + timeout
    try:
        return unpack_frame(lambda n: read_exact(fd, n, deadline), MAX_FRAME)
    except (UnicodeDecodeError, ValueError, struct.error):  # ProtocolError and JSON errors are ValueErrors
        raise EOFError


def _send(fd: int, message: dict) -> None:
    payload = pack_frame(dict(message))
    try:
        while payload:
            payload = payload[os.write(fd, payload):]
    except OSError:
        raise EOFError


class Pool:
    """The zygote of one grading run: forks a fresh runner per student (see runner.py)."""

    def __init__(self, limits: Limits, use_bwrap: bool):
        self.limits, self.use_bwrap = limits, use_bwrap
        self.lock = threading.Lock()
        self.home = tempfile.mkdtemp(prefix="gradkit-pool-")
        ours, theirs = socket.socketpair()
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}
        if use_bwrap:
            cmd = bwrap_command()
            for k, v in dict(env, HOME="/tmp", MPLCONFIGDIR="/tmp/matplotlib").items():
                cmd += ["--setenv", k, v]
            cmd += [sys.executable, "-I", "-B", "/gradkit/runner.py", "/gradkit/protocol"]
            env = None
        else:
            os.chmod(self.home, 0o777)
            env = dict(env, HOME=self.home, MPLCONFIGDIR=os.path.join(self.home, "matplotlib"))
            cmd = [sys.executable, "-I", "-B", str(RUNNER), str(PROTOCOL_DIR)]
            if os.geteuid() == 0:
                cmd.append("--drop-root")
        self.proc = subprocess.Popen(cmd, stdin=theirs.fileno(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, env=env, cwd=self.home,
                                     start_new_session=True, close_fds=True)
        theirs.close()
        self.ctl = ours
        try:
            ready = _receive(self.ctl.fileno(), limits.start_timeout)
        except (EOFError, TimeoutError, struct.error, OSError):
            ready = None
        if not (isinstance(ready, dict) and ready.get("ready")):
            self.close()
            raise SandboxError("the runner pool did not start (before any student code ran)")

    def _ask(self, message: dict, want_fd: bool):
        with self.lock:
            _send(self.ctl.fileno(), message)
            self.ctl.settimeout(self.limits.start_timeout)
            try:
                data, fds, _, _ = socket.recv_fds(self.ctl, 8, 1)
            except (OSError, socket.timeout) as exc:
                raise SandboxError(f"the runner pool stopped answering ({exc})")
            if len(data) != 8 or (want_fd and len(fds) != 1):
                raise SandboxError("the runner pool stopped answering")
            return struct.unpack(">q", data)[0], (fds[0] if fds else None)

    def spawn(self) -> tuple[int, socket.socket]:
        """A fresh runner: (its pid in the pool, the judge's end of its socket)."""
        pid, fd = self._ask({"op": "spawn", "limits": asdict(self.limits)}, want_fd=True)
        return pid, socket.socket(fileno=fd)

    def kill(self, pid: int) -> None:
        try:
            self._ask({"op": "kill", "pid": pid}, want_fd=False)
        except (SandboxError, EOFError):
            pass

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.kill()
        self.proc.wait()
        try:
            self.ctl.close()
        except (AttributeError, OSError):
            pass
        shutil.rmtree(self.home, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class RunnerSession:
    """One student's runner: loads their modules lazily (as source text) and calls functions."""

    def __init__(self, pool: Pool, student_files: Path, limits: Limits, deadline: float | None = None):
        self.pool, self.files, self.limits = pool, student_files, limits
        self.pid: int | None = None
        self.sock: socket.socket | None = None
        self.loaded: set[str] = set()
        self.paths: dict[str, str] = {}  # module -> path relative to the student files
        self.load_errors: dict[str, StudentError] = {}
        self.deadline = deadline if deadline is not None else time.monotonic() + limits.student_budget

    def _start(self) -> None:
        self.pid, self.sock = self.pool.spawn()
        self.loaded = set()
        try:
            ready = _receive(self.sock.fileno(), self.limits.start_timeout)
        except (EOFError, TimeoutError, struct.error, OSError):
            ready = None
        if not (isinstance(ready, dict) and ready.get("ready")):
            self.kill()
            raise SandboxError("a runner did not start (before any student code ran)")

    def kill(self) -> None:
        if self.pid is not None:
            self.pool.kill(self.pid)
            self.pid = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    close = kill

    def _exchange(self, message: dict, what: str) -> dict:
        """Send one request and wait for its answer; on any failure kill the runner and raise."""
        budget_left = self.deadline - time.monotonic()
        if budget_left <= 0:
            raise StudentError("timeout", f"this submission used up its {self.limits.student_budget:g} s "
                                          "time budget before this call")
        timeout = min(self.limits.call_timeout, budget_left)
        if self.sock is None:
            self._start()
        try:
            _send(self.sock.fileno(), message)
            return _receive(self.sock.fileno(), timeout)
        except TimeoutError:
            self.kill()
            raise StudentError("timeout", f"no answer within {timeout:g} s (an endless loop, or far too slow)")
        except (EOFError, OSError, struct.error):
            self.kill()
            raise StudentError("crash", "the process running your code died during "
                                        f"{what} (did it call exit(), run out of memory or CPU time?)")

    def add_module(self, module: str, relative_path: str) -> None:
        self.paths[module] = relative_path

    def _ensure_loaded(self, module: str) -> None:
        if module in self.load_errors:
            raise self.load_errors[module]
        if self.sock is not None and module in self.loaded:
            return
        source = (self.files / self.paths[module]).read_bytes()
        request = {"op": "load", "module": module, "source": base64.b64encode(source).decode("ascii"),
                   "filename": f"{module}.py"}
        try:
            response = self._exchange(request, f"importing {module}.py")
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

    def call(self, request: dict) -> Returned | list[Returned]:
        self._ensure_loaded(request["module"])
        response = self._exchange(request, f"{request['function']}()")
        output = str(response.get("output", ""))[:5000] if isinstance(response, dict) else ""
        if request.get("op") == "chain":
            return chain_from(response, output)
        return returned_from(response, output)

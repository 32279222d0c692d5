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
import contextlib
import json
import os
import re
import select
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
from dataclasses import asdict, dataclass, replace
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

from gradkit.course import COURSE_DIR, KIT
from gradkit.core import Returned, StudentError, chain_from, returned_from
from gradkit import protocol
from gradkit.protocol import BLOBS, pack_frame, read_exact, unpack_frame

RUNNER = Path(__file__).resolve().parent / "runner.py"
PROTOCOL_DIR = Path(protocol.__file__).resolve().parent
STUDENT_PACKAGES = ("numpy", "matplotlib")  # and what they depend on; never torch or the kit
RUNNER_MODULES = ("pyseccomp",)  # loaded by the zygote itself (the seccomp filter)
SYSTEM_PATHS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc/alternatives", "/etc/fonts",
                "/etc/ld.so.cache")
# Bounds of one reply, checked before anything is parsed. Measured over the example class, whose
# alice holds the solutions of all seven assignments (tests/test_sandbox.py::
# test_legitimate_replies_fit_the_bounds): the largest reply JSON was 21 kB and the largest blob
# total 480 kB, at most 3% of these bounds: JSON 1 MiB plus 4 times the request's JSON (a chain
# answers per step), blobs 16 MiB plus 8 times the request's blobs (a result is at most a few
# times its inputs). A 45 MB forged reply costs the judge one 16-byte header read.
REPLY_JSON_BASE, REPLY_JSON_PER_REQUEST = 1 << 20, 4
REPLY_BLOBS_BASE, REPLY_BLOBS_PER_REQUEST = 16 << 20, 8
CONTROL_FRAME = 1 << 16  # the zygote's and a fresh runner's "ready", probe answers


CALL_TIMEOUT = 10.0  # the grader's default wall seconds for one call (--timeout; Gradescope's gradkit.json)


@dataclass
class Limits:
    call_timeout: float = CALL_TIMEOUT  # wall seconds for one call (or one import)
    student_budget: float = 300.0  # wall seconds for one student, all calls together
    memory: int = 2 * 1024**3  # address space of a runner, bytes
    cpu: int = 120  # CPU seconds of one student process (one file of a student)
    file_size: int = 16 * 1024**2  # largest file (or captured output) a runner may write, bytes
    start_timeout: float = 300.0  # starting the zygote (Python, NumPy, matplotlib), a runner, the probe
    allow_unconfined: bool = False  # grade even where runners cannot be confined (the instructor accepts the risk)


SCRATCH_PREFIX = "gradkit-run-"  # temporary folders of a grading process: gradkit-run-<pid>-<kind>-XXXXXXXX


def run_scratch(kind: str) -> str:
    """A new temporary folder of this grading process, named after its PID so that a later run can
    remove it if this process is killed before it cleans up (``remove_orphaned_scratch``)."""
    return tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-{kind}-")


def remove_orphaned_scratch() -> list[str]:
    """Remove the temporary folders of grading processes that no longer exist (killed with
    SIGKILL, say); returns their paths. Folders of a live process are left alone."""
    removed = []
    for path in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        pid = path.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or _process_exists(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(str(path))
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the student's code): grading cannot go on this way."""


class Unconfined(SandboxError):
    """Runners cannot be confined on this machine (neither bubblewrap nor user namespaces)."""


class SlowStart(SandboxError):
    """The runner pool (or the isolation probe) was still starting at its deadline: a busy machine,
    not a missing sandbox (one that cannot start ends, and says so: SandboxError)."""


UNCONFINED_FIX = ("install bubblewrap (apt-get install bubblewrap) or enable unprivileged user namespaces "
                  "(sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=10000; in a Kubernetes "
                  "pod, hostUsers: false in the pod's spec), or pass "
                  "--allow-unconfined to accept that student code can read and write what user nobody can")


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def student_site_entries(site: Path) -> list[Path]:
    """Top-level site-packages entries of STUDENT_PACKAGES and their dependencies (recursively)."""
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


def _runner_module_files() -> list[Path]:
    found = []
    for name in RUNNER_MODULES:
        spec = find_spec(name)
        if spec is not None and spec.origin:
            found.append(Path(spec.origin))
    return found


def runner_paths() -> tuple[list[str], Path]:
    """What the runners see, read-only: the system, the Python installation, the venv's bin and
    pyvenv.cfg, and in site-packages (returned second) only NumPy, matplotlib, their dependencies
    and the seccomp binding."""
    site = Path(sysconfig.get_paths()["purelib"])
    paths = [d for d in SYSTEM_PATHS if os.path.lexists(d)]
    paths += [sys.base_prefix, os.path.realpath(sys.base_prefix), sys.prefix + "/bin", sys.prefix + "/pyvenv.cfg"]
    paths += [str(e) for e in student_site_entries(site) + _runner_module_files()]
    return list(dict.fromkeys(p for p in paths if os.path.lexists(p))), site


ZYGOTE_TMP = 64 << 20  # bytes of bubblewrap's /tmp, where only the zygote writes (matplotlib's cache)


def bwrap_command() -> list[str]:
    """bubblewrap arguments: read-only system, Python, NumPy, matplotlib and the runner; nothing else.

    bubblewrap's own tmpfs mounts (/tmp, /dev, the empty site-packages) take a size (``--size``) but
    no inode bound: no student process writes in them. Each runner mounts its student's own /tmp and
    /dev/shm over them, bounded in bytes and in inodes (runner.py, ``SCRATCH``), and remounts every
    other mount read-only before any student code runs (the probe's "writable" list checks it)."""
    cmd = [bwrap_path(), "--die-with-parent", "--new-session", "--unshare-all", "--clearenv",
           "--size", str(ZYGOTE_TMP), "--tmpfs", "/tmp", "--proc", "/proc", "--dev", "/dev"]
    paths, site = runner_paths()
    for p in paths:
        if Path(p).is_relative_to(site):
            continue
        cmd += ["--symlink", os.readlink(p), p] if os.path.islink(p) and p in SYSTEM_PATHS else ["--ro-bind", p, p]
    cmd += ["--size", str(1 << 20), "--tmpfs", str(site)]
    for p in paths:
        if Path(p).is_relative_to(site):
            cmd += ["--ro-bind", p, p]
    cmd += ["--ro-bind", str(RUNNER), "/gradkit/runner.py",
            "--ro-bind", str(PROTOCOL_DIR / "protocol.py"), "/gradkit/protocol/protocol.py", "--chdir", "/tmp"]
    return cmd


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def _receive(fd: int, deadline: float, max_json: int = CONTROL_FRAME, max_blobs: int = 0):
    """One frame, bounded in time (``deadline``, time.monotonic()) and size (``max_json`` bytes of
    JSON, ``max_blobs`` bytes of blobs, both checked before reading or parsing). EOFError for
    anything malformed, too large or too deep; TimeoutError past the deadline."""
    try:
        return unpack_frame(lambda n: read_exact(fd, n, deadline), max_json, max_blobs)
    except (UnicodeDecodeError, ValueError, struct.error, RecursionError, MemoryError):
        raise EOFError  # ProtocolError and JSON errors are ValueErrors


def _send(fd: int, message: dict, deadline: float) -> int:
    """Write one frame to a non-blocking ``fd`` by ``deadline``; returns the JSON size sent.
    A runner that does not read is not waited for: TimeoutError."""
    payload = pack_frame(dict(message))
    json_size = struct.unpack(">Q", payload[:8])[0]
    view = memoryview(payload)
    try:
        while view:
            if not select.select([], [fd], [], _left(deadline))[1]:
                raise TimeoutError
            try:
                view = view[os.write(fd, view):]
            except BlockingIOError:
                pass
    except OSError as exc:
        if isinstance(exc, TimeoutError):
            raise
        raise EOFError
    return json_size


def _unconfined_reason(ready) -> str | None:
    return str(ready.get("unconfined")) if isinstance(ready, dict) and "unconfined" in ready else None


def _nonblocking(fd: int) -> socket.socket:
    """The judge's end of a runner's connection, received from the zygote."""
    sock = socket.socket(fileno=fd)
    sock.setblocking(False)
    return sock


class Pool:
    """The zygote of one grading run: forks a runner (a sandbox) per student (see runner.py)."""

    def __init__(self, limits: Limits, use_bwrap: bool, wait: bool = True):
        """Start the zygote; with ``wait`` (the default) wait until it is ready (``ready``), else
        the caller does other work meanwhile and calls ``ready()`` before the first ``spawn``.
        Start it in the thread that will outlive it: the zygote dies with that thread."""
        self.limits, self.use_bwrap = limits, use_bwrap
        self.is_ready = False
        self.lock = threading.Lock()
        self.home = run_scratch("pool")  # without bubblewrap: the zygote's new root
        ours, theirs = socket.socketpair()
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
               "HOME": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib"}
        options = ["--allow-unconfined"] if limits.allow_unconfined else []
        if use_bwrap:
            cmd = bwrap_command()
            for k, v in env.items():
                cmd += ["--setenv", k, v]
            cmd += [sys.executable, "-I", "-B", "/gradkit/runner.py", "/gradkit/protocol"] + options
            env = None
        else:
            cmd = [sys.executable, "-I", "-B", str(RUNNER), str(PROTOCOL_DIR), "--confine",
                   json.dumps(runner_paths()[0]), "--parent", str(os.getpid())] + options
        self.proc = subprocess.Popen(cmd, stdin=theirs.fileno(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=env, cwd=self.home,  # bubblewrap's errors
                                     start_new_session=True, close_fds=True)
        os.set_blocking(self.proc.stderr.fileno(), False)
        theirs.close()
        self.start_seconds: float | None = None  # how long the zygote took to say "ready"
        self.ctl = ours
        self.started = time.monotonic()
        if wait:
            self.ready()

    def ready(self) -> None:
        """Wait for the zygote's "ready" (NumPy and matplotlib imported), once, and note how long it
        took (``start_seconds``). SlowStart if it is still starting ``limits.start_timeout`` after its
        start; Unconfined (with the fix) or SandboxError (with bubblewrap's or Python's last words)
        if it cannot start."""
        if self.is_ready:
            return
        slow = False
        try:
            ready = _receive(self.ctl.fileno(), self.started + self.limits.start_timeout)
        except TimeoutError:
            ready, slow = None, self.proc.poll() is None
        except (EOFError, OSError):
            ready = None
        if not (isinstance(ready, dict) and ready.get("ready")):
            said = self._last_words()
            self.close()
            reason = _unconfined_reason(ready)
            if reason:
                raise Unconfined(f"student code cannot be confined on this machine ({reason}): {UNCONFINED_FIX}")
            if slow:
                raise SlowStart(f"the runner pool was still starting after {self.limits.start_timeout:g} s (a busy "
                                "machine, not a missing sandbox; nothing was wrong with it but time)")
            raise SandboxError("the runner pool could not start (before any student code ran)"
                               + (f": {said}" if said else ""))
        self.start_seconds = time.monotonic() - self.started
        self.is_ready = True

    def _last_words(self) -> str:
        """The end of what the pool's process wrote on its error output (bubblewrap's message)."""
        try:
            text = os.read(self.proc.stderr.fileno(), 1 << 16)
        except (BlockingIOError, OSError, ValueError):
            return ""
        return " ".join(text.decode("utf-8", "replace").split())[-500:]

    def _ask(self, message: dict, want_fd: bool):
        with self.lock:
            try:
                _send(self.ctl.fileno(), message, time.monotonic() + self.limits.start_timeout)
            except (EOFError, TimeoutError) as exc:
                raise SandboxError(f"the runner pool stopped answering ({type(exc).__name__})")
            self.ctl.settimeout(self.limits.start_timeout)
            try:
                data, fds, _, _ = socket.recv_fds(self.ctl, 8, 1)
            except (OSError, socket.timeout) as exc:
                raise SandboxError(f"the runner pool stopped answering ({exc})")
            if len(data) != 8 or (want_fd and len(fds) != 1):
                raise SandboxError("the runner pool stopped answering")
            return struct.unpack(">q", data)[0], (fds[0] if fds else None)

    def spawn(self) -> tuple[int, socket.socket]:
        """A fresh runner: (its pid in the pool, the judge's end of its socket, non-blocking)."""
        pid, fd = self._ask({"op": "spawn", "limits": asdict(self.limits)}, want_fd=True)
        return pid, _nonblocking(fd)

    def renew(self, pid: int) -> socket.socket | None:
        """A new connection to runner ``pid``, served by a fresh student process in its sandbox
        (the old one is killed), non-blocking; None if the runner cannot take one."""
        try:
            _, fd = self._ask({"op": "renew", "pid": pid}, want_fd=False)
        except SandboxError:
            return None
        return None if fd is None else _nonblocking(fd)

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
        self.proc.stderr.close()
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
    """One student's runner: loads their modules lazily (as source text) and calls functions.

    Every request and its reply share one deadline: the call timeout, cut to what is left of the
    student's budget (``deadline``, a time.monotonic() value shared by several sessions of one
    student; by default ``limits.student_budget`` from now). A call whose runner dies is tried
    once more in a fresh runner (modules reloaded): only a call that kills its runner twice is
    charged, not one that an earlier call's leftovers (a timer, a used-up CPU limit) killed."""

    def __init__(self, pool: Pool, student_files: Path, limits: Limits, deadline: float | None = None):
        self.pool, self.files, self.limits = pool, student_files, limits
        self.pid: int | None = None
        self.sock: socket.socket | None = None
        self.loaded: set[str] = set()
        self.paths: dict[str, str] = {}  # module -> path relative to the student files
        self.load_errors: dict[str, StudentError] = {}
        self.deadline = deadline if deadline is not None else time.monotonic() + limits.student_budget
        self.out_of_time = False  # the budget ran out (set when a request was refused for it)

    def _refused(self, seconds: float):
        """None once a fresh student process has said "ready" within ``seconds``; otherwise the
        runner is killed and what came instead (a frame, or None for nothing) is returned."""
        try:
            ready = _receive(self.sock.fileno(), time.monotonic() + seconds)
        except (EOFError, TimeoutError, OSError):
            ready = None
        if isinstance(ready, dict) and ready.get("ready"):
            return None
        self.kill()
        return ready or {}

    def _start(self) -> None:
        self.pid, self.sock = self.pool.spawn()
        self.loaded = set()
        refused = self._refused(self.limits.start_timeout)
        if refused is not None:
            reason = _unconfined_reason(refused)
            if reason:
                raise Unconfined(f"student code cannot be confined on this machine ({reason}): {UNCONFINED_FIX}")
            raise SandboxError("a runner did not start (before any student code ran)")

    def kill(self) -> None:
        if self.pid is not None:
            self.pool.kill(self.pid)
            self.pid = None
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    close = kill

    def _call_deadline(self) -> tuple[float, float]:
        budget_left = self.deadline - time.monotonic()
        if budget_left <= 0:
            self.out_of_time = True
            raise StudentError("timeout", f"not run: this submission used up its {self.limits.student_budget:g} s "
                                          "time budget before this call")
        timeout = min(self.limits.call_timeout, budget_left)
        return time.monotonic() + timeout, timeout

    def _exchange(self, message: dict, what: str) -> dict:
        """Send one request and wait for its answer; on any failure kill the runner and raise."""
        if self.sock is None:
            self._call_deadline()
            self._start()
        deadline, timeout = self._call_deadline()
        blobs = sum(len(b) for b in message.get(BLOBS) or [])
        try:
            json_size = _send(self.sock.fileno(), message, deadline)
            return _receive(self.sock.fileno(), deadline, REPLY_JSON_BASE + REPLY_JSON_PER_REQUEST * json_size,
                            REPLY_BLOBS_BASE + REPLY_BLOBS_PER_REQUEST * blobs)
        except TimeoutError:
            self.kill()
            if deadline >= self.deadline:
                self.out_of_time = True
            raise StudentError("timeout", f"no answer within {timeout:g} s (an endless loop, far too slow, "
                                          "or not reading its requests)")
        except (EOFError, OSError):
            self.kill()
            raise StudentError("crash", "the process running your code died or answered garbage during "
                                        f"{what} (did it call exit(), run out of memory or CPU time?)")

    def renew(self) -> None:
        """Forget every module, for the student's next file: from now on its requests run in a
        fresh student process. For a live runner the pool hands the supervisor of its sandbox a
        new connection (``Pool.renew``); the supervisor kills the student process, empties /tmp
        and /dev/shm and forks a fresh one on it (runner.py, ``_supervise``): a few milliseconds,
        where a new sandbox costs tens. Nothing the old process does reaches the new connection.
        Where that cannot be done (no supervisor where runners are unconfined; a runner that
        died), or the fresh process does not say "ready", the runner is killed and the next
        request starts a new sandbox, as for any runner that died."""
        self.loaded, self.paths, self.load_errors, self.out_of_time = set(), {}, {}, False
        if self.sock is None:
            return
        fresh = self.pool.renew(self.pid)
        if fresh is None:
            self.kill()
            return
        old, self.sock = self.sock, fresh
        try:  # no longer than a call: emptying a /tmp that the last file filled with files takes time
            self._refused(min(self.limits.start_timeout, self.limits.call_timeout))
        finally:  # only now: the old process, killed by the supervisor, must not end by itself first
            old.close()

    def add_module(self, module: str, relative_path: str) -> None:
        self.paths[module] = relative_path

    def _load(self, module: str) -> dict:
        source = (self.files / self.paths[module]).read_bytes()
        request = {"op": "load", "module": module, "source": base64.b64encode(source).decode("ascii"),
                   "filename": f"{module}.py"}
        return self._exchange(request, f"importing {module}.py")

    def _ensure_loaded(self, module: str) -> None:
        if module in self.load_errors:
            raise self.load_errors[module]
        if self.sock is not None and module in self.loaded:
            return
        try:
            response = self._load(module)
        except StudentError as err:
            if self.out_of_time:  # the module is not at fault: the time ran out (maybe elsewhere)
                raise
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

    def _call_once(self, request: dict) -> Returned | list[Returned]:
        self._ensure_loaded(request["module"])
        response = self._exchange(request, f"{request['function']}()")
        output = str(response.get("output", ""))[:5000] if isinstance(response, dict) else ""
        if request.get("op") == "chain":
            return chain_from(response, output)
        return returned_from(response, output)

    def call(self, request: dict) -> Returned | list[Returned]:
        """One call (or chain); a crash is charged only if the call also crashes a fresh runner."""
        try:
            return self._call_once(request)
        except StudentError as err:
            if err.kind != "crash":
                raise
        return self._call_once(request)

    def probe(self, paths: list[str]) -> dict:
        """Ask a fresh runner what it can do (runner.probe): measured, not assumed."""
        response = self._exchange({"op": "probe", "paths": paths}, "the isolation probe")
        if not (isinstance(response, dict) and response.get("ok")):
            raise SandboxError("the isolation probe got no answer")
        return response


def _home_entry() -> str | None:
    """An entry of the instructor's home that runners must not see (not on the way to runner_paths)."""
    home = os.path.expanduser("~")
    on_the_way = {str(Path(p).resolve()) for p in runner_paths()[0]}
    try:
        names = sorted(os.listdir(home))
    except OSError:
        return None
    for name in names:
        full = os.path.join(home, name)
        if not any(p == full or p.startswith(full + "/") for p in on_the_way):
            return full
    return None


def _probe_paths(extra: list[str], markers: dict[str, str]) -> list[tuple[str, str]]:
    """(what it is, path) of paths a runner must not see."""
    named = [("the kit (checks, solutions)", str(COURSE_DIR)),
             ("the kit (checks, solutions)", str(KIT / "solutions")),
             ("the grading process (/proc)", f"/proc/{os.getpid()}/cmdline")]
    named += [(f"the host's {d}", m) for d, m in markers.items()]
    home = _home_entry()
    named += [("the instructor's home", home)] if home else []
    return named + [("the class and output folders", os.path.abspath(p)) for p in extra]


def measure_isolation(limits: Limits, use_bwrap: bool, extra_paths: list[str] = (), pool: Pool | None = None) -> dict:
    """Start a pool (or use ``pool``, started by the caller, who closes it) and one runner, and
    have the runner report its confinement (see runner.probe), with "hidden": what the named paths
    are that it could not see, and "visible": those it could. The runner is killed afterwards; the
    pool's zygote never runs student code, so the caller can grade with it. Raises Unconfined
    (with the fix) where runners cannot be confined and this was not accepted."""
    markers = {}
    with contextlib.ExitStack() as stack:
        for d in ("/tmp", "/dev/shm", "/var/tmp"):
            try:
                markers[d] = stack.enter_context(tempfile.NamedTemporaryFile(prefix="gradkit-probe-", dir=d)).name
            except OSError:
                pass
        named = _probe_paths(list(extra_paths), markers)
        if pool is None:
            pool = stack.enter_context(Pool(limits, use_bwrap))
        pool.ready()
        # part of the start: the probe's runner and its answer get the start's deadline, not a call's
        patience = replace(limits, call_timeout=limits.start_timeout, student_budget=limits.start_timeout)
        session = RunnerSession(pool, Path("/nonexistent"), patience)
        try:
            report = session.probe([p for _, p in named])
        except StudentError as err:
            if err.kind == "timeout":
                raise SlowStart(f"the isolation probe did not answer within {limits.start_timeout:g} s (a busy "
                                "machine, not a missing sandbox)") from None
            raise SandboxError(f"the isolation probe's runner died ({err.message[:200]})") from None
        finally:
            session.close()
    report["start_seconds"] = pool.start_seconds
    seen = set(report.get("seen", []))
    report["visible"] = sorted({k for k, p in named if p in seen})
    report["hidden"] = sorted({k for k, p in named if p not in seen} - set(report["visible"]))
    return report


POOL_STARTED = "runner pool started in"  # isolation()'s timing line: printed, never written into a summary


def isolation(use_bwrap: bool, report: dict) -> list[str]:
    """Human-readable list of the protections in force, from a measured ``report``
    (``measure_isolation``): only what the probe runner found true is claimed."""
    lines = [("bubblewrap" if use_bwrap else "own namespaces and root (no bubblewrap)")
             + "; a sandbox per student, forked from a warm pool, and a fresh process in it per assignment; "
               "plain-data protocol (no pickle)"]
    if report.get("hidden") and not report.get("visible"):
        lines.append("cannot see " + ", ".join(report["hidden"]))
    if report.get("visible"):
        lines.append("WARNING: student code can see " + ", ".join(report["visible"]))
    facts = [(report.get("pid") == 2, "own PID namespace (sees no other process)"),
             (report.get("interfaces") in ([], ["lo"]), "no network"),
             (report.get("capabilities") == 0, "no capabilities"),
             (report.get("uid") != 0 or report.get("capabilities") == 0, "not root"),
             (report.get("seccomp") and not report.get("fork") and not report.get("thread"),
              "seccomp: no child processes or threads, no mount/unshare/ptrace"),
             (not report.get("umount_tmp"), "cannot undo its mounts"),
             (report.get("tmp_writable") and "the host's /tmp" in report.get("hidden", []), "private /tmp"),
             (report.get("writable", ["/"]) == [],
              "writes only its own sized /tmp and /dev/shm (nothing another student's runner sees)"),
             (report.get("memfd") is False, "no memory outside its limits (no memfd or System V shared memory)"),
             (not report.get("dumpable"), "not dumpable")]
    lines.append(", ".join(text for ok, text in facts if ok))
    missing = [text for ok, text in facts if not ok]
    if missing:
        lines.append("NOT in force: " + ", ".join(missing))
    lines.append("wall-clock deadline on every send and receive, per call and per student; bounded replies; "
                 "CPU/memory/file-size limits")
    if report.get("start_seconds") is not None:
        lines.append(f"{POOL_STARTED} {report['start_seconds']:.1f} s")
    return lines

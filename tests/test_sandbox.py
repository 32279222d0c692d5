"""The judge's side of the sandbox: deadlines and bounds on every frame, crash attribution, time
budgets, the measured isolation, and no runner outliving a killed judge. In both modes."""

from __future__ import annotations

import ctypes
import errno
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from autograder.sandbox import judge as sandbox
from gradkit.core import StudentError
from gradkit.protocol import prepare_request
from autograder.sandbox.judge import Limits, Pool, RunnerSession, bwrap_path, measure_isolation
from tests.kit import ROOT

MODES = [True, False] if bwrap_path() else [False]
START = 600.0  # seconds every start-up here may take (pool, runner, renewal): none of these tests is about it


def _pair():
    judge, runner = socket.socketpair()
    judge.setblocking(False)
    return judge, runner


def test_send_to_a_runner_that_never_reads_gives_up_at_the_deadline():
    judge, runner = _pair()
    with judge, runner:
        with pytest.raises(TimeoutError):
            sandbox._send(judge.fileno(), {"x": "a" * (16 << 20)}, time.monotonic() + 0.5)


def test_an_oversized_reply_is_refused_from_its_header_alone():
    judge, runner = _pair()
    with judge, runner:  # only the header is sent: reading the 45 MB it announces would time out instead
        runner.sendall(struct.pack(">QQ", 45 << 20, 0))
        with pytest.raises(EOFError):
            sandbox._receive(judge.fileno(), time.monotonic() + 5, sandbox.REPLY_JSON_BASE, 0)


@pytest.mark.parametrize("blobs", [[1 << 30], [8] * 10**7])
def test_blobs_beyond_the_bound_are_refused_before_they_are_read(blobs):
    judge, runner = _pair()
    with judge, runner:
        runner.sendall(struct.pack(">QQ", 2, len(blobs)) + b"{}" + struct.pack(">Q", blobs[0]))
        with pytest.raises(EOFError):
            sandbox._receive(judge.fileno(), time.monotonic() + 5, 1 << 20, 16 << 20)


def test_json_nested_too_deep_is_a_protocol_error_not_a_crash_of_the_judge():
    judge, runner = _pair()
    with judge, runner:
        payload = b"[" * 200_000
        runner.sendall(struct.pack(">QQ", len(payload), 0) + payload)
        with pytest.raises(EOFError):
            sandbox._receive(judge.fileno(), time.monotonic() + 5, 1 << 20, 0)


@pytest.fixture(scope="module", params=MODES, ids=lambda b: "bwrap" if b else "no-bwrap")
def pool(request):
    with Pool(Limits(call_timeout=3.0, start_timeout=START), request.param) as p:
        yield p


MODULE = textwrap.dedent("""
    import os, signal, time
    armed = False

    def arm():
        global armed
        armed = True
        return 1

    def alarm():
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        return 1

    def nap():
        time.sleep(0.6)
        return 2

    def victim():
        if armed:
            os._exit(1)
        return 3

    def suicide():
        os._exit(1)

    def spin():
        while True:
            pass
""")


def _session(pool, tmp_path, **limits) -> RunnerSession:
    (tmp_path / "m.py").write_text(MODULE)
    (tmp_path / "n.py").write_text("X = 1\n\ndef f():\n    return X\n")
    session = RunnerSession(pool, tmp_path, Limits(**dict({"call_timeout": 30.0, "start_timeout": START}, **limits)))
    session.add_module("m", "m.py")
    session.add_module("n", "n.py")
    return session


def _call(session, function, module="m"):
    return session.call(prepare_request(module, function, (), {})).value


def test_a_timer_armed_in_one_call_does_not_fire_in_the_next(pool, tmp_path):
    session = _session(pool, tmp_path)
    try:
        assert _call(session, "alarm") == 1
        assert _call(session, "nap") == 2
    finally:
        session.close()


def test_a_crash_prepared_by_an_earlier_call_is_not_charged_to_an_innocent_one(pool, tmp_path):
    session = _session(pool, tmp_path)
    try:
        assert _call(session, "arm") == 1
        assert _call(session, "victim") == 3  # retried in a fresh runner, module reloaded
        with pytest.raises(StudentError) as err:
            _call(session, "suicide")  # dies in a fresh runner too: its own fault
        assert err.value.kind == "crash"
    finally:
        session.close()


def test_a_used_up_budget_is_reported_as_such_not_as_an_import_failure(pool, tmp_path):
    session = _session(pool, tmp_path, call_timeout=1.0, student_budget=1.5)
    try:
        with pytest.raises(StudentError):
            _call(session, "spin")
        with pytest.raises(StudentError) as err:
            _call(session, "spin")
        with pytest.raises(StudentError) as err:
            _call(session, "f", module="n")  # n.py is fine: it was never imported for lack of time
        assert err.value.kind == "timeout" and "time budget" in err.value.message
        assert "n" not in session.load_errors and session.out_of_time
    finally:
        session.close()


def test_a_shared_deadline_spans_sessions(pool, tmp_path):
    session = _session(pool, tmp_path)
    session = RunnerSession(pool, tmp_path, session.limits, deadline=time.monotonic() - 1)
    session.add_module("m", "m.py")
    with pytest.raises(StudentError) as err:
        _call(session, "arm")
    assert "time budget" in err.value.message


@pytest.mark.parametrize("use_bwrap", MODES, ids=lambda b: "bwrap" if b else "no-bwrap")
def test_the_probe_finds_the_runner_confined(use_bwrap, tmp_path):
    # the probe is part of the start: a call's deadline (here 10 ms, which no answer meets) is not its own
    report = measure_isolation(Limits(call_timeout=0.01, start_timeout=START), use_bwrap,
                               [str(tmp_path), str(ROOT / "examples")])
    assert report["visible"] == [] and "the class and output folders" in report["hidden"]
    assert "the host's /tmp" in report["hidden"] and "the grading process (/proc)" in report["hidden"]
    assert report["capabilities"] == 0 and report["seccomp"] and report["no_new_privs"]
    assert not report["fork"] and not report["thread"] and not report["umount_tmp"]
    assert report["pid"] == 2 and report["interfaces"] in ([], ["lo"]) and not report["dumpable"]
    lines = sandbox.isolation(use_bwrap, report)
    assert not any("NOT in force" in ln or "WARNING" in ln for ln in lines)


def test_isolation_line_claims_only_what_was_measured():
    lines = sandbox.isolation(False, {"visible": ["the host's /tmp"], "hidden": [], "pid": 7, "capabilities": -1,
                                      "fork": True, "seccomp": False, "umount_tmp": True, "uid": 65534})
    text = "\n".join(lines)
    assert "WARNING: student code can see the host's /tmp" in text
    assert "NOT in force" in text and "private /tmp" not in text.split("NOT in force")[0]


def test_refusal_names_the_fix(monkeypatch):
    monkeypatch.setattr(sandbox, "_receive", lambda *a, **k: {"ok": False, "unconfined": "unshare: EPERM"})
    with pytest.raises(sandbox.Unconfined) as err:
        Pool(Limits(), False)
    assert "install bubblewrap" in str(err.value) and "--allow-unconfined" in str(err.value)


def _stub(tmp_path, monkeypatch, use_bwrap: bool, body: str) -> None:
    """Make the pool start through a shell script running ``body`` first (then, unless it exits,
    what it replaces): bubblewrap on PATH, or the interpreter without it."""
    real = sandbox.bwrap_path() if use_bwrap else sys.executable
    stub = tmp_path / "bin" / ("bwrap" if use_bwrap else "python")
    stub.parent.mkdir()
    stub.write_text(f"#!/bin/sh\n{body}\nexec {real} \"$@\"\n")
    stub.chmod(0o755)
    if use_bwrap:
        monkeypatch.setenv("PATH", f"{stub.parent}{os.pathsep}{os.environ['PATH']}")
    else:
        monkeypatch.setattr(sys, "executable", str(stub))


@pytest.mark.parametrize("use_bwrap", MODES, ids=lambda b: "bwrap" if b else "no-bwrap")
def test_a_slow_start_is_waited_for_and_told_apart_from_one_that_cannot_start(use_bwrap, tmp_path, monkeypatch):
    """Forced, not left to the machine's load: a start that sleeps 3 s before the zygote runs is
    waited for (and its time told); one still asleep at its deadline is a SlowStart; one that stops
    is a SandboxError that says what bubblewrap (or Python) said."""
    _stub(tmp_path, monkeypatch, use_bwrap, "sleep 3")
    with Pool(Limits(start_timeout=300.0), use_bwrap) as pool:
        report = measure_isolation(Limits(start_timeout=300.0), use_bwrap, pool=pool)
    assert report["start_seconds"] >= 3 and report["visible"] == []
    assert any(ln.startswith("runner pool started in") for ln in sandbox.isolation(use_bwrap, report))
    monkeypatch.undo()
    (tmp_path / "slow").mkdir()
    _stub(tmp_path / "slow", monkeypatch, use_bwrap, "sleep 60")
    with pytest.raises(sandbox.SlowStart, match="still starting after 2 s"):
        Pool(Limits(start_timeout=2.0), use_bwrap)
    monkeypatch.undo()
    (tmp_path / "broken").mkdir()
    _stub(tmp_path / "broken", monkeypatch, use_bwrap, "echo 'setting up uid map: Permission denied' >&2; exit 1")
    with pytest.raises(sandbox.SandboxError, match="could not start.*setting up uid map") as err:
        Pool(Limits(start_timeout=300.0), use_bwrap)
    assert not isinstance(err.value, sandbox.SlowStart)


DAEMON = """
import ctypes, os, signal, time
ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)
try:
    os.setsid()
except OSError:
    pass
signal.signal(signal.SIGTERM, signal.SIG_IGN)
os._exit = lambda *a: None
"""


def _run_processes(tag: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [ln for ln in out.splitlines() if "runner.py" in ln and tag in ln]


@pytest.mark.parametrize("use_bwrap", MODES, ids=lambda b: "bwrap" if b else "no-bwrap")
def test_no_runner_outlives_a_killed_judge(use_bwrap, tmp_path):
    """A submission that drops its parent-death signal, leaves its session, disables os._exit and
    sleeps; the judge is killed with SIGKILL mid-run; afterwards no process of the run exists."""
    solution = (ROOT / "solutions" / "01_activations" / "activations.py").read_text()
    folder = tmp_path / "class" / "sleeper" / "01_activations"
    folder.mkdir(parents=True)
    (folder / "activations.py").write_text(solution.replace(
        "def relu(z):\n", "def relu(z):\n    import time\n    while True:\n        time.sleep(1)\n", 1)
        .replace("import numpy as np\n", "import numpy as np\n" + DAEMON, 1))
    started = tmp_path / "started"
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from autograder.sandbox import judge as sandbox
        from autograder.grade import Plan, grade_class
        spawn = sandbox.Pool.spawn
        def spawn_and_tell(self):
            got = spawn(self)
            Path({str(started)!r}).write_text(str(got[0]))
            return got
        sandbox.Pool.spawn = spawn_and_tell
        grade_class(Path({str(tmp_path / "class")!r}), Plan.build(["01_activations"]), 1,
                    sandbox.Limits(call_timeout=60, student_budget=600, start_timeout={START}), use_bwrap={use_bwrap})
    """)
    judge = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        for _ in range(600):
            if started.exists() or judge.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(3)  # the submission is imported and sleeping in relu()
        pids = _pool_pids(judge.pid)
        assert pids, "the run started no runner"
        judge.send_signal(signal.SIGKILL)
        judge.wait()
        for _ in range(100):
            if not any(_alive(p) for p in pids):
                break
            time.sleep(0.1)
        assert [p for p in pids if _alive(p)] == [], "a process of the run outlived the judge"
        left = sorted(Path(tempfile.gettempdir()).glob(f"{sandbox.SCRATCH_PREFIX}{judge.pid}-*"))
        assert left, "the killed run had no temporary folder to leave (the check below would prove nothing)"
        assert set(map(str, left)) <= set(sandbox.remove_orphaned_scratch())  # what the next run does first
        assert not any(p.exists() for p in left)
    finally:
        judge.kill()


def _pool_pids(root: int) -> list[int]:
    """Every descendant of ``root`` (host PIDs)."""
    out = subprocess.run(["ps", "-eo", "pid,ppid"], capture_output=True, text=True).stdout.split("\n")[1:]
    children: dict[int, list[int]] = {}
    for ln in out:
        if ln.strip():
            pid, ppid = map(int, ln.split())
            children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_legitimate_replies_fit_the_bounds(monkeypatch):
    """Grades the solutions of every assignment while recording each reply's JSON size and
    blob total against the request's: the bounds of sandbox.py keep a margin over all of them."""
    from autograder.grade import Plan, grade_class

    seen = []
    send, receive = sandbox._send, sandbox._receive

    def spy_send(fd, message, deadline):
        size = send(fd, message, deadline)
        seen.append([size, sum(len(b) for b in message.get("__blobs__") or [])])
        return size

    def spy_receive(fd, deadline, max_json=sandbox.CONTROL_FRAME, max_blobs=0):
        reply = receive(fd, deadline, max_json, max_blobs)
        if seen and len(seen[-1]) == 2 and isinstance(reply, dict):
            blobs = reply.get("__blobs__") or []
            seen[-1] += [len(json.dumps({k: v for k, v in reply.items() if k != "__blobs__"})),
                         sum(len(b) for b in blobs)]
        return reply

    monkeypatch.setattr(sandbox, "_send", spy_send)
    monkeypatch.setattr(sandbox, "_receive", spy_receive)
    root = ROOT / "examples"
    grade_class(root, Plan.build(None), 1, Limits(start_timeout=START), bwrap_path() is not None)  # one judge: this process, spied on
    replies = [s for s in seen if len(s) == 4]
    assert replies
    worst_json = max(r[2] / (sandbox.REPLY_JSON_BASE + sandbox.REPLY_JSON_PER_REQUEST * r[0]) for r in replies)
    worst_blobs = max(r[3] / (sandbox.REPLY_BLOBS_BASE + sandbox.REPLY_BLOBS_PER_REQUEST * r[1]) for r in replies)
    print(f"largest reply JSON {max(r[2] for r in replies)} B, largest blobs {max(r[3] for r in replies)} B, "
          f"worst use of the JSON bound {worst_json:.3f}, of the blob bound {worst_blobs:.3f}")
    assert worst_json < 0.25 and worst_blobs < 0.25  # a margin of 4x at least


# --- a fresh student process per file, in the student's one sandbox ----------------------------

LEAVER = textwrap.dedent("""
    import builtins, os
    builtins.left_behind = True
    os.makedirs("/tmp/deep/er", exist_ok=True)
    for path in ("/tmp/note", "/tmp/deep/er/note", "/dev/shm/note"):
        if os.path.isdir(os.path.dirname(path)):
            open(path, "w").write("from the last file")
    if os.path.isdir("/tmp/deep"):
        os.symlink("/tmp/note", "/tmp/link")

    def pid():
        return os.getpid()
""")

FINDER = textwrap.dedent("""
    import builtins, os

    def found():
        return {"builtins": hasattr(builtins, "left_behind"),
                "files": sorted(n for d in ("/tmp", "/dev/shm") if os.path.isdir(d) for n in os.listdir(d)),
                "pid": os.getpid()}
""")

FORGER = textwrap.dedent("""
    import builtins, json, os, stat, struct
    ready = json.dumps({"ok": True, "ready": True}).encode()

    def pid():  # leaves state behind, then writes forged "ready" frames to every socket it holds
        builtins.left_behind = True
        for fd in range(3, 64):
            try:
                if stat.S_ISSOCK(os.fstat(fd).st_mode):
                    os.write(fd, (struct.pack(">QQ", len(ready), 0) + ready) * 8)
            except OSError:
                pass
        return os.getpid()
""")


def _spawns(monkeypatch, pool) -> list:
    spawned = []
    real = pool.spawn

    def counting():
        spawned.append(1)
        return real()

    monkeypatch.setattr(pool, "spawn", counting)
    return spawned


@pytest.mark.parametrize("first", ["leaver", "forger"])
def test_each_file_of_a_student_runs_in_a_fresh_process_with_an_empty_tmp(pool, tmp_path, monkeypatch, first):
    """``renew`` between two files: the second runs in a fresh process of the same sandbox
    (forked once) and sees nothing the first left (builtins, /tmp, /dev/shm), even when the first
    forged "ready" answers on its connection to be taken for the fresh process."""
    (tmp_path / "first.py").write_text(LEAVER if first == "leaver" else FORGER)
    (tmp_path / "second.py").write_text(FINDER)
    fresh = RunnerSession(pool, tmp_path, Limits(call_timeout=30.0, start_timeout=START))
    try:  # what a new sandbox's /tmp holds: nothing, or the folders that lead to the kit when it lives in /tmp
        fresh.add_module("second", "second.py")
        empty = _call(fresh, "found", "second")["files"]
    finally:
        fresh.close()
    spawned = _spawns(monkeypatch, pool)
    session = RunnerSession(pool, tmp_path, Limits(call_timeout=30.0, start_timeout=START))
    try:
        session.add_module("first", "first.py")
        try:
            before = _call(session, "pid", "first")
        except StudentError:  # the forger's reply is one of its forged frames
            before = None
        session.renew()
        assert session.paths == {} and session.loaded == set()  # forgotten: the next file adds its own
        session.add_module("second", "second.py")
        after = _call(session, "found", "second")
    finally:
        session.close()
    assert after["builtins"] is False and after["files"] == empty, after
    assert "note" not in empty and len(spawned) == 1 and after["pid"] != before


POISONERS = {  # what a student process can change in its sandbox that emptying /tmp does not undo
    "rlimit": "import resource\nresource.prlimit(1, resource.RLIMIT_AS, (256 << 20, 256 << 20))\n",
    "mode": "import os\nfor d in ('/tmp', '/dev/shm'):\n    if os.path.isdir(d):\n        os.chmod(d, 0)\n",
    "acl": textwrap.dedent("""
        import os, struct
        acl = struct.pack("<I", 2) + b"".join(struct.pack("<HHI", tag, 0, 0xFFFFFFFF) for tag in (1, 4, 0x20))
        for d in ("/tmp", "/dev/shm"):
            if os.path.isdir(d):
                os.setxattr(d, "system.posix_acl_default", acl)
    """),
}

USER = textwrap.dedent("""
    import os, resource, numpy as np

    def use():
        written = {}
        for d in ("/tmp", "/dev/shm"):
            if os.path.isdir(d):
                with open(d + "/work", "w") as fh:
                    fh.write("x")
                with open(d + "/work") as fh:
                    written[d] = fh.read()
        return {"written": written, "memory": resource.getrlimit(resource.RLIMIT_AS)[0],
                "buffer": float(np.ones(20_000_000).sum())}
""")


@pytest.mark.parametrize("poison", sorted(POISONERS))
def test_what_a_file_changes_in_its_sandbox_beyond_tmp_does_not_reach_the_next_file(pool, tmp_path, poison):
    """A student process can lower the rlimits of its supervisor (same user, PID 1) and take the
    permissions off the scratch folders themselves (mode, default ACL): the next file's process,
    forked from that supervisor into those folders, must not inherit any of it."""
    (tmp_path / "first.py").write_text(POISONERS[poison] + "\ndef pid():\n    return os.getpid() if 'os' in dir() else 0\n")
    (tmp_path / "second.py").write_text(USER)
    session = RunnerSession(pool, tmp_path, Limits(call_timeout=30.0, start_timeout=START))
    try:
        session.add_module("first", "first.py")
        _call(session, "pid", "first")
        session.renew()
        session.add_module("second", "second.py")
        used = _call(session, "use", "second")
    finally:
        session.close()
    assert set(used["written"].values()) == {"x"} and used["memory"] == Limits().memory, used
    assert used["buffer"] == 20_000_000, used


FLOOD = textwrap.dedent("""
    import os

    def flood(most):
        \"\"\"Empty files in /tmp and /dev/shm until the kernel refuses one, or ``most`` in each.\"\"\"
        got = {}
        for d in ("/tmp", "/dev/shm"):
            if not os.path.isdir(d):
                continue
            st, made, error = os.statvfs(d), 0, None
            try:
                while made < most:
                    os.close(os.open(f"{d}/f{made}", os.O_CREAT | os.O_WRONLY, 0o600))
                    made += 1
            except OSError as exc:
                error = exc.errno
            got[d] = {"inodes": st.f_files, "free": st.f_ffree, "made": made, "errno": error}
        return got
""")


def test_a_flood_of_empty_files_stops_at_the_inode_bound_and_the_next_file_is_clean(pool, tmp_path, monkeypatch):
    """Each empty file costs the host about 1.25 KB of kernel memory that no size or memory limit
    counts: the student's /tmp and /dev/shm are bounded in inodes (runner.SCRATCH). A file that makes
    files until it fails gets ENOSPC once every free inode is taken (counted), and the student's
    next file runs in the same sandbox, with an empty /tmp it can write to."""
    from autograder.sandbox import runner

    bounds = {folder: inodes for folder, _, inodes in runner.SCRATCH}
    (tmp_path / "first.py").write_text(FLOOD)
    (tmp_path / "second.py").write_text(FINDER + USER)
    spawned = _spawns(monkeypatch, pool)
    session = RunnerSession(pool, tmp_path, Limits(call_timeout=60.0, start_timeout=START))
    try:
        session.add_module("first", "first.py")
        flooded = session.call(prepare_request("first", "flood", (4 * max(bounds.values()),), {})).value
        session.renew()
        session.add_module("second", "second.py")
        found, used = _call(session, "found", "second"), _call(session, "use", "second")
    finally:
        session.close()
    assert "/tmp" in flooded, flooded
    for folder, got in flooded.items():
        assert got["inodes"] == bounds[folder] and got["free"] > bounds[folder] - 64, (folder, got)
        assert got["made"] == got["free"] and got["errno"] == errno.ENOSPC, (folder, got)
    assert not [n for n in found["files"] if n.startswith("f")] and set(used["written"]) == set(flooded)
    assert set(used["written"].values()) == {"x"} and len(spawned) == 1


def test_a_runner_that_died_between_files_costs_a_new_sandbox_nothing_else(pool, tmp_path, monkeypatch):
    (tmp_path / "second.py").write_text(FINDER)
    spawned = _spawns(monkeypatch, pool)
    session = _session(pool, tmp_path)
    try:
        assert _call(session, "arm") == 1
        pool.kill(session.pid)  # its sandbox is gone, unknown to the session
        session.renew()
        session.add_module("second", "second.py")
        assert _call(session, "found", "second")["builtins"] is False
    finally:
        session.close()
    assert len(spawned) == 2


def test_a_student_s_files_one_after_another_keep_one_sandbox(pool, tmp_path, monkeypatch):
    """Twenty renewals in a row, each followed by a call: one sandbox throughout (the supervisor
    takes the zygote's message even when the old process has ended by then)."""
    (tmp_path / "second.py").write_text(FINDER)
    spawned = _spawns(monkeypatch, pool)
    session = RunnerSession(pool, tmp_path, Limits(call_timeout=30.0, start_timeout=START))
    pids = set()
    try:
        for _ in range(20):
            session.renew()
            session.add_module("second", "second.py")
            pids.add(_call(session, "found", "second")["pid"])
    finally:
        session.close()
    assert len(spawned) == 1 and len(pids) == 20


def test_the_supervisor_takes_the_zygote_s_message_even_when_the_process_has_ended_too():
    """The order the kernel can report two events in: the judge closes the old connection once it
    holds the new one, so the old process may have ended by the time the supervisor wakes up."""
    from autograder.sandbox import runner

    steer, zygote_end = socket.socketpair()
    new_judge, new_runner = socket.socketpair()
    with steer, zygote_end, new_judge, new_runner:
        child = runner.os.fork()
        if child == 0:
            runner.os._exit(0)
        socket.send_fds(zygote_end, [b"r"], [new_runner.fileno()])
        time.sleep(0.2)  # both are ready now: the message, and the process's end
        fd = runner._next_connection(child, steer)
        assert fd is not None
        with socket.socket(fileno=fd) as received:
            received.sendall(b"x")
            assert new_judge.recv(1) == b"x"


def test_the_folders_that_lead_to_the_kit_in_tmp_are_watched_like_tmp(tmp_path):
    """When the kit lives in /tmp its read-only mounts sit in the student's /tmp, under folders of
    that /tmp: emptying keeps those folders, so a change to them (here a chmod that locks the next
    file out of the kit) must end the sandbox like a change to /tmp itself."""
    from autograder.sandbox import runner

    assert runner._leading(["/tmp", "/dev/shm"], ["/tmp/k/.venv/bin", "/tmp/k/.venv/lib/site", "/tmp/x"]) == [
        "/tmp/k", "/tmp/k/.venv", "/tmp/k/.venv/lib"]
    lead = tmp_path / "k"
    lead.mkdir()
    before = runner._inherited([str(tmp_path), str(lead)])
    lead.chmod(0)
    try:
        assert runner._inherited([str(tmp_path), str(lead)]) != before
    finally:
        lead.chmod(0o755)
    lead.rename(tmp_path / "moved")
    (tmp_path / "k").mkdir()  # the same name, another folder
    assert runner._inherited([str(tmp_path), str(lead)]) != before


# --- what a student process would change in its supervisor, were the kernel to let it ------------

IOPRIO = {"x86_64": (251, 252), "aarch64": (30, 31), "riscv64": (30, 31)}  # ioprio_set, ioprio_get


def _ioprio(pid: int, value: int | None = None) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    set_, get = IOPRIO[os.uname().machine]
    if value is not None:
        assert libc.syscall(set_, 1, pid, value) == 0, ctypes.get_errno()
    return libc.syscall(get, 1, pid)


def _write_proc(pid: int, name: str, text: str) -> None:
    with open(f"/proc/{pid}/{name}", "w") as fh:
        fh.write(text)


SUPERVISOR_CHANGES = {  # done from outside, as root: what a student process holding CAP_SYS_NICE could
    "nice": lambda pid: os.setpriority(os.PRIO_PROCESS, pid, 12),
    "scheduling": lambda pid: os.sched_setscheduler(pid, os.SCHED_BATCH, os.sched_param(0)),
    "affinity": lambda pid: os.sched_setaffinity(pid, {min(os.sched_getaffinity(pid))}),
    "io priority": lambda pid: _ioprio(pid, 3 << 13),  # the idle class
    "oom_score_adj": lambda pid: _write_proc(pid, "oom_score_adj", "500"),
    "timer slack": lambda pid: _write_proc(pid, "timerslack_ns", "7000000"),
}


def _attributes_of(pid: int) -> dict:
    """What SUPERVISOR_CHANGES change, read from the host's /proc."""
    def text(name):
        with open(f"/proc/{pid}/{name}") as fh:
            return fh.read().strip()

    return {"nice": os.getpriority(os.PRIO_PROCESS, pid),
            "scheduling": (os.sched_getscheduler(pid), os.sched_getparam(pid).sched_priority),
            "affinity": sorted(os.sched_getaffinity(pid)), "io priority": _ioprio(pid),
            "oom_score_adj": text("oom_score_adj"), "timer slack": text("timerslack_ns")}


def _status(pid: int) -> dict:
    with open(f"/proc/{pid}/status") as fh:
        return dict(ln.rstrip("\n").split(":\t", 1) for ln in fh if ":\t" in ln)


def _sandbox_of(pool, runner: int) -> tuple[int, int]:
    """Host PIDs of (the supervisor, the student process) of the pool's runner ``runner`` (a PID
    of the zygote's namespace): the runner waits for its supervisor, PID 1 of its own namespace."""
    tree = {p: _status(p) for p in _pool_pids(pool.proc.pid) if _alive(p)}
    waiter = [p for p, st in tree.items() if int(st["NSpid"].split()[-1]) == runner]
    supervisor = [p for p, st in tree.items() if waiter and int(st["PPid"]) in waiter]
    student = [p for p, st in tree.items() if supervisor and int(st["PPid"]) in supervisor]
    assert len(supervisor) == 1 and len(student) == 1, (waiter, supervisor, student)
    return supervisor[0], student[0]


@pytest.mark.skipif(os.geteuid() != 0, reason="changes a supervisor from outside, which takes root")
@pytest.mark.parametrize("attribute", sorted(SUPERVISOR_CHANGES))
def test_a_supervisor_changed_beyond_tmp_ends_its_sandbox(pool, tmp_path, monkeypatch, attribute):
    """A student process cannot change these in its supervisor (it lacks the capabilities that the
    kernel wants and the supervisor keeps); were it to, the next file's process, forked from that
    supervisor, would inherit the change. The supervisor's own check must end the sandbox instead:
    the change is made here from outside, and the next file runs in a new sandbox, as it was."""
    (tmp_path / "m.py").write_text("def f():\n    return 1\n")
    spawned = _spawns(monkeypatch, pool)
    session = RunnerSession(pool, tmp_path, Limits(call_timeout=60.0, start_timeout=START))
    try:
        session.add_module("m", "m.py")
        assert _call(session, "f") == 1
        supervisor, student = _sandbox_of(pool, session.pid)
        fresh = _attributes_of(student)
        SUPERVISOR_CHANGES[attribute](supervisor)
        assert _attributes_of(supervisor)[attribute] != fresh[attribute]  # the change took
        session.renew()
        session.add_module("m", "m.py")
        assert _call(session, "f") == 1
        _, student = _sandbox_of(pool, session.pid)
        assert _attributes_of(student) == fresh
    finally:
        session.close()
    assert len(spawned) == 2  # a new sandbox, not a renewed process

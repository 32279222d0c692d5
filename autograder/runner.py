"""The runner: the process tree that runs student code, started once per grading run.

It knows nothing of the checks: it imports only ``protocol.py`` (standard library + NumPy) from
the directory given as its first argument. It starts as a *zygote*: it imports NumPy and
matplotlib once, then waits on its control socket (fd 0) for requests from the judge
(``autograder.sandbox.Pool``):

- ``{"op": "spawn", "limits": {...}}``: fork a runner for one student and hand the judge one
  end of a new socket pair (SCM_RIGHTS); the reply carries the runner's pid;
- ``{"op": "kill", "pid": n}``: kill that runner and everything it started.

Each forked runner, before any student code runs: enters new user, mount and PID namespaces
(when the kernel allows it) so it cannot see or signal other students' runners and gets a
private /tmp as its scratch space; sets its rlimits (address space, CPU seconds, file size, no
core files); makes itself non-dumpable (no reading its memory from outside); sends its prints
to a private in-memory file; and blocks imports of deep-learning frameworks. Then it answers
requests (``protocol.Invoker.handle``: load a module from source text, call, chain, drop),
framed as an 8-byte big-endian length and UTF-8 JSON (plain data, never pickle).

Usage: ``python -I -B runner.py PROTOCOL_DIR [--drop-root]`` with the control socket as fd 0.
"""

import ctypes
import os
import resource
import signal
import socket
import struct
import sys

MAX_FRAME = 256 * 1024 * 1024
OUTPUT_KEEP = 4000
BLOCKED = ("torch", "tensorflow", "jax", "jaxlib", "keras")
PRELOAD = ("math", "inspect", "itertools", "functools", "collections", "random", "time", "warnings", "copy",
           "typing", "dataclasses", "numbers", "statistics", "traceback", "linecache", "textwrap", "io")
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4


class _Blocker:
    """Makes the deep-learning frameworks unimportable for student code (NumPy only)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not available to submissions: the exercises use NumPy only")
        return None


def recv_frame(fd: int):
    return protocol.unpack_frame(lambda n: protocol.read_exact(fd, n), MAX_FRAME)


def send_frame(fd: int, message: dict) -> None:
    try:
        payload = protocol.pack_frame(message)
    except (TypeError, ValueError) as exc:
        payload = protocol.pack_frame({"ok": False, "error": {"type": "BadResult", "message": str(exc)[:300],
                                                               "traceback": ""}})
    if len(payload) > MAX_FRAME:
        payload = protocol.pack_frame({"ok": False, "error": {"type": "ResultTooLarge", "traceback": "",
                                                               "message": f"the result is {len(payload)} bytes"}})
    while payload:
        payload = payload[os.write(fd, payload):]


# --- one student's runner -----------------------------------------------------------------------

def _isolate(fd: int) -> bool:
    """New user + mount + PID namespaces with a private /tmp; True if it worked.

    Called in the forked child: it forks once more so that the grandchild is PID 1 of the new
    PID namespace (everything it starts dies with it); the middle process just waits.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) != 0:
        return False
    pid = os.fork()
    if pid:  # the middle process: wait for the runner, then go
        os.close(fd)  # so the judge sees the connection close when the runner dies
        try:
            os.waitpid(pid, 0)
        finally:
            os._exit(0)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # the judge kills the middle -> we die
    libc.mount(b"none", b"/", None, 0x4000 | 0x40000, None)  # MS_REC | MS_PRIVATE: nothing leaks out
    if libc.mount(b"tmpfs", b"/tmp", b"tmpfs", 0, b"size=64m,mode=0700") == 0:
        os.chdir("/tmp")
    return True


def _limit(limits: dict) -> None:
    for name, key in ((resource.RLIMIT_AS, "memory"), (resource.RLIMIT_CPU, "cpu"),
                      (resource.RLIMIT_FSIZE, "file_size")):
        if limits.get(key):
            try:
                resource.setrlimit(name, (int(limits[key]), int(limits[key])))
            except (ValueError, OSError):
                pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing


def serve(conn: socket.socket, limits: dict, drop_root: bool) -> None:
    """Answer one student's requests on ``conn`` until it closes."""
    fd = conn.detach()
    os.setpgid(0, 0)  # a process group the zygote can kill as a whole
    if drop_root and os.geteuid() == 0:  # no bubblewrap: never run student code as root
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    _isolate(fd)
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    capture = os.memfd_create("output")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(capture, 1)
    os.dup2(capture, 2)
    _limit(limits)
    sys.meta_path.insert(0, _Blocker)
    invoker = protocol.Invoker()
    send_frame(fd, {"ok": True, "ready": True})
    while True:
        try:
            request = recv_frame(fd)
        except (EOFError, OSError, ValueError):
            os._exit(0)
        try:
            response = invoker.handle(request)
        except Exception as exc:  # a malformed request: answer, never die silently
            response = {"ok": False, "error": {"type": "BadRequest", "message": str(exc)[:300], "traceback": ""}}
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        size = os.lseek(capture, 0, os.SEEK_END)
        os.lseek(capture, max(0, size - OUTPUT_KEEP), os.SEEK_SET)
        text = os.read(capture, OUTPUT_KEEP).decode("utf-8", "replace")
        if size > OUTPUT_KEEP:
            text = f"[... {size - OUTPUT_KEEP} earlier bytes of output cut ...]\n" + text
        os.ftruncate(capture, 0)
        os.lseek(capture, 0, os.SEEK_SET)
        response["output"] = text
        send_frame(fd, response)


# --- the zygote ---------------------------------------------------------------------------------

def zygote(drop_root: bool) -> None:
    ctl = socket.socket(fileno=os.dup(0))
    devnull = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(devnull, target)
    for name in PRELOAD:
        __import__(name)
    import numpy  # noqa: F401  (paid once here, not per student)
    import numpy.linalg  # noqa: F401
    import numpy.random

    numpy.random.default_rng(0).normal(size=3)  # loads the bit generators now (runners may not read /root)
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except Exception:
        pass
    send_frame(ctl.fileno(), {"ok": True, "ready": True})
    while True:
        try:
            request = recv_frame(ctl.fileno())
        except (EOFError, OSError, ValueError):
            os._exit(0)
        while True:  # reap finished runners
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
        if request.get("op") == "spawn":
            ours, theirs = socket.socketpair()
            pid = os.fork()
            if pid == 0:
                ctl.close()
                ours.close()
                try:
                    serve(theirs, request.get("limits", {}), drop_root)
                finally:
                    os._exit(0)
            theirs.close()
            socket.send_fds(ctl, [struct.pack(">q", pid)], [ours.fileno()])
            ours.close()
        elif request.get("op") == "kill":
            pid = int(request.get("pid", 0))
            if pid > 0:
                for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                    try:
                        kill()
                    except OSError:
                        pass
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    pass
            socket.send_fds(ctl, [struct.pack(">q", pid)], [])


if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    import protocol  # noqa: E402  (the only module of the kit a runner loads)

    sys.path.remove(sys.argv[1])
    zygote("--drop-root" in sys.argv)

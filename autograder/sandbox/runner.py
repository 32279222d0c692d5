"""The runner: the process tree that runs student code, started once per grading run.

It knows nothing of the checks: it imports only ``protocol.py`` (standard library + NumPy) from
the directory given as its first argument. It starts as a *zygote*: it imports NumPy and
matplotlib once, then waits on its control socket (fd 0) for requests from the judge
(``autograder.sandbox.judge.Pool``):

- ``{"op": "spawn", "limits": {...}}``: fork a runner for one student and hand the judge one
  end of a new socket pair (SCM_RIGHTS); the reply carries the runner's pid;
- ``{"op": "renew", "pid": n}``: a fresh student process in that runner's sandbox, on a new
  connection (its end handed to the judge), see ``_supervise``;
- ``{"op": "kill", "pid": n}``: kill that runner and everything it started.

Confinement of the zygote. Under bubblewrap, bubblewrap builds it. Without (``--confine PATHS``,
PATHS a JSON list), the zygote builds the same thing itself before importing anything of NumPy:
it drops root to user nobody, enters new user, mount, PID, network, IPC and UTS namespaces,
becomes PID 1 of its own PID namespace (the waiter above it dies with the judge), mounts a
tmpfs root holding read-only binds of PATHS only (the Python installation, NumPy, matplotlib),
a fresh /proc, a minimal /dev and an empty /tmp, then ``pivot_root``s into it and detaches the
old root: the kit, the class, the outputs and the host's /tmp are not in its world at all.

Each runner (one per student), before any student code runs, in both modes::

    zygote -> waiter (new user/mount/PID/net/IPC/UTS namespaces, dies with the zygote)
           -> supervisor = PID 1 of the new PID namespace (ours, non-dumpable, dies with the waiter)
           -> student process (PID 2)

The supervisor mounts a fresh tmpfs /tmp and /proc for that student. For the student's next file
the judge asks the zygote to ``{"op": "renew"}`` the runner: the zygote sends the supervisor, on a
line no student process holds, one end of a new connection (the judge gets the other); the
supervisor kills the student process, empties /tmp and /dev/shm and forks a fresh one (PID 3,
4, ...) on it. Each file thus runs in a process of its own at the cost of one fork, not of a new
sandbox, and nothing the old process wrote on its connection is read as the new one's. A student
process runs as the same user as its supervisor, so it can lower the supervisor's rlimits
(``prlimit``) and change the permissions of /tmp and /dev/shm themselves (and of the folders in
them that lead to the kit, when it lives in /tmp); the supervisor's nice value, scheduling, CPU
affinity, I/O priority, oom_score_adj and timer slack want capabilities it lacks, and are watched
all the same (``_attributes``). When any of these changed, the supervisor exits instead of
forking, and the judge starts a new sandbox for the next file. A student process that ends by
itself ends the namespace. Each student process sets its rlimits, drops every capability
(bounding set, ambient, effective/permitted/inheritable), loads a seccomp filter (no
fork/vfork/clone/clone3: no child processes or threads; no mount, umount, pivot_root, unshare,
setns, ptrace, timers that outlive a call; NO_NEW_PRIVS), makes itself non-dumpable, sends its
prints to a private in-memory file and blocks imports of deep-learning frameworks. When any link of the chain dies the kernel kills the whole PID
namespace, whatever the student process did to itself. After each request its signal handlers,
signal mask and interval timers are put back as they were, so nothing armed during one call
fires in the next one.

Requests (``protocol.Invoker.handle``: load, call, chain, drop; plus ``probe``, which reports the
confinement in force) are framed as in ``protocol.pack_frame`` (JSON plus raw array blobs,
never pickle).

Usage: ``python -I -B runner.py PROTOCOL_DIR [--confine PATHS_JSON] [--parent PID]`` with the
control socket as fd 0.
"""

import ctypes
import errno
import gc
import json
import os
import resource
import select
import shutil
import signal
import socket
import struct
import sys
import threading

MAX_FRAME = 256 * 1024 * 1024
OUTPUT_KEEP = 4000
PRELOAD = ("math", "inspect", "itertools", "functools", "collections", "random", "time", "warnings", "copy",
           "typing", "dataclasses", "numbers", "statistics", "traceback", "linecache", "textwrap", "io", "threading")
CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
NAMESPACES = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MS_NOATIME, MS_RELATIME = 1024, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_GET_DUMPABLE, PR_SET_DUMPABLE, PR_GET_SECCOMP = 1, 3, 4, 21
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_GET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 24, 38, 39, 47
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41}
SYS_IOPRIO_GET = {"x86_64": 252, "aarch64": 31, "riscv64": 31}
IOPRIO_WHO_PROCESS = 1
DEVICES = ("null", "zero", "full", "random", "urandom")
DENIED = ("fork", "vfork", "clone", "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "ptrace",
          "process_vm_readv", "process_vm_writev", "kexec_load", "init_module", "finit_module", "bpf",
          "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key", "open_by_handle_at",
          "name_to_handle_at", "timer_create", "io_uring_setup", "open_tree", "move_mount", "fsopen",
          "fsmount", "fspick", "mount_setattr",
          # memory no rlimit counts (shared memory lives in tmpfs, not in the address space)
          "memfd_create", "memfd_secret", "shmget", "shmat", "msgget", "semget", "mq_open")
OPEN_FILES = 256  # descriptors of a student process (NumPy and matplotlib need a handful)
# The student's own writable folders, private, per student: (folder, bytes, inodes). A tmpfs left
# without nr_inodes allows about half of RAM in pages of files (3 million here), and an empty file
# costs the kernel about 1.25 KB of memory no size or memory limit counts (its inode and dentry):
# a million empty files cost the host 1.25 GB. Real solutions use none (the examples' 2,386 replies
# found only the root of /tmp and /dev/shm in use); a kit cloned in /tmp adds its ~40 mount points
# and the folders leading to them. One inode per 16 KB of size: 4,096 and 1,024, at most about
# 6 MB of kernel memory per sandbox, hard links and symbolic links included (they count too).
SCRATCH = (("/tmp", 64 << 20, 4096), ("/dev/shm", 16 << 20, 1024))
ROOT_TMPFS = {"size": 1 << 20, "nr_inodes": 1024}  # the zygote's read-only root (no bubblewrap): ~40 binds and their folders
DEV_TMPFS = {"size": 64 << 10, "nr_inodes": 64}  # its /dev: five devices


def tmpfs_options(mode: int, size: int, nr_inodes: int) -> str:
    """Mount options of a tmpfs bounded in bytes and in inodes (files, folders, links)."""
    return f"mode={mode:o},size={size},nr_inodes={nr_inodes}"

libc = ctypes.CDLL(None, use_errno=True)


class _Blocker:
    """Makes the deep-learning frameworks unimportable for student code (NumPy only)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in protocol.FORBIDDEN:
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


# --- system calls -------------------------------------------------------------------------------

def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source, target, fstype=None, flags=0, data=None) -> None:
    def enc(s):
        return None if s is None else os.fsencode(s)

    _check(libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)), f"mount {target}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def enter_namespaces() -> None:
    """New user, mount, PID, network, IPC and UTS namespaces; the caller's uid/gid map to 0 inside.

    The caller stays in its PID namespace: its next child is PID 1 of the new one."""
    uid, gid = os.geteuid(), os.getegid()
    _check(libc.unshare(NAMESPACES), "unshare")
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1")
    _write("/proc/self/gid_map", f"0 {gid} 1")


def die_with_parent(parent: int) -> None:
    """SIGKILL when the parent dies (set after every change of credentials, which clears it)."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it died before the line above
        os._exit(1)


def become_init(close_in_waiter=()) -> int:
    """Fork; the parent waits for the child and exits with it, the child returns as PID 1 of the
    PID namespace entered before, killed (with its whole namespace) when the waiter dies.
    Returns a pipe end that reads end-of-file once the waiter is gone (see ``arm``)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(r)
        for fd in close_in_waiter:
            os.close(fd)
        try:
            os.waitpid(pid, 0)
        finally:
            os._exit(0)
    os.close(w)
    arm(r)
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    return r


def arm(waiter_pipe: int) -> None:
    """SIGKILL when the waiter dies; exit now if it already has (again after a change of
    credentials, which clears the setting)."""
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if select.select([waiter_pipe], [], [], 0)[0]:
        os._exit(1)


def _bind(source: str, target: str) -> None:
    """Read-only bind of ``source`` at ``target`` (created), keeping the flags the kernel locks."""
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    _read_only(target, MS_NOSUID)


def _mount_points() -> list:
    """Every mount point of this mount namespace but /proc and what lies under it, parents first."""
    points = []
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            point = line.split()[4].encode().decode("unicode_escape")  # octal escapes such as \040
            if point != "/proc" and not point.startswith("/proc/") and point not in points:
                points.append(point)
    return points


def _private_tmpfs(path: str, options: str) -> None:
    """A fresh tmpfs at ``path``. The read-only mounts that lay below it (Python or NumPy, when the
    kit or its venv lives in /tmp) are bound again on top of it, through descriptors opened before."""
    below = [p for p in _mount_points() if p.startswith(path.rstrip("/") + "/")]
    tops = [p for p in below if not any(p.startswith(q + "/") for q in below)]  # each with what lies in it
    held = [(p, os.open(p, os.O_PATH | os.O_CLOEXEC)) for p in tops]
    _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for p, fd in held:
        if os.path.isdir(f"/proc/self/fd/{fd}"):
            os.makedirs(p, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(p), exist_ok=True)
            open(p, "a").close()
        _mount(f"/proc/self/fd/{fd}", p, None, MS_BIND | MS_REC)
        os.close(fd)
    for p in below:
        _read_only(p)


def _read_only(path: str, extra: int = 0) -> None:
    """Remount the mount at ``path`` read-only (plus ``extra`` flags), keeping the flags the kernel locks."""
    st = os.statvfs(path)
    locked = st.f_flag & (os.ST_NOSUID | os.ST_NODEV | os.ST_NOEXEC)
    atime = (MS_NOATIME if st.f_flag & os.ST_NOATIME else 0) | (MS_RELATIME if st.f_flag & os.ST_RELATIME else 0)
    _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | locked | atime | extra)


def build_root(new_root: str, paths: list) -> None:
    """Make ``new_root`` (an existing empty directory) the root: read-only ``paths`` (absolute;
    symbolic links are recreated as links), fresh /proc, minimal /dev, empty /tmp. Must be PID 1
    of a PID namespace owned by the current user namespace (for /proc)."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, tmpfs_options(0o755, **ROOT_TMPFS))
    os.makedirs(f"{new_root}/tmp")  # first: the binds below may lie in /tmp (a kit cloned there)
    _mount("tmpfs", f"{new_root}/tmp", "tmpfs", MS_NOSUID | MS_NODEV, tmpfs_options(0o1777, *SCRATCH[0][1:]))
    for path in paths:
        target = new_root + path
        if os.path.islink(path):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.symlink(os.readlink(path), target)
        elif os.path.exists(path):
            _bind(path, target)
    for d in ("proc", "dev"):
        os.makedirs(f"{new_root}/{d}", exist_ok=True)
    _mount("proc", f"{new_root}/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _mount("tmpfs", f"{new_root}/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, tmpfs_options(0o755, **DEV_TMPFS))
    for dev in DEVICES:
        open(f"{new_root}/dev/{dev}", "w").close()
        _mount(f"/dev/{dev}", f"{new_root}/dev/{dev}", None, MS_BIND)
    os.chdir(new_root)
    _check(libc.syscall(SYS_PIVOT_ROOT[os.uname().machine], b".", b"."), "pivot_root")
    _check(libc.umount2(b".", MNT_DETACH), "detach the old root")
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def confine_zygote(paths: list, parent: int) -> None:
    """Without bubblewrap: give the zygote the world bubblewrap would (see the module docstring).

    As root: new namespaces without a user namespace, then user nobody once the root is built
    (no capability left anywhere). As another user: a user namespace where that user is 0."""
    new_root = os.getcwd()  # the judge's empty temporary folder
    as_root = os.geteuid() == 0
    if as_root:
        _check(libc.unshare(NAMESPACES & ~CLONE_NEWUSER), "unshare")
    else:
        enter_namespaces()
    die_with_parent(parent)
    waiter = become_init(close_in_waiter=(0,))
    build_root(new_root, paths)
    if as_root:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
        arm(waiter)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def drop_privileges() -> None:
    """No capability left in any set (a later execve gains none either) and NO_NEW_PRIVS."""
    for cap in range(64):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break
    libc.prctl(PR_CAP_AMBIENT, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    _check(libc.capset(header, (ctypes.c_uint32 * 6)()), "capset")
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


def build_filter():
    """The seccomp filter of student processes (loaded later, in each one), or None if the
    system has no libseccomp. Everything in DENIED fails with EPERM; clone3 with ENOSYS (its
    flags are out of a filter's reach, and callers then fall back to clone, which is denied)."""
    try:
        import pyseccomp as seccomp

        filt = seccomp.SyscallFilter(seccomp.ALLOW)
        for name in DENIED:
            try:
                filt.add_rule(seccomp.ERRNO(errno.EPERM), name)
            except Exception:  # not a system call on this architecture
                pass
        filt.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
        return filt
    except Exception:
        return None


# --- one student's runner -----------------------------------------------------------------------

def _limit(limits: dict) -> None:
    for name, key in ((resource.RLIMIT_AS, "memory"), (resource.RLIMIT_CPU, "cpu"),
                      (resource.RLIMIT_FSIZE, "file_size")):
        if limits.get(key):
            try:
                resource.setrlimit(name, (int(limits[key]), int(limits[key])))
            except (ValueError, OSError):
                pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (OPEN_FILES, OPEN_FILES))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing


def _isolate(fd: int, steer: socket.socket, zygote_pid: int, allow_unconfined: bool) -> tuple[int, bool]:
    """Namespaces and a supervisor as PID 1 (see the module docstring); returns in a student
    process with a private /tmp and /proc: (the judge's connection, True). ``steer``: the zygote's
    line to the supervisor (``_supervise``), closed in every student process. Returns (``fd``,
    False), nothing done, if the kernel refuses and ``allow_unconfined``; otherwise it tells the
    judge why and exits."""
    libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # else /proc/self/uid_map is root's (the zygote is not dumpable)
    try:
        enter_namespaces()
    except OSError as exc:
        if not allow_unconfined:
            send_frame(fd, {"ok": False, "unconfined": str(exc)[:300]})
            os._exit(0)  # the judge refuses to grade, naming the fix
        steer.close()
        return fd, False
    die_with_parent(zygote_pid)
    os.close(become_init(close_in_waiter=(fd, steer.fileno())))
    own = _own_files()  # before /proc is replaced (by an empty tmpfs, under some bubblewrap set-ups)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    for shared in _mount_points():  # the world the zygote's runners share: nothing of it is writable
        _read_only(shared)
    for path, size, inodes in SCRATCH:  # the only writable places: this student's own, bounded tmpfs
        if os.path.isdir(path):
            _private_tmpfs(path, tmpfs_options(0o1777, size, inodes))
    scratch = [path for path, _, _ in SCRATCH if os.path.isdir(path)]
    bound = [p for p in _mount_points() if any(p.startswith(path + "/") for path in scratch)]  # read before /proc goes
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError:  # the kernel refuses a new /proc under some bubblewrap set-ups: hide the zygote's
        _mount("tmpfs", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,nr_inodes=1")
    os.chdir("/tmp")
    return _supervise(fd, steer, scratch, bound, own), True


def _supervise(fd: int, steer: socket.socket, scratch: list[str], bound: list[str], own: dict[str, int]) -> int:
    """The supervisor (PID 1): fork a student process serving ``fd`` (it returns there, with
    ``steer`` closed) and wait for it to end or for the zygote to send, on ``steer``, the
    connection of the student's next file (``{"op": "renew"}``, see ``Pool.renew``). Then the
    supervisor kills the student process, empties /tmp and /dev/shm and forks a fresh one on the
    new connection: a few milliseconds, where a new sandbox costs tens. The old connection dies
    with the old process, so nothing it sends is taken for the new one's. A student process that
    ends by itself ends the namespace with the supervisor, and the judge reads end-of-file. The
    supervisor never runs student code, and no student process holds ``steer``. If the last process
    changed what a fresh one would inherit beyond the contents of /tmp and /dev/shm (``_inherited``)
    the supervisor exits instead, and the judge starts a new sandbox. ``scratch``: the private tmpfs
    folders; ``bound``: the read-only mounts in them, left as they are; ``own``: ``_own_files``,
    closed in every student process."""
    try:
        os.close(os.pidfd_open(os.getpid()))
    except (AttributeError, OSError):  # no pidfd (Linux < 5.3): each file gets a new sandbox instead
        steer.close()
        steer = None
    leading = _leading(scratch, bound)  # the folders emptying walks through and keeps
    kept = scratch + leading
    initial = _inherited(kept, own)
    while True:
        student = os.fork()
        if student == 0:
            if steer is not None:
                steer.close()
            for held in own.values():
                os.close(held)
            return fd
        os.close(fd)
        fd = _next_connection(student, steer)
        if fd is None:
            os._exit(0)
        try:
            if _inherited(kept, own) != initial:  # what a fresh process would inherit was changed
                os._exit(0)  # the judge starts a new sandbox instead
            for path in scratch:
                _empty(path, set(bound), set(leading))
        except BaseException:
            os._exit(0)


RLIMITS = tuple(sorted(getattr(resource, n) for n in dir(resource) if n.startswith("RLIMIT_")))


def _leading(scratch: list[str], bound: list[str]) -> list[str]:
    """The folders in ``scratch`` that lead to the read-only mounts ``bound`` there (the kit's, when
    it lives in /tmp): ``_empty`` walks through them and keeps them."""
    leading = set()
    for mount in bound:
        parent = os.path.dirname(mount)
        while parent not in scratch and parent != "/":
            leading.add(parent)
            parent = os.path.dirname(parent)
    return sorted(leading)


PROC_SELF = ("oom_score_adj", "timerslack_ns")  # what a fork copies that only /proc/self shows


def _own_files() -> dict[str, int]:
    """Read-only descriptors of this process's PROC_SELF files (those this kernel has)."""
    own = {}
    for name in PROC_SELF:
        try:
            own[name] = os.open(f"/proc/self/{name}", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            pass
    return own


def _io_priority() -> int | None:
    number = SYS_IOPRIO_GET.get(os.uname().machine)
    return None if number is None else libc.syscall(number, IOPRIO_WHO_PROCESS, 0)


def _attributes(own: dict[str, int]) -> dict:
    """This process's attributes that a fork copies and another process of the same user can
    change: rlimits (``prlimit``; a lowered hard limit cannot be raised again), nice value, scheduling
    policy and real-time priority, CPU affinity, I/O priority, and through ``own`` (``_own_files``)
    oom_score_adj and timer slack. A student process lacks the capabilities (CAP_SYS_NICE,
    CAP_SYS_RESOURCE) that its supervisor keeps and that the kernel wants for all but the rlimits;
    they are checked all the same. The rest a fork copies is per process (umask, personality,
    securebits, no_new_privs, seccomp, signal dispositions) or out of a student's reach (credentials,
    cgroup, the session's autogroup, the UTS, IPC and network namespaces)."""
    return {"rlimits": [resource.getrlimit(r) for r in RLIMITS],
            "nice": os.getpriority(os.PRIO_PROCESS, 0),
            "scheduling": (os.sched_getscheduler(0), os.sched_getparam(0).sched_priority),
            "affinity": sorted(os.sched_getaffinity(0)),
            "io priority": _io_priority(),
            **{name: os.pread(fd, 64, 0) for name, fd in own.items()}}


def _inherited(folders: list[str], own: dict[str, int] | None = None):
    """What a student process can change in its sandbox that emptying /tmp and /dev/shm does not
    undo, and that the next student process would inherit: the supervisor's own attributes
    (``_attributes``: a student process runs as the same user as PID 1) and the ``folders`` emptying
    keeps (mode, owner, extended attributes such as a default ACL; a folder renamed or removed
    raises, which ends the sandbox too)."""
    attributes = _attributes(own or {})
    kept = []
    for path in folders:
        st = os.stat(path, follow_symlinks=False)
        try:
            attrs = {n: os.getxattr(path, n, follow_symlinks=False)
                     for n in os.listxattr(path, follow_symlinks=False)}
        except OSError as exc:
            attrs = {"": exc.errno}
        kept.append((st.st_ino, st.st_mode, st.st_uid, st.st_gid, attrs))
    return attributes, kept


def _next_connection(student: int, steer: socket.socket | None) -> int | None:
    """Wait until the student process ends (None) or the zygote sends one connection on ``steer``
    (it is returned, the student process killed and reaped first). Anything else: None."""
    if steer is None:
        os.waitpid(student, 0)
        return None
    pidfd = os.pidfd_open(student)
    try:
        ready = select.select([steer, pidfd], [], [])[0]
    finally:
        os.close(pidfd)
    if steer not in ready:  # it ended by itself
        os.waitpid(student, 0)
        return None
    # The zygote's message first, even when the process has ended by the time the supervisor wakes
    # up (its CPU time used up, say): the next file gets its fresh process all the same.
    try:
        data, fds, _, _ = socket.recv_fds(steer, 16, 2)
    except OSError:
        data, fds = b"", []
    try:
        os.kill(student, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(student, 0)
    if data and len(fds) == 1:
        return fds[0]
    for extra in fds:
        os.close(extra)
    return None


def _empty(path: str, mounts: set[str], leading: set[str]) -> None:
    """Remove everything the last student process left in ``path`` (its private tmpfs), but the
    read-only ``mounts`` bound in it (the Python installation, when the kit lives in /tmp) and the
    ``leading`` folders on the way to them (``_leading``), which are emptied in turn. Never follows
    a symbolic link."""
    with os.scandir(path) as entries:
        for entry in list(entries):
            if entry.path in mounts:
                continue
            if entry.path in leading:
                _empty(entry.path, mounts, leading)
            elif entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)


def _signal_state():
    """What ``_restore_signals`` puts back after each request."""
    handlers = {}
    for sig in signal.valid_signals():
        try:
            handlers[sig] = signal.getsignal(sig)
        except (OSError, ValueError):
            pass
    return handlers, signal.pthread_sigmask(signal.SIG_BLOCK, [])


def _restore_signals(state) -> None:
    handlers, mask = state
    signal.alarm(0)
    for timer in (signal.ITIMER_REAL, signal.ITIMER_VIRTUAL, signal.ITIMER_PROF):
        signal.setitimer(timer, 0)
    for sig, handler in handlers.items():
        try:
            if signal.getsignal(sig) is not handler and handler is not None:
                signal.signal(sig, handler)
        except (OSError, ValueError, TypeError):
            pass
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def _capabilities() -> int:
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)
    data = (ctypes.c_uint32 * 6)()
    if libc.capget(header, data) != 0:
        return -1
    return data[0] | data[3] << 32 | data[1] | data[4] << 32  # effective | permitted


def _can(action) -> bool:
    try:
        action()
        return True
    except Exception:
        return False


def _fork_and_reap() -> None:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def _start_thread() -> None:
    t = threading.Thread(target=lambda: None)
    t.start()
    t.join()


WRITE_PROBES = ("/", "/dev", "/dev/shm", "/etc", "/root", "/home", "/usr", "/var", "/var/tmp", "/gradkit", "/tmp")


def _in_scratch(path: str) -> bool:
    """Whether ``path`` lies on this student's own /tmp or /dev/shm (a kit cloned in /tmp has its
    venv's folders there: what the student writes in them no other runner sees)."""
    try:
        return any(os.stat(path).st_dev == os.stat(p).st_dev for p, _, _ in SCRATCH if os.path.isdir(p))
    except OSError:
        return False


def _create_and_remove(directory: str) -> None:
    path = os.path.join(directory, ".gradkit-probe")
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    os.unlink(path)


def probe(paths: list) -> dict:
    """What this runner can do, measured from inside: which of ``paths`` it can see, its
    capabilities, whether it can fork, start a thread, reach a network, undo its /tmp mount."""
    def visible(p):
        try:
            os.stat(p)
            return True
        except OSError:
            return False

    try:
        proc = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    except OSError:
        proc = []
    return {"ok": True, "seen": [p for p in paths if visible(p)], "uid": os.getuid(), "pid": os.getpid(),
            "capabilities": _capabilities(), "fork": _can(_fork_and_reap), "thread": _can(_start_thread),
            "interfaces": sorted(n for _, n in socket.if_nameindex()) if hasattr(socket, "if_nameindex") else [],
            "seccomp": libc.prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 2,
            "no_new_privs": libc.prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1,
            "dumpable": libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0,
            "tmp_writable": _can(lambda: open("/tmp/.probe", "w").close()), "processes": proc,
            "writable": [d for d in dict.fromkeys(WRITE_PROBES + tuple(p for p in sys.path if os.path.isdir(p)))
                         if not _in_scratch(d) and _can(lambda: _create_and_remove(d))],
            "memfd": _can(lambda: os.close(os.memfd_create("probe"))),
            "umount_tmp": libc.umount2(b"/tmp", MNT_DETACH) == 0,
            "limits": {k: resource.getrlimit(getattr(resource, k))[0] for k in ("RLIMIT_AS", "RLIMIT_CPU")}}


def _collect_output(capture: int) -> str:
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
    return text


def serve(conn: socket.socket, steer: socket.socket, limits: dict, zygote_pid: int, seccomp_filter) -> None:
    """Confine this process (see the module docstring), then answer one student's requests on
    ``conn`` until it closes. ``steer``: the zygote's line to this runner's supervisor."""
    fd = conn.detach()
    os.setpgid(0, 0)  # a process group the zygote can kill as a whole
    fd, confined = _isolate(fd, steer, zygote_pid, bool(limits.get("allow_unconfined")))
    capture = os.memfd_create("output")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(capture, 1)
    os.dup2(capture, 2)
    _limit(limits)
    try:
        drop_privileges()
    except OSError:
        if confined:
            os._exit(0)
    if seccomp_filter is not None:
        seccomp_filter.load()
    libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    sys.meta_path.insert(0, _Blocker)
    invoker = protocol.Invoker()
    signals = _signal_state()
    send_frame(fd, {"ok": True, "ready": True})
    while True:
        try:
            request = recv_frame(fd)
        except (EOFError, OSError, ValueError):
            os._exit(0)
        try:
            if request.get("op") == "probe":
                response = probe([str(p) for p in request.get("paths", [])])
            else:
                response = invoker.handle(request)
        except Exception as exc:  # a malformed request: answer, never die silently
            response = {"ok": False, "error": {"type": "BadRequest", "message": str(exc)[:300], "traceback": ""}}
        _restore_signals(signals)
        response["output"] = _collect_output(capture)
        send_frame(fd, response)


# --- the zygote ---------------------------------------------------------------------------------

def _preload() -> None:
    for name in PRELOAD:
        __import__(name)
    import numpy  # noqa: F401  (paid once here, not per student)
    import numpy.linalg  # noqa: F401
    import numpy.random

    numpy.random.default_rng(0).normal(size=3)  # loads the bit generators now
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401
    except Exception:
        pass


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _renew(boss: socket.socket | None) -> socket.socket | None:
    """A new connection for the runner whose supervisor listens on ``boss``: its other end is sent
    there (``_supervise`` forks a fresh student process on it); None if that cannot be done."""
    if boss is None:
        return None
    ours, theirs = socket.socketpair()
    try:
        socket.send_fds(boss, [b"r"], [theirs.fileno()])
    except OSError:  # the supervisor is gone, or takes no connections (no pidfd)
        ours.close()
        return None
    finally:
        theirs.close()
    return ours


def _kill(pid: int) -> None:
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


def zygote(confine, parent: int, allow_unconfined: bool) -> None:
    """Confine (without bubblewrap), preload, then fork a runner per "spawn" request.

    If confinement fails the zygote says why instead of "ready" and stops, unless the
    instructor accepted unconfined runners (``--allow-unconfined``)."""
    try:
        if confine is not None:
            confine_zygote(confine, parent)
        elif parent:
            die_with_parent(parent)
    except OSError as exc:
        if not allow_unconfined:
            send_frame(0, {"ok": False, "unconfined": str(exc)[:300]})
            os._exit(0)
        if os.geteuid() == 0:  # never run student code as root
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
    ctl = socket.socket(fileno=os.dup(0))
    devnull = os.open(os.devnull, os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(devnull, target)
    seccomp_filter = build_filter()
    _preload()
    gc.collect()
    gc.freeze()  # NumPy and matplotlib: never collected, so a runner's collections neither walk nor copy them
    send_frame(ctl.fileno(), {"ok": True, "ready": True})
    steering = {}  # pid of a runner -> the zygote's line to its supervisor (see _supervise)
    while True:
        try:
            request = recv_frame(ctl.fileno())
        except (EOFError, OSError, ValueError):
            os._exit(0)
        _reap()
        if request.get("op") == "spawn":
            ours, theirs = socket.socketpair()
            boss, crew = socket.socketpair()
            me = os.getpid()
            pid = os.fork()
            if pid == 0:
                ctl.close()
                ours.close()
                boss.close()
                for other in steering.values():
                    other.close()
                try:
                    serve(theirs, crew, request.get("limits", {}), me, seccomp_filter)
                finally:
                    os._exit(0)
            theirs.close()
            crew.close()
            boss.setblocking(False)
            steering[pid] = boss
            socket.send_fds(ctl, [struct.pack(">q", pid)], [ours.fileno()])
            ours.close()
        elif request.get("op") == "renew":
            pid = int(request.get("pid", 0))
            fresh = _renew(steering.get(pid))
            socket.send_fds(ctl, [struct.pack(">q", pid)], [fresh.fileno()] if fresh else [])
            if fresh:
                fresh.close()
        elif request.get("op") == "kill":
            pid = int(request.get("pid", 0))
            _kill(pid)
            if pid in steering:
                steering.pop(pid).close()
            socket.send_fds(ctl, [struct.pack(">q", pid)], [])


def _option(name: str):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else None


if __name__ == "__main__":
    sys.path.insert(0, sys.argv[1])
    import protocol  # noqa: E402  (the only module of the kit a runner loads)

    sys.path.remove(sys.argv[1])
    paths = _option("--confine")
    zygote(json.loads(paths) if paths is not None else None, int(_option("--parent") or 0),
           "--allow-unconfined" in sys.argv)

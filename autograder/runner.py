"""The runner: the process that runs one student's code, started by ``autograder.sandbox``.

It knows nothing of the checks: it imports only ``protocol.py`` (standard library + NumPy),
from the directory given as its argument, and answers requests one at a time:

- ``{"op": "load", "module": name, "path": file}`` imports a student file (never via sys.path);
- ``{"op": "call", ...}`` calls one function (see ``protocol.Invoker.call``);
- ``{"op": "drop", "ids": [...]}`` forgets objects kept behind handles.

Frames on the pipes are an 8-byte big-endian length and UTF-8 JSON (plain data, never pickle).
Responses go to a private duplicate of the original stdout; the student's own prints (fd 1 and
2) go to a capture file in the scratch directory and come back with each response, truncated.
Limits (address space, CPU seconds, file size, no core files) are set here before any student
code runs, from the environment variables GRADKIT_LIMIT_*.

Usage: ``python -I -B runner.py PROTOCOL_DIR`` with the scratch directory as working directory.
"""

import json
import os
import resource
import signal
import struct
import sys

MAX_FRAME = 256 * 1024 * 1024
OUTPUT_KEEP = 4000
BLOCKED = ("torch", "tensorflow", "jax", "jaxlib", "keras")


class _Blocker:
    """Makes the deep-learning frameworks unimportable for student code (NumPy only)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not available to submissions: the exercises use NumPy only")
        return None


def _limits() -> None:
    def lim(name, value):
        if value:
            try:
                resource.setrlimit(name, (int(value), int(value)))
            except (ValueError, OSError):
                pass

    lim(resource.RLIMIT_AS, os.environ.get("GRADKIT_LIMIT_AS"))
    lim(resource.RLIMIT_CPU, os.environ.get("GRADKIT_LIMIT_CPU"))
    lim(resource.RLIMIT_FSIZE, os.environ.get("GRADKIT_LIMIT_FSIZE"))
    lim(resource.RLIMIT_CORE, 0)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _send(fd: int, message: dict) -> None:
    try:
        data = json.dumps(message, allow_nan=True).encode("utf-8")
    except (TypeError, ValueError) as exc:
        data = json.dumps({"ok": False, "error": {"type": "BadResult", "message": str(exc)[:300],
                                                  "traceback": ""}}).encode("utf-8")
    if len(data) > MAX_FRAME:
        data = json.dumps({"ok": False, "error": {"type": "ResultTooLarge", "traceback": "",
                                                  "message": f"the result is {len(data)} bytes of data"}}).encode()
    payload = struct.pack(">Q", len(data)) + data
    while payload:
        written = os.write(fd, payload)
        payload = payload[written:]


def main() -> None:
    sys.path.insert(0, sys.argv[1])
    import numpy  # noqa: F401  (loaded before the limits bite and before student code)
    import protocol

    sys.path.remove(sys.argv[1])
    requests, responses = os.dup(0), os.dup(1)
    capture = os.open("output.txt", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(capture, 1)
    os.dup2(capture, 2)
    _limits()
    sys.meta_path.insert(0, _Blocker)
    invoker = protocol.Invoker()
    _send(responses, {"ok": True, "ready": True})
    while True:
        try:
            (size,) = struct.unpack(">Q", _read_exact(requests, 8))
            request = json.loads(_read_exact(requests, size))
        except EOFError:
            os._exit(0)
        op = request.get("op")
        if op == "load":
            response = invoker.load(request["module"], request["path"])
        elif op == "call":
            response = invoker.call(request)
        elif op == "drop":
            invoker.drop(request.get("ids", []))
            response = {"ok": True}
        else:
            response = {"ok": False, "error": {"type": "BadRequest", "message": str(op), "traceback": ""}}
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
        _send(responses, response)


if __name__ == "__main__":
    main()

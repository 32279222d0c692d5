"""What crosses between a check and a student's function: plain data, never pickle.

This module imports nothing but the standard library and NumPy, because it is loaded on both
sides: by the checks (the judge) and by the process that runs student code (the runner, see
``autograder/sandbox/runner.py``), and by a student's own ``pytest`` through the same code path.

Codec
    ``encode`` turns None, bool, int, float, str, list, tuple, dict (str keys) and numeric NumPy
    arrays and scalars (dtype kinds b, i, u, f, c) into JSON-ready values; arrays travel as
    ``{"__nd__": [dtype, shape, base64 bytes]}``. ``decode`` is the inverse and validates
    everything it reads (dtype kind, shape, byte count, nesting depth), so a lying runner can
    at worst send wrong numbers. Anything else a student returns becomes ``Opaque`` (its type
    name and a short repr), which every comparison rejects with a message.

Handles and recipes
    Two arguments are not plain data. Batch norm's ``cache`` stays in the student process:
    the call asks to ``keep`` some items of the result, and the check only sees a ``Handle``.
    A ``Recipe`` is the plain-data description of an object built on the student's side
    (a ``numpy.random.Generator`` from a seed, a gradient function from a matrix).

Views
    A call may ask for its result to be turned into plain data on the student's side by one of
    ``VIEWS``: "figure" (a matplotlib Figure's axes and lines), "ties" (the result, and which of
    its arrays share memory with the arguments', found by writing into them).

Invoker
    ``Invoker`` loads student modules by path (never through ``sys.path``) and calls one
    function with warnings recorded, NumPy's error state reset, and the array arguments
    compared before and after to detect in-place modification.
"""

from __future__ import annotations

import ast
import base64
import json
import linecache
import math
import os
import select
import struct
import sys
import threading
import time
import traceback
import types
import warnings

import numpy as np

try:
    from .bounds import check_size
except ImportError:  # the runner loads this file alone, not as part of gradkit, and never parses
    check_size = None

MAX_DEPTH = 32
BLOBS = "__blobs__"  # key of the raw-bytes side channel in a request/response dict (never JSON)
ARRAY_KINDS = "biufc"


class ProtocolError(ValueError):
    """A message that is not well-formed plain data."""


class Handle:
    """An object kept in the student process; the judge only holds its number."""

    __slots__ = ("id",)

    def __init__(self, id: int):
        self.id = int(id)

    def __repr__(self) -> str:
        return f"<object kept in the student process #{self.id}>"


class Opaque:
    """Something a student returned that is not plain data (a type name and a short repr)."""

    __slots__ = ("type_name", "text")

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = str(type_name)[:200], str(text)[:300]

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"


def _rng(seed):
    return np.random.default_rng(int(seed))


def _quadratic(A, b):
    """grad of J(x) = 1/2 x.A x - b.x  is  A x - b."""
    A, b = np.array(A, dtype=float), np.array(b, dtype=float)

    def grad_fn(x):
        return A @ np.asarray(x, dtype=float) - b

    return grad_fn


def _rosenbrock(a=1.0, b=100.0):
    """grad of J(x, y) = (a - x)^2 + b (y - x^2)^2, applied to consecutive pairs of entries."""

    def grad_fn(x):
        x = np.asarray(x, dtype=float)
        g = np.zeros_like(x)
        x0, x1 = x[:-1], x[1:]
        g[:-1] += -2 * (a - x0) - 4 * b * x0 * (x1 - x0**2)
        g[1:] += 2 * b * (x1 - x0**2)
        return g

    return grad_fn


RECIPES = {"rng": _rng, "quadratic": _quadratic, "rosenbrock": _rosenbrock}


class Recipe:
    """Plain-data description of an argument that is built where the student code runs."""

    __slots__ = ("kind", "params")

    def __init__(self, kind: str, **params):
        if kind not in RECIPES:
            raise ProtocolError(f"unknown recipe {kind!r}")
        self.kind, self.params = kind, params

    def build(self):
        return RECIPES[self.kind](**self.params)

    def __repr__(self) -> str:
        if self.kind == "rng":
            return f"np.random.default_rng({self.params['seed']})"
        return f"{self.kind} gradient function"


BLOB_MIN = 2048  # arrays of at least this many bytes travel as raw bytes beside the JSON (see pack_frame)


def encode(obj, keep_handle=None, depth: int = 0, blobs: list | None = None):
    """Plain-data form of ``obj`` (JSON-ready). With a ``blobs`` list, large arrays are appended
    to it as raw bytes and referenced by index (``{"__nb__": [dtype, shape, index]}``)."""
    if depth > MAX_DEPTH:
        return {"__opaque__": ["nested too deeply", ""]}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return float(obj)
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.array(obj, copy=True, subok=False)
        if arr.dtype.kind not in ARRAY_KINDS:
            return {"__opaque__": [f"array of dtype {arr.dtype}", ""]}
        if blobs is not None and arr.nbytes >= BLOB_MIN and not isinstance(obj, np.generic):
            blobs.append(arr.tobytes())
            return {"__nb__": [arr.dtype.str, list(arr.shape), len(blobs) - 1]}
        data = base64.b64encode(arr.tobytes()).decode("ascii")
        tag = "__np__" if isinstance(obj, np.generic) else "__nd__"
        return {tag: [arr.dtype.str, list(arr.shape), data]}
    if isinstance(obj, Handle):
        return {"__handle__": obj.id}
    if isinstance(obj, Recipe):
        return {"__recipe__": [obj.kind, encode(obj.params, keep_handle, depth + 1, blobs)]}
    if isinstance(obj, Opaque):
        return {"__opaque__": [obj.type_name, obj.text]}
    if type(obj) is tuple:
        return {"__tuple__": [encode(x, keep_handle, depth + 1, blobs) for x in obj]}
    if type(obj) is list:
        return [encode(x, keep_handle, depth + 1, blobs) for x in obj]
    if type(obj) is dict and all(type(k) is str for k in obj):
        return {"__dict__": {k: encode(v, keep_handle, depth + 1, blobs) for k, v in obj.items()}}
    try:
        text = repr(obj)
    except BaseException:  # a student's __repr__ may raise anything
        text = "(repr failed)"
    return {"__opaque__": [type(obj).__name__, text]}


def _decode_array(spec, scalar: bool, blobs=None):
    if not (isinstance(spec, list) and len(spec) == 3):
        raise ProtocolError("malformed array")
    dtype_str, shape, data = spec
    if blobs is not None and type(data) is int:  # a raw blob beside the JSON
        if not 0 <= data < len(blobs):
            raise ProtocolError("array refers to a missing blob")
        data = blobs[data]
    elif not isinstance(data, str):
        raise ProtocolError("malformed array")
    if not isinstance(dtype_str, str) or not isinstance(shape, list):
        raise ProtocolError("malformed array")
    dtype = np.dtype(dtype_str)
    if dtype.kind not in ARRAY_KINDS or dtype.hasobject:
        raise ProtocolError(f"array dtype {dtype} is not plain data")
    if not all(type(n) is int and n >= 0 for n in shape) or len(shape) > 32:
        raise ProtocolError("malformed array shape")
    raw = data if isinstance(data, bytes) else base64.b64decode(data.encode("ascii"), validate=True)
    if len(raw) != math.prod(shape) * dtype.itemsize:
        raise ProtocolError("array byte count does not match its shape")
    arr = np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if scalar:
        if shape != []:
            raise ProtocolError("scalar with a shape")
        return arr[()]
    return arr


def decode(obj, resolve_handle=None, build_recipes: bool = False, depth: int = 0, blobs=None):
    """Inverse of ``encode``; rejects anything that is not plain data with ProtocolError."""
    if depth > MAX_DEPTH + 1:
        raise ProtocolError("nested too deeply")
    if obj is None or isinstance(obj, (bool, str, float)):
        return obj
    if isinstance(obj, int):
        return obj
    if isinstance(obj, list):
        return [decode(x, resolve_handle, build_recipes, depth + 1, blobs) for x in obj]
    if not isinstance(obj, dict) or len(obj) != 1:
        raise ProtocolError("not plain data")
    (tag, body), = obj.items()
    if tag == "__nd__":
        return _decode_array(body, scalar=False)
    if tag == "__nb__" and blobs is not None:
        return _decode_array(body, scalar=False, blobs=blobs)
    if tag == "__np__":
        return _decode_array(body, scalar=True)
    if tag == "__tuple__" and isinstance(body, list):
        return tuple(decode(x, resolve_handle, build_recipes, depth + 1, blobs) for x in body)
    if tag == "__dict__" and isinstance(body, dict):
        return {str(k): decode(v, resolve_handle, build_recipes, depth + 1, blobs) for k, v in body.items()}
    if tag == "__handle__" and type(body) is int:
        return resolve_handle(body) if resolve_handle else Handle(body)
    if tag == "__recipe__" and isinstance(body, list) and len(body) == 2:
        params = decode(body[1], resolve_handle, build_recipes, depth + 1, blobs)
        if not isinstance(params, dict):
            raise ProtocolError("malformed recipe")
        recipe = Recipe(str(body[0]), **params)
        return recipe.build() if build_recipes else recipe
    if tag == "__opaque__" and isinstance(body, list) and len(body) == 2:
        return Opaque(body[0], body[1])
    raise ProtocolError(f"unknown tag {tag!r}")


def describe_figure(fig, inputs=None) -> dict:
    """A matplotlib Figure as plain data: per Axes its scales, labels and lines (x, y, label) (the
    call's ``inputs`` are not needed)."""
    axes = []
    for ax in fig.get_axes():
        lines = [{"x": np.asarray(ln.get_xdata(), dtype=float), "y": np.asarray(ln.get_ydata(), dtype=float),
                  "label": str(ln.get_label())} for ln in ax.get_lines()]
        axes.append({"xscale": ax.get_xscale(), "yscale": ax.get_yscale(), "xlabel": ax.get_xlabel(),
                     "ylabel": ax.get_ylabel(), "title": ax.get_title(), "lines": lines,
                     "legend": ax.get_legend() is not None})
    return {"type": type(fig).__name__, "axes": axes}


def _arrays(obj, path: str, depth: int = 0):
    """(path, array) for every NumPy array in nested lists, tuples and dicts."""
    if isinstance(obj, np.ndarray):
        yield path, obj
    elif depth < MAX_DEPTH and isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _arrays(v, f"{path}[{i}]", depth + 1)
    elif depth < MAX_DEPTH and isinstance(obj, dict):
        for k, v in obj.items():
            yield from _arrays(v, f"{path}[{k!r}]", depth + 1)


def _seen_through(target: np.ndarray, others: list) -> list[int]:
    """Indices of ``others`` that change while every entry of ``target`` is overwritten (it is
    restored afterwards); [] when ``target`` cannot be written."""
    if not target.flags.writeable or target.size == 0:
        return []
    before, old = [np.array(o, copy=True) for o in others], np.array(target, copy=True)
    target[...] = np.where(old == 0, 1, 0)  # differs from the old value in every entry
    seen = [i for i, (o, b) in enumerate(zip(others, before)) if not np.array_equal(o, b, equal_nan=True)]
    target[...] = old
    return seen


def describe_ties(value, inputs: dict) -> dict:
    """The result, and which of its arrays are tied to an argument's: writing into one changes
    the other (the same array, or a view of it). Each array of the result is overwritten in
    turn, then each array of the arguments, and restored. ``{"value": value, "tied":
    [[result path, argument path], ...]}``, paths such as ``result[0]['W']``."""
    mine = list(_arrays(value, "result"))
    given = [item for name, v in inputs.items() for item in _arrays(v, name)]
    tied = set()
    for i, (_, r) in enumerate(mine):
        tied.update((i, j) for j in _seen_through(r, [a for _, a in given]))
    for j, (_, a) in enumerate(given):
        tied.update((i, j) for i in _seen_through(a, [r for _, r in mine]))
    return {"value": value, "tied": [[mine[i][0], given[j][0]] for i, j in sorted(tied)]}


VIEWS = {"figure": describe_figure, "ties": describe_ties}  # each view(value, inputs): inputs = the call's arguments


def _copy(v):
    """A copy of an array argument, or of a list of arrays (clipping takes lists), else None."""
    if isinstance(v, np.ndarray):
        return np.array(v, copy=True)
    if type(v) is list and all(isinstance(x, np.ndarray) for x in v):
        return [np.array(x, copy=True) for x in v]
    return None


def _same(old, new) -> bool:
    if isinstance(old, list):
        return (type(new) is list and len(old) == len(new)
                and all(_same(o, n) for o, n in zip(old, new)))
    return old.shape == np.shape(new) and np.array_equal(old, np.asarray(new), equal_nan=True)


def _snapshot(values):
    return [_copy(v) for v in values]


def _changed(before, values) -> list[int]:
    out = []
    for i, (old, new) in enumerate(zip(before, values)):
        if old is None:
            continue
        try:
            same = _same(old, new)
        except Exception:
            same = False
        if not same:
            out.append(i)
    return out


def describe_exception(exc: BaseException, student_file: str | None) -> dict:
    """Type, message and the traceback frames that lie in the student's own file."""
    frames = traceback.extract_tb(exc.__traceback__)
    if student_file:
        frames = [f for f in frames if f.filename == student_file] or frames[-1:]
    lines = traceback.format_list(frames)
    if isinstance(exc, SyntaxError) and exc.lineno:
        caret = " " * max(0, (exc.offset or 1) - 1) + "^"
        lines = [f"  line {exc.lineno}: {(exc.text or '').rstrip()}\n  line {exc.lineno}: {caret}\n"]
    if student_file:
        lines = [ln.replace(student_file, student_file.rsplit("/", 1)[-1]) for ln in lines]
    try:
        message = str(exc)
    except BaseException:
        message = "(str() of the exception failed)"
    return {"type": type(exc).__name__, "message": message[:2000], "traceback": "".join(lines)[-4000:]}


class Invoker:
    """Loads student modules and calls their functions; lives wherever student code runs."""

    def __init__(self):
        self.modules: dict[str, object] = {}
        self.files: dict[str, str] = {}
        self.handles: dict[int, object] = {}
        self._next = 1

    def keep(self, obj) -> int:
        self._next += 1
        self.handles[self._next] = obj
        return self._next

    def _resolve(self, hid: int):
        if hid not in self.handles:
            raise ProtocolError(f"object #{hid} is gone (the student process was restarted)")
        return self.handles[hid]

    def load(self, name: str, path: str | None = None, source: bytes | None = None,
             filename: str | None = None) -> dict:
        """Import a student module from the file at ``path``, or from ``source`` (bytes, compiled
        as if read from ``filename``); never through sys.path."""
        filename = filename or path
        try:
            if source is None:
                with open(path, "rb") as fh:
                    source = fh.read()
            module = types.ModuleType(f"student_{name}")
            module.__file__ = filename
            code = compile(source, filename, "exec", dont_inherit=True)
            text = source.decode("utf-8", "replace")
            linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exec(code, module.__dict__)
        except BaseException as exc:  # SyntaxError, SystemExit, anything at import
            return {"ok": False, "error": describe_exception(exc, filename)}
        self.modules[name], self.files[name] = module, filename
        return {"ok": True}

    def _function(self, name: str, fname: str):
        module = self.modules.get(name)
        func = getattr(module, fname, None) if module is not None else None
        if not callable(func):
            raise LookupError(f"{name}.py defines no function {fname}()")
        return func

    def _decode_args(self, request: dict):
        blobs = request.get(BLOBS)
        args = decode(request.get("args", []), self._resolve, build_recipes=True, blobs=blobs)
        kwargs = decode(request.get("kwargs", {"__dict__": {}}), self._resolve, build_recipes=True, blobs=blobs)
        return list(args), kwargs

    def _run(self, name: str, func, args: list, kwargs: dict, request: dict) -> tuple[dict, object]:
        """Call ``func``; returns (response without "value", the raw value or None on error)."""
        before = _snapshot(args + list(kwargs.values()))
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with np.errstate(all="warn", under="ignore"):
                    value = func(*args, **kwargs)
        except BaseException as exc:  # includes SystemExit and KeyboardInterrupt from student code
            return {"ok": False, "error": describe_exception(exc, self.files.get(name))}, None
        view = request.get("view")
        if view is not None:
            try:
                names = [f"argument {i + 1}" for i in range(len(args))] + list(kwargs)
                value = VIEWS[view](value, dict(zip(names, args + list(kwargs.values()))))
            except BaseException as exc:
                return {"ok": False, "error": {"type": "WrongType", "traceback": "",
                                               "message": f"the result is not a {view} ({type(value).__name__}: {exc})"}}, None
        keep = request.get("keep") or []
        if keep and isinstance(value, tuple):
            value = tuple(Handle(self.keep(v)) if i in keep else v for i, v in enumerate(value))
        elif keep and keep == [-1]:
            value = Handle(self.keep(value))
        mutated = _changed(before, args + list(kwargs.values()))
        names = [f"argument {i + 1}" for i in range(len(args))] + list(kwargs)
        return {"ok": True, "warnings": [f"{w.category.__name__}: {w.message}"[:300] for w in caught[:20]],
                "mutated": [names[i] for i in mutated]}, value

    def call(self, request: dict) -> dict:
        """Run ``request = {module, function, args, kwargs, keep, view}``; the response is plain data."""
        try:
            func = self._function(request["module"], request["function"])
            args, kwargs = self._decode_args(request)
        except LookupError as exc:
            return {"ok": False, "error": {"type": "MissingFunction", "message": str(exc), "traceback": ""}}
        except ProtocolError as exc:
            return {"ok": False, "error": {"type": "LostObject", "message": str(exc), "traceback": ""}}
        response, value = self._run(request["module"], func, args, kwargs, request)
        if response["ok"]:
            response[BLOBS] = []
            response["value"] = encode(value, blobs=response[BLOBS])
        return response

    def chain(self, request: dict) -> dict:
        """Several calls of one function in one request, each fed by the previous one's result.

        ``request["steps"]`` lists each call's own arguments; ``request["feed"]`` is a list of
        ``[argument index, result index]``: from the second call on, that argument is the
        previous call's result item. The chain stops at the first error, or when a fed item is
        an array (of shape ``request["fed_shape"]`` when given; the judge then reports that
        step). Response: ``{"ok": True, "results": [response, ...]}``, the last one possibly
        an error. This saves a round trip per step for loops such as optimizer trajectories.
        """
        name = request["module"]
        try:
            func = self._function(name, request["function"])
            steps = [self._decode_args(dict(step, **{BLOBS: request.get(BLOBS)})) for step in request["steps"]]
        except LookupError as exc:
            return {"ok": False, "error": {"type": "MissingFunction", "message": str(exc), "traceback": ""}}
        except ProtocolError as exc:
            return {"ok": False, "error": {"type": "LostObject", "message": str(exc), "traceback": ""}}
        feed = [(int(a), int(r)) for a, r in request.get("feed", [])]
        results, previous, blobs = [], None, []
        for k, (args, kwargs) in enumerate(steps):
            if k:
                for a, r in feed:
                    args[a] = previous[r]
            response, value = self._run(name, func, args, kwargs, request)
            if response["ok"]:
                response["value"] = encode(value, blobs=blobs)
            results.append(response)
            if not response["ok"]:
                break
            shape = request.get("fed_shape")
            if not (isinstance(value, (tuple, list)) and all(
                    r < len(value) and isinstance(value[r], np.ndarray)
                    and (shape is None or list(value[r].shape) == list(shape)) for _, r in feed)):
                break
            previous = value
        return {"ok": True, "results": results, BLOBS: blobs}

    def handle(self, request: dict) -> dict:
        """Dispatch one request (load, call, chain, drop); used by the runner and in-process."""
        op = request.get("op")
        if op == "load":
            source = request.get("source")
            return self.load(request["module"], request.get("path"),
                             base64.b64decode(source) if isinstance(source, str) else None, request.get("filename"))
        if op == "call":
            return self.call(request)
        if op == "chain":
            return self.chain(request)
        if op == "drop":
            self.drop(request.get("ids", []))
            return {"ok": True}
        return {"ok": False, "error": {"type": "BadRequest", "message": str(op)[:100], "traceback": ""}}

    def drop(self, ids) -> None:
        for hid in ids:
            self.handles.pop(hid, None)


def prepare_chain(module: str, function: str, steps, kwargs, feed, fed_shape=None) -> dict:
    """A chain request: ``steps`` is a list of argument tuples (fed arguments may be None)."""
    blobs: list = []
    return {"op": "chain", "module": module, "function": function,
            "steps": [{"args": encode(list(args), blobs=blobs), "kwargs": encode(dict(kwargs), blobs=blobs)}
                      for args in steps],
            "feed": [list(f) for f in feed], "fed_shape": None if fed_shape is None else list(fed_shape),
            BLOBS: blobs}


def prepare_request(module: str, function: str, args, kwargs, keep=(), view=None) -> dict:
    """The judge's side of a call: plain data only. ``keep``: result items to leave in the
    student process (as handles); ``view``: a name in VIEWS to turn the result into plain data."""
    blobs: list = []
    return {"op": "call", "module": module, "function": function, "args": encode(list(args), blobs=blobs),
            "kwargs": encode(dict(kwargs), blobs=blobs), "keep": list(keep), "view": view, BLOBS: blobs}


def read_exact(fd: int, n: int, deadline: float | None = None) -> bytes:
    """Exactly ``n`` bytes from ``fd`` (blocking or not); EOFError if it closes, TimeoutError
    past ``deadline`` (a time.monotonic() value; None waits for ever)."""
    chunks = []
    while n:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        try:
            chunk = os.read(fd, min(n, 1 << 20))
        except BlockingIOError:
            continue
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def pack_frame(message: dict) -> bytes:
    """One message on the wire: lengths, the JSON (without its blobs), then each raw blob.

    Layout: 8-byte JSON length, 8-byte blob count, the JSON, then per blob an 8-byte length
    and the bytes (all big-endian). Raw bytes are only ever read back as numeric arrays.
    """
    blobs = message.pop(BLOBS, None) or []
    data = json.dumps(message, allow_nan=True).encode("utf-8")
    parts = [struct.pack(">QQ", len(data), len(blobs)), data]
    for b in blobs:
        parts += [struct.pack(">Q", len(b)), b]
    return b"".join(parts)


def unpack_frame(read_exact, max_json: int, max_blobs: int | None = None) -> dict:
    """Read one ``pack_frame`` message with ``read_exact(n) -> bytes``; blobs under ``BLOBS``.

    Bounded before anything is read or parsed: at most ``max_json`` bytes of JSON and
    ``max_blobs`` bytes of blobs in all (default ``max_json``), at most one blob per 8 bytes
    allowed; JSON nested too deep for the parser is refused. ProtocolError otherwise."""
    max_blobs = max_json if max_blobs is None else max_blobs
    size, count = struct.unpack(">QQ", read_exact(16))
    if size > max_json or count > max(1, max_blobs // 8):
        raise ProtocolError(f"frame too large ({size} bytes of JSON, {count} blobs)")
    try:
        message = json.loads(read_exact(size))
    except (RecursionError, MemoryError) as exc:
        raise ProtocolError(f"malformed frame ({type(exc).__name__})")
    blobs, total = [], 0
    for _ in range(count):
        (n,) = struct.unpack(">Q", read_exact(8))
        total += n
        if total > max_blobs:
            raise ProtocolError(f"frame too large (more than {max_blobs} bytes of blobs)")
        blobs.append(read_exact(n))
    if isinstance(message, dict):
        message[BLOBS] = blobs
    return message


if __name__ == "__main__":  # pragma: no cover
    sys.exit("protocol.py is a library; the runner is autograder/sandbox/runner.py")


# --- the NumPy-only rule ------------------------------------------------------------------------
# Shared by the grader (autograder/grade.py), a student's pytest (pytest_plugin.LocalSession) and
# the notebook check (notebook.check), so all three refuse the same code with the same words.

FORBIDDEN = ("torch", "tensorflow", "jax", "jaxlib", "keras")
_IMPORTERS = ("__import__", "import_module")


def _imported_names(node) -> list[str]:
    """Module names one AST node imports: ``import a.b``, ``from a import b`` (absolute only),
    ``__import__("a")`` and ``importlib.import_module("a")`` with a literal name."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module] if node.module and node.level == 0 else []
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
            and isinstance(node.args[0].value, str):
        fn = node.func
        fname = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
        return [node.args[0].value] if fname in _IMPORTERS else []
    return []


_PARSING = threading.Lock()
PARSE_FAILURES = (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError, SystemError)


PARSED_KEPT = 8  # trees kept by parse_python: a file's readers parse it once


def parse_python(source, filename: str = "<unknown>"):
    """``ast.parse`` of ``source``, one thread at a time. CPython 3.11 keeps the depth counter of its
    AST conversion per interpreter, not per thread: two threads parsing at once can fail with
    "SystemError: AST constructor recursion depth mismatch" (seen when a judge thread parsed a
    deeply nested submission while another parsed a normal one). Raises what ast.parse raises;
    callers of student text catch PARSE_FAILURES.

    The trees of the last ``PARSED_KEPT`` texts are kept, so that the grader's readers of one file
    (the parser's limits, the framework-import rule, the reach notes, the calls between its
    functions) parse it once: callers read the tree and never change it.

    A text of more than ``bounds.MAX_TOKENS`` tokens is never parsed: ``bounds.SourceTooLarge`` (a
    ValueError) is raised instead, and every later call with it is refused without counting again."""
    with _PARSING:
        tree = _parsed.pop(source, None)
        if tree is None:
            check_size(source)
            tree = ast.parse(source, filename)
        _parsed[source] = tree  # the newest last
        while len(_parsed) > PARSED_KEPT:
            del _parsed[next(iter(_parsed))]
        return tree


_parsed: dict = {}  # source text -> its tree, oldest first (parse_python)


def forbidden_imports(source) -> list[str]:
    """'torch (line 3)'-style descriptions of deep-learning framework imports in ``source``
    (bytes or str). Source that does not parse, including source that exhausts the parser
    (RecursionError, MemoryError), gives [] : whoever runs it reports that failure itself."""
    try:
        tree = parse_python(source)
    except PARSE_FAILURES:
        return []
    found = []
    for node in ast.walk(tree):  # iterative: no recursion limit to hit
        found += [f"{n} (line {node.lineno})" for n in _imported_names(node) if n.split(".")[0] in FORBIDDEN]
    return found


def forbidden_in_namespace(namespace: dict) -> list[str]:
    """Framework modules reachable from a namespace (a notebook's globals): a module bound to a
    name (``import torch``, ``import torch.nn as nn``) or a function or class defined by one
    (``from torch import tensor``), as "torch (the name `nn`)"-style descriptions."""
    found = []
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue
        origin = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
        if isinstance(origin, str) and origin.split(".")[0] in FORBIDDEN:
            found.append(f"{origin} (the name `{name}`)")
    return found


def forbidden_message(where: str, findings: list[str]) -> str:
    """What the student is told when ``where`` (e.g. "activations.py") imports a framework."""
    return (f"{where} imports {', '.join(findings)}: the exercises must use NumPy only "
            "(torch is the reference, not a tool), so this assignment scores 0. Remove the import.")

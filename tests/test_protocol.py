"""The plain-data protocol: round trips, and refusal of anything that is not plain data."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradkit.protocol import Handle, Opaque, ProtocolError, Recipe, decode, encode

DTYPES = st.sampled_from([np.float64, np.float32, np.int64, np.int32, np.bool_, np.complex128, np.uint8])


@settings(max_examples=200, deadline=None)
@given(DTYPES.flatmap(lambda d: hnp.arrays(d, hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))))
def test_arrays_round_trip_through_json(arr):
    back = decode(json.loads(json.dumps(encode(arr))))
    assert isinstance(back, np.ndarray) and back.dtype == arr.dtype and back.shape == arr.shape
    assert np.array_equal(back, arr, equal_nan=arr.dtype.kind in "fc")


def test_containers_scalars_handles_recipes_round_trip():
    value = {"a": (1, 2.5, None, "s", [np.float32(1.5), np.array(3.0)]), "h": Handle(7),
             "r": Recipe("rng", seed=3)}
    back = decode(json.loads(json.dumps(encode(value))))
    assert back["a"][:4] == (1, 2.5, None, "s")
    assert isinstance(back["a"][4][0], np.float32) and back["a"][4][1].shape == ()
    assert isinstance(back["h"], Handle) and back["h"].id == 7
    assert isinstance(back["r"], Recipe)
    rng = decode(encode(Recipe("rng", seed=3)), build_recipes=True)
    assert rng.normal() == np.random.default_rng(3).normal()


def test_anything_else_becomes_opaque():
    class Lying(np.ndarray):
        def __eq__(self, other):
            return True

    out = decode(encode(object()))
    assert isinstance(out, Opaque) and out.type_name == "object"
    lying = np.arange(3.0).view(Lying)
    back = decode(encode(lying))
    assert type(back) is np.ndarray and not (back == np.zeros(3)).all()
    assert isinstance(decode(encode(np.array(["a"]))), Opaque)


@pytest.mark.parametrize("bad", [
    {"__nd__": ["|O", [1], "AAAAAAAAAAA="]},  # object dtype
    {"__nd__": ["<f8", [2], "AAAAAAAAAAA="]},  # byte count does not match the shape
    {"__nd__": ["<f8", [-1], ""]},
    {"__pickle__": "gASVAAAA"},
    {"a": 1, "b": 2},
    {"__recipe__": ["os.system", {"__dict__": {}}]},
])
def test_malformed_messages_are_refused(bad):
    with pytest.raises((ProtocolError, ValueError, TypeError)):
        decode(bad)


def test_the_readers_of_one_file_parse_it_once(monkeypatch):
    """The grader reads a student's file four ways (the parser's limits, the framework-import
    rule, the reach notes, the calls between its functions): one parse serves them all."""
    import ast
    import uuid

    from autograder.intake import student_text, submissions
    from gradkit import core, protocol

    parses = []
    real = ast.parse
    monkeypatch.setattr(ast, "parse", lambda *args, **kwargs: parses.append(1) or real(*args, **kwargs))
    source = (f"# {uuid.uuid4()}\nimport sys\nimport torch\n\ndef f(x):\n    return g(x) + len(sys.modules)\n\n\n"
              "def g(x):\n    return x\n").encode()
    student_text.parse_untrusted(source, "m.py")
    assert protocol.forbidden_imports(source) == ["torch (line 3)"]
    assert submissions.grader_reach(source) == ["sys.modules (line 6)"]
    assert core.calls_in_source(source) == {"f": {"g"}, "g": set()}
    assert len(parses) == 1

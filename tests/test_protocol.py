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

"""Public checks of __FOLDER__: each function against torch on inputs the student sees.

A factory (``scale_check``) builds a check from its name, points and inputs:
``scale_check("<function>: <aspect>", *, points, hidden=False, <inputs>)``. ``CHECKS`` below is a
table, one factory call per check, its literal name first (the name a report shows, so a grep finds
the row); the hidden checks (``hidden.py``) are rows of the same factory on other inputs.
Tolerances: ``close()`` without arguments follows the expected dtype (``compare.F64`` /
``compare.F32``, see gradkit/compare.py).
The points of the public and hidden checks of an assignment add up to 100.
"""

import numpy as np

from gradkit.compare import close
from gradkit.core import Case, Check, function_of
from gradkit.references import lazy

torch = lazy("torch")  # imported when a reference is computed (a stored answer needs no torch)

MODULE = "__MODULE__"  # the student's file: __MODULE__.py


def random_x(seed: int, shape: tuple, dtype=np.float64) -> np.ndarray:
    """Standard normal entries of ``shape`` and ``dtype``, reproducible from ``seed``."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _scale_reference(case: Case) -> np.ndarray:
    """torch's ``factor * x``, in float64, cast back to the input's dtype."""
    x = case.args[0]
    factor = case.kwargs.get("factor", 2.0)
    return (factor * torch.from_numpy(x.astype(np.float64))).numpy().astype(x.dtype)


def scale_check(name: str, *, points: float, hidden: bool = False, make_x, what: str, kwargs=None) -> Check:
    """``scale(x, **kwargs)`` against torch on ``make_x()`` (x of any shape, float32 or float64:
    ``factor * x``, same shape and dtype); the input must stay unmodified."""
    kwargs = dict(kwargs or {})
    return Check(
        name=name, function=function_of(name), points=points, hidden=hidden,
        title=f"scale matches torch on {what}" + (f" ({kwargs})" if kwargs else ""),
        hint="Return factor * x as a new array (never x *= factor), in x's dtype.",
        make_case=lambda: Case((make_x(),), kwargs, ("x",)), reference=_scale_reference,
        compare=close(unmodified=True),
    )


CHECKS = [
    scale_check("scale: values", points=60, make_x=lambda: random_x(0, (4, 5)), what="a 4x5 float64 input"),
]

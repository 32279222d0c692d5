"""Public checks of __FOLDER__: each function against torch on inputs the student sees.

A factory (``scale_check``) builds a check from its input and arguments; the public checks below
and the hidden ones (``hidden.py``) call it with other inputs. Tolerances: ``close()`` without
arguments follows the expected dtype (``compare.F64`` / ``compare.F32``, see gradkit/compare.py).
The points of the public and hidden checks of an assignment add up to 100.
"""

import numpy as np
import torch

from gradkit.compare import close
from gradkit.core import Case, Check

MODULE = "__MODULE__"  # the student's file: __MODULE__.py


def random_x(seed: int, shape: tuple, dtype=np.float64) -> np.ndarray:
    """Standard normal entries of ``shape`` and ``dtype``, reproducible from ``seed``."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _scale_reference(case: Case) -> np.ndarray:
    """torch's ``factor * x``, in float64, cast back to the input's dtype."""
    x = case.args[0]
    factor = case.kwargs.get("factor", 2.0)
    return (factor * torch.from_numpy(x.astype(np.float64))).numpy().astype(x.dtype)


def scale_check(points: float, make_x, *, name: str, what: str, hidden: bool = False, kwargs=None) -> Check:
    """scale(x, **kwargs) against torch on ``make_x()``; the input must stay unmodified."""
    kwargs = dict(kwargs or {})
    return Check(
        name=f"scale: {name}", function="scale", points=points, hidden=hidden,
        title=f"scale matches torch on {what}" + (f" ({kwargs})" if kwargs else ""),
        hint="Return factor * x as a new array (never x *= factor), in x's dtype.",
        make_case=lambda: Case((make_x(),), kwargs, ("x",)), reference=_scale_reference,
        compare=close(unmodified=True),
    )


CHECKS = [
    scale_check(60, lambda: random_x(0, (4, 5)), name="values", what="a 4x5 float64 input"),
]

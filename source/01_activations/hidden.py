"""Hidden checks of 01_activations: fresh inputs and non-default arguments (float32, 0-d and empty
arrays are public checks)."""

import numpy as np

from .checks import cross_entropy_check, random_logits, random_z, values_check

_FRESH = {  # function: (points, kwargs)
    "sigmoid": (1, {}), "sigmoid_derivative": (1, {}), "tanh_derivative": (1, {}), "relu": (1, {}),
    "relu_derivative": (1, {}), "leaky_relu": (2, {"negative_slope": 0.2}),
    "leaky_relu_derivative": (2, {"negative_slope": 0.2}), "elu": (2, {"alpha": 0.5}),
    "elu_derivative": (1, {"alpha": 2.0}), "selu": (2, {}), "selu_derivative": (1, {}),
}


def _elementwise():
    checks = []
    for i, (function, (points, kwargs)) in enumerate(_FRESH.items()):
        checks.append(values_check(function, points, lambda i=i: random_z(700 + i, (2, 3, 5), scale=4.0),
                                   name="fresh input", hidden=True, kwargs=kwargs, what="a 3-d input"))
    return checks


def _softmax():
    checks = []
    for function in ("softmax", "log_softmax"):
        checks.append(values_check(function, 1, lambda: random_z(812, (2, 3, 4), scale=5.0), name="fresh input",
                                   hidden=True, kwargs={"axis": 1}, what="a 3-d input, axis=1"))
    return checks


def _cross_entropy():
    checks = []
    for function in ("cross_entropy", "cross_entropy_grad"):
        checks.append(cross_entropy_check(function, 2, "fresh input",
                                          lambda: random_logits(822, 16, 7, scale=3.0, label_dtype=np.int32),
                                          hidden=True, what="16 samples, 7 classes, int32 labels"))
    return checks


CHECKS = _elementwise() + _softmax() + _cross_entropy()

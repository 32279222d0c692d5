"""Hidden checks of 06_gradient_clipping: fresh inputs, 0-d and empty arrays and empty lists for the
global norm, a general p, many tensors (float32 is a public check)."""

import numpy as np

from .checks import edge_check, global_check, normal_arrays, norm_check, value_check


def _value():
    return [
        value_check(4, "fresh input", lambda: normal_arrays(602, [(2, 3, 4, 2), (1,), (7, 3)], [0.1, 0.1, 0.1]),
                    0.05, what="a 4-d, a 1-element and a 2-d array with clip_value 0.05", hidden=True),
    ]


def _norm():
    return [
        norm_check(4, "fresh input", lambda: normal_arrays(604, [(3, 4, 5)], [1.0])[0], 0.5,
                   what="a 3-d gradient of norm ~7.7 with max_norm 0.5", hidden=True),
    ]


def _global():
    def edges():
        return [
            ("an empty list", ([], 1.0), {}),
            ("0-d and empty arrays", ([np.array(3.0), np.zeros((0,)), np.array([4.0, -5.0])], 1.0), {}),
            ("all-zero gradients", ([np.zeros((2, 2)), np.zeros(3)], 1.0), {}),
        ]

    def network():
        # weights and biases of a small MLP, the last layer's gradient much larger
        return normal_arrays(607, [(8, 4), (8,), (6, 8), (6,), (3, 6), (3,)], [0.5, 0.5, 1.0, 1.0, 4.0, 4.0])

    def fresh():
        return [("norm_type=2, max_norm 0.7", (network(), 0.7), {}),
                ("norm_type=inf, max_norm 0.3", (network(), 0.3), {"norm_type": float("inf")})]

    return [
        edge_check("clip_by_global_norm", 5, "empty list, 0-d, empty, zeros", edges,
                   title="clip_by_global_norm handles [], 0-d and empty arrays and all-zero gradients "
                         "(no warning) as torch",
                   hint="[] gives ([], 0.0); an empty array contributes nothing to the norm; with zero "
                        "gradients total = 0 and nothing is divided by 0.",
                   no_warnings=True, hidden=True),
        global_check(4, "norm_type=3", lambda: normal_arrays(606, [(4, 4), (3,)], [1.0, 1.0]), 0.5, 3.0,
                     what="a general p (norm_type=3), max_norm 0.5", hidden=True,
                     hint="For any p: total = (Σ |g|^p over all entries of all arrays)^(1/p)."),
        edge_check("clip_by_global_norm", 6, "fresh input", fresh,
                   title="clip_by_global_norm matches clip_grad_norm_ on the six gradients of a small MLP "
                         "(norm_type 2 and inf)", hidden=True),
    ]


CHECKS = _value() + _norm() + _global()

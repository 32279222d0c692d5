"""Hidden checks of 06_gradient_clipping: fresh inputs, float32, 0-d, empty arrays and empty lists,
a general p, many tensors."""

import numpy as np

from autograder.checks.clipping import edge_check, global_check, normal_arrays, norm_check, value_check


def _value():
    def edges():
        return [
            ("float32 arrays and an int clip_value",
             (normal_arrays(601, [(4, 3), (6,)], [3.0, 3.0], np.float32), 2), {}),
            ("0-d arrays", ([np.array(-3.5), np.array(0.25)], 1.0), {}),
            ("empty arrays", ([np.zeros((0, 3)), np.zeros((2, 0))], 1.0), {}),
            ("an empty list", ([], 1.0), {}),
        ]

    return [
        edge_check("clip_by_value", 4, "float32, 0-d, empty", edges,
                   title="clip_by_value keeps float32, handles 0-d and empty arrays and an empty list",
                   hint="Keep each array's float dtype and shape; [] gives []."),
        value_check(4, "fresh input", lambda: normal_arrays(602, [(2, 3, 4, 2), (1,), (7, 3)], [0.1, 0.1, 0.1]),
                    0.05, what="a 4-d, a 1-element and a 2-d array with clip_value 0.05", hidden=True),
    ]


def _norm():
    def edges():
        return [
            ("a float32 gradient", (normal_arrays(603, [(5, 4)], [3.0], np.float32)[0], 1.5), {}),
            ("a 0-d gradient", (np.array(-3.0), 2.0), {}),
            ("an empty gradient", (np.zeros((0, 4)), 1.0), {}),
        ]

    return [
        edge_check("clip_by_norm", 5, "float32, 0-d, empty", edges,
                   title="clip_by_norm keeps float32 and handles 0-d and empty arrays",
                   hint="Keep the input's float dtype and shape; the norm of a 0-d array is its |value|."),
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
        global_check(4, "float32", lambda: normal_arrays(605, [(5, 4), (3,)], [2.0, 2.0], np.float32), 1.0,
                     what="float32 gradients (results stay float32)", hidden=True),
        edge_check("clip_by_global_norm", 5, "empty list, 0-d, empty, zeros", edges,
                   title="clip_by_global_norm handles [], 0-d and empty arrays and all-zero gradients "
                         "(no warning) as torch",
                   hint="[] gives ([], 0.0); an empty array contributes nothing to the norm; with zero "
                        "gradients total = 0 and nothing is divided by 0.",
                   no_warnings=True),
        global_check(4, "norm_type=3", lambda: normal_arrays(606, [(4, 4), (3,)], [1.0, 1.0]), 0.5, 3.0,
                     what="a general p (norm_type=3), max_norm 0.5", hidden=True,
                     hint="For any p: total = (Σ |g|^p over all entries of all arrays)^(1/p)."),
        edge_check("clip_by_global_norm", 6, "fresh input", fresh,
                   title="clip_by_global_norm matches clip_grad_norm_ on the six gradients of a small MLP "
                         "(norm_type 2 and inf)"),
    ]


CHECKS = _value() + _norm() + _global()

"""Hidden checks of 06_gradient_clipping: fresh inputs, 0-d and empty arrays and empty lists for the
global norm, a general p, many tensors (float32 is a public check), the penalties on the weights of
a small MLP and the weight-decay step in float32."""

import numpy as np

from .checks import edge_check, global_check, layer_weights, normal_arrays, norm_check, penalty_check, sgd_check, value_check

MLP = [(8, 4), (8,), (6, 8), (6,), (3, 6), (3,)]  # weights and biases of a 4-8-6-3 network


def global_edges():
    return [
        ("an empty list", ([], 1.0), {}),
        ("0-d and empty arrays", ([np.array(3.0), np.zeros((0,)), np.array([4.0, -5.0])], 1.0), {}),
        ("all-zero gradients", ([np.zeros((2, 2)), np.zeros(3)], 1.0), {}),
    ]


def network():
    """The gradients of the small MLP, the last layer's much larger."""
    return normal_arrays(607, MLP, [0.5, 0.5, 1.0, 1.0, 4.0, 4.0])


def global_fresh():
    return [("norm_type=2, max_norm 0.7", (network(), 0.7), {}),
            ("norm_type=inf, max_norm 0.3", (network(), 0.3), {"norm_type": float("inf")})]


def mlp_weights():
    """The MLP's weights, five exact zeros in each array (as after pruning)."""
    return layer_weights(612, MLP, zeros=5)


CHECKS = [
    value_check("clip_by_value: fresh input", points=3,
                grads=lambda: normal_arrays(602, [(2, 3, 4, 2), (1,), (7, 3)], [0.1, 0.1, 0.1]),
                clip_value=0.05, what="a 4-d, a 1-element and a 2-d array with clip_value 0.05", hidden=True),
    norm_check("clip_by_norm: fresh input", points=3, grad=lambda: normal_arrays(604, [(3, 4, 5)], [1.0])[0],
               max_norm=0.5, what="a 3-d gradient of norm ~7.7 with max_norm 0.5", hidden=True),
    edge_check("clip_by_global_norm: empty list, 0-d, empty, zeros", points=4, calls=global_edges,
               title="clip_by_global_norm handles [], 0-d and empty arrays and all-zero gradients "
                     "(no warning) as torch",
               hint="[] gives ([], 0.0); an empty array contributes nothing to the norm; with zero "
                    "gradients total = 0 and nothing is divided by 0.",
               no_warnings=True, hidden=True),
    global_check("clip_by_global_norm: norm_type=3", points=3,
                 grads=lambda: normal_arrays(606, [(4, 4), (3,)], [1.0, 1.0]), max_norm=0.5, norm_type=3.0,
                 what="a general p (norm_type=3), max_norm 0.5", hidden=True,
                 hint="For any p: total = (Σ |g|^p over all entries of all arrays)^(1/p)."),
    edge_check("clip_by_global_norm: fresh input", points=5, calls=global_fresh,
               title="clip_by_global_norm matches clip_grad_norm_ on the six gradients of a small MLP "
                     "(norm_type 2 and inf)", hidden=True),
    penalty_check("l1_penalty: fresh input", points=1, weights=mlp_weights, lam=3e-4,
                  what="the six weight and bias arrays of a 4-8-6-3 MLP with exact zeros, lam 3e-4", hidden=True),
    penalty_check("l2_penalty: fresh input", points=1, weights=mlp_weights, lam=5e-4,
                  what="the six weight and bias arrays of a 4-8-6-3 MLP, lam 5e-4", hidden=True),
    sgd_check("l2_penalty: SGD step, float32", points=1,
              params=lambda: layer_weights(613, MLP, zeros=0, dtype=np.float32),
              grads=lambda: normal_arrays(614, MLP, [1.0] * 6, np.float32), lr=0.05, lam=0.02,
              what="the float32 parameters of a 4-8-6-3 MLP, lam 0.02", hidden=True),
]

"""Hidden checks of 03_signal_propagation: non-square layers, no layers, batches of one, empty
lists, integer scales, longer chains, deep and bottlenecked stacks to collapse, and the plot with
other arguments."""

import numpy as np

from .checks import (backward_check, chain_check, collapse_check, figure_check, forward_check, identity_stacks,
                     identity_weights_check, norms_check, random_arrays, random_stack)


def _grad(seed, x, weights):
    """A random dL/da_L of the right shape (batch, d_L)."""
    d_out = weights[-1].shape[0] if weights else x.shape[1]
    return np.random.default_rng(seed).normal(size=(x.shape[0], d_out))


def _with_grad(seed, stack, label):
    x, weights = stack
    return (x, weights, _grad(seed, x, weights), label)


CHECKS = [
    identity_weights_check("scaled_identity_weights: edge cases", points=3, sizes=[(0, 3, 1.5), (2, 3, 2), (1, 4, -0.5)],
                           hidden=True, what="no layers, an int scale (float64 all the same), a negative scale"),

    forward_check("linear_forward: non-square layers", points=3,
                  stacks=lambda: [(*random_stack(731, 3, (4, 6, 3, 5, 2)), "layers 4 -> 6 -> 3 -> 5 -> 2")],
                  hidden=True, what="4 random layers 4 -> 6 -> 3 -> 5 -> 2, batch 3"),
    forward_check("linear_forward: no layers, batch of one", points=3,
                  stacks=lambda: [(*random_stack(732, 1, (4,)), "no layers: [x]"),
                                  (*random_stack(733, 1, (3, 2)), "one 3 -> 2 layer, batch 1"),
                                  (*identity_stacks(734, (1.25,), (7,), batch=1, dim=4)[0],)],
                  hidden=True, what="an empty weight list, one layer, a batch of one"),

    backward_check("linear_backward: non-square layers", points=4,
                   stacks=lambda: [_with_grad(735, random_stack(736, 3, (4, 6, 3, 5, 2)),
                                              "layers 4 -> 6 -> 3 -> 5 -> 2")],
                   hidden=True, what="4 random layers 4 -> 6 -> 3 -> 5 -> 2, batch 3"),
    backward_check("linear_backward: no layers, one layer", points=4,
                   stacks=lambda: [_with_grad(737, random_stack(738, 2, (4,)), "no layers: ([], [grad_output])"),
                                   _with_grad(739, random_stack(740, 1, (3, 2)), "one 3 -> 2 layer, batch 1"),
                                   identity_stacks(741, (0.75,), (9,), batch=1, dim=2, grad=True)[0]],
                   hidden=True, what="an empty weight list, one layer, a batch of one"),

    collapse_check("collapse_linear: deep, bottlenecked and s·I stacks", points=2,
                   stacks=lambda: [(*random_stack(745, 2, (6,) * 11), "10 random 6x6 layers"),
                                   (*random_stack(746, 2, (1, 7, 1, 7)), "layers 1 -> 7 -> 1 -> 7"),
                                   (*identity_stacks(747, (1.5,), (20,))[0],)],
                   hidden=True, what="10 layers, a width-1 bottleneck, W = 1.5·I for 20 layers: 1.5^20·I"),

    norms_check("layer_norms: edge cases", points=3,
                lists=lambda: [([], "an empty list"),
                               ([np.zeros((0, 3)), np.array([[3, 4]]), np.full((2, 2, 2), -2.0)],
                                "an empty array, an int array, a 3-d array"),
                               (random_arrays(742, [(2, 5)] * 4, scale=1e-3) + random_arrays(743, [(2, 5)], scale=1e3),
                                "five (2, 5) arrays of very different sizes")],
                hidden=True, what="an empty list, an empty array, an int array, same-shape arrays"),

    chain_check("sigmoid_chain_gradient: long chain", points=2,
                zs=lambda: [(np.random.default_rng(744).uniform(-4, 4, 60), "60 layers, z in [-4, 4]")],
                hidden=True, what="60 layers"),
    chain_check("sigmoid_chain_gradient: empty and single", points=2,
                zs=lambda: [(np.array([]), "an empty chain: 1.0"), (np.array([0.3]), "one layer at z = 0.3"),
                            (np.array([-7.5]), "one layer at z = -7.5")],
                hidden=True, what="no layers and one layer"),

    figure_check("plot_signal_propagation: other arguments", points=5, aspects=("axes", "lines"),
                 calls=({"n_layers": 12, "dim": 3, "scales": (0.8, 1.25, 2.0, 0.3)},
                        {"n_layers": 1, "dim": 5, "scales": [1.1]}),
                 hidden=True),
]

"""Hidden checks of 07_deep_network: other activations, shapes and seeds; the experiments again on
another initialisation seed and another draw of the moons."""

import numpy as np

from .checks import (
    _grads, _logits, _sgd_runs, _small_net, _with_dlogits, activation_check, backward_check,
    clip_check, cross_entropy_check, experiments, forward_check, init_check, sgd_check,
)


def _derivative_large():
    z = np.array([-1000.0, -745.0, -300.0, -20.0, 0.0, 20.0, 300.0, 745.0, 1000.0])
    return [(z.copy(), a) for a in ("sigmoid", "tanh", "relu", "selu")]


def _forward_others():
    return [forward_check(1, f"{act}{', batch norm' if bn else ''}, other shapes",
                          _small_net(seed, act, dims, batch, bn=bn), hidden=True,
                          what=f"{act}{' with batch norm' if bn else ''}, dims {list(dims)}, batch {batch}")
            for seed, act, dims, batch, bn in ((61, "tanh", (5, 7, 3), 4, False),
                                              (62, "selu", (3, 9, 9, 9, 9, 2), 6, False),
                                              (63, "relu", (4, 6, 6, 5), 5, True))]


CHECKS = [
    activation_check("activation_derivative", 2, "large |z|", _derivative_large, no_warnings=True, hidden=True,
                     what="|z| up to 1e3, finite and warning-free"),
    init_check(2, "other dims and seeds",
               [([30, 120, 60], {"init": "glorot", "seed": 8, "gain": 2.0}),
                ([100, 40, 40, 10], {"init": "he", "seed": 9, "batchnorm": True}),
                ([40, 40, 60, 60], {"init": "identity", "gain": 0.5, "seed": 10})],
               hidden=True, what="glorot with gain 2, He with batch norm, identity with gain 0.5"),
    *_forward_others(),
    cross_entropy_check(2, "other batch", lambda: _logits(72, 7, 2), hidden=True, what="7 samples, 2 classes"),
    backward_check(2, "ReLU and SELU", _with_dlogits(_small_net(81, "relu", (3, 12, 12, 12, 12, 4), 9), 81),
                   hidden=True, what="ReLU, dims [3, 12, 12, 12, 12, 4], batch 9"),
    backward_check(2, "SELU, batch 1", _with_dlogits(_small_net(82, "selu", (6, 5, 4), 1), 82),
                   hidden=True, what="SELU, dims [6, 5, 4], batch 1"),
    backward_check(3, "batch norm, ReLU", _with_dlogits(_small_net(83, "relu", (4, 10, 10, 3), 12, bn=True), 83),
                   hidden=True, what="ReLU with batch norm, random gamma and beta"),
    clip_check(2, "other gradients", lambda: [(_grads(91, (6, 10, 10, 5), bn=True), 0.5),
                                             (_grads(92, (2, 3)), 100.0)],
               hidden=True, what="with batch norm's gamma and beta, max_norm 0.5; and max_norm 100 (no clipping)"),
    sgd_check(3, "longer, with batch norm", _sgd_runs(93, 8, bn=True), hidden=True,
              what="8 steps each, gamma and beta included"),
] + experiments(1, 5, hidden=True, points={"vanish": 3, "relu": 3, "selu": 2, "bn": 2, "clip": 3})


"""Hidden checks of 07_deep_network: other activations, shapes and seeds; freezing and unfreezing
in the order the notes give; the experiments again on another initialisation seed and another draw
of the data."""

import numpy as np

from .checks import (
    _grads, _logits, _sgd_runs, _small_net, _train_from, _transfer_inputs, _with_dlogits, activation_check,
    backward_check, batchnorm_rescue_check, clip_check, clip_experiment_check, cross_entropy_check, forward_check,
    init_check, relu_trains_check, selu_check, sgd_check, train_from_params_check, transfer_check,
    transfer_copies_check, transfer_experiment_check, vanishing_check,
)


def _derivative_large():
    z = np.array([-1000.0, -745.0, -300.0, -20.0, 0.0, 20.0, 300.0, 745.0, 1000.0])
    return [(z.copy(), a) for a in ("sigmoid", "tanh", "relu", "selu")]


# the notes' recipe: the reused layers frozen, then the top one unfrozen at a lower rate (it has no
# momentum buffer yet); and a layer frozen for a while keeps its buffer, as in torch
UNFREEZE = [((0, 1), None)] * 3 + [((0,), (1.0, 0.1, 1.0))] * 3
REFREEZE = [((), None)] * 2 + [((0,), None)] * 2 + [((), (0.5, 1.0, 1.0))] * 2
BN_TRANSFER = _transfer_inputs(72, [((5, 9, 9, 4), 2, (5, 9, 9, 3), 4), ((5, 9, 4), 0, (5, 9, 2), 5)], bn=True)

CHECKS = [
    activation_check("activation_derivative: large |z|", points=2, hidden=True, inputs=_derivative_large,
                     no_warnings=True, what="|z| up to 1e3, finite and warning-free"),
    init_check("init_params: other dims and seeds", points=1, hidden=True,
               cases=[([30, 120, 60], {"init": "glorot", "seed": 8, "gain": 2.0}),
                      ([100, 40, 40, 10], {"init": "he", "seed": 9, "batchnorm": True}),
                      ([40, 40, 60, 60], {"init": "identity", "gain": 0.5, "seed": 10})],
               what="glorot with gain 2, He with batch norm, identity with gain 0.5"),
    forward_check("forward: tanh, other shapes", points=1, hidden=True, make=_small_net(61, "tanh", (5, 7, 3), 4),
                  what="tanh, dims [5, 7, 3], batch 4"),
    forward_check("forward: selu, other shapes", points=1, hidden=True,
                  make=_small_net(62, "selu", (3, 9, 9, 9, 9, 2), 6), what="selu, dims [3, 9, 9, 9, 9, 2], batch 6"),
    forward_check("forward: relu, batch norm, other shapes", points=1, hidden=True,
                  make=_small_net(63, "relu", (4, 6, 6, 5), 5, bn=True),
                  what="relu with batch norm, dims [4, 6, 6, 5], batch 5"),
    cross_entropy_check("cross_entropy: other batch", points=1, hidden=True, make=lambda: _logits(72, 7, 2),
                        what="7 samples, 2 classes"),
    backward_check("backward: ReLU and SELU", points=2, hidden=True,
                   make=_with_dlogits(_small_net(81, "relu", (3, 12, 12, 12, 12, 4), 9), 81),
                   what="ReLU, dims [3, 12, 12, 12, 12, 4], batch 9"),
    backward_check("backward: SELU, batch 1", points=2, hidden=True,
                   make=_with_dlogits(_small_net(82, "selu", (6, 5, 4), 1), 82), what="SELU, dims [6, 5, 4], batch 1"),
    backward_check("backward: batch norm, ReLU", points=2, hidden=True,
                   make=_with_dlogits(_small_net(83, "relu", (4, 10, 10, 3), 12, bn=True), 83),
                   what="ReLU with batch norm, random gamma and beta"),
    clip_check("clip_by_global_norm: other gradients", points=2, hidden=True,
               cases=lambda: [(_grads(91, (6, 10, 10, 5), bn=True), 0.5), (_grads(92, (2, 3)), 100.0)],
               what="with batch norm's gamma and beta, max_norm 0.5; and max_norm 100 (no clipping)"),
    sgd_check("sgd_step: longer, with batch norm", points=2, hidden=True, runs=_sgd_runs(93, 8, bn=True),
              what="8 steps each, gamma and beta included"),
    sgd_check("sgd_step: unfreezing and refreezing", points=2, hidden=True,
              runs=_sgd_runs(94, 6, bn=True, schedules=[UNFREEZE, REFREEZE]),
              what="layers 1-2 frozen for 3 steps, then layer 2 at 0.1 x the rate; layer 1 frozen at steps "
                   "3-4 and back at 0.5 x the rate"),
    transfer_check("transfer_params: batch norm, nothing reused", points=1, hidden=True, cases=BN_TRANSFER,
                   what="batch-normalised layers, a new output layer; and n_reuse = 0"),
    transfer_copies_check("transfer_params: copies of batch norm's arrays", points=1, hidden=True,
                          cases=BN_TRANSFER, what="gamma and beta too"),
    train_from_params_check("train: given parameters, batch norm, clipping", points=1, hidden=True,
                            make=_train_from(65, (3, 10, 8, 3), "tanh", 40, bn=True, epochs=4, lr=0.2, momentum=0.8,
                                             nesterov=True, clip=0.5, frozen=[1], lr_scale=[0.5, 1.0, 2.0]),
                            what="tanh with batch norm, Nesterov, clip 0.5 on the layers not frozen, layer 2 frozen"),
    vanishing_check("train: sigmoid N(0,1) gradients vanish (seed 1, data seed 5)", points=2, hidden=True,
                    seed=1, data_seed=5),
    relu_trains_check("train: ReLU + He trains (seed 1, data seed 5)", points=2, hidden=True, seed=1, data_seed=5),
    selu_check("train: SELU + LeCun self-normalises (seed 1, data seed 5)", points=2, hidden=True, seed=1, data_seed=5),
    batchnorm_rescue_check("train: batch norm rescues sigmoid (seed 1, data seed 5)", points=2, hidden=True,
                           seed=1, data_seed=5),
    clip_experiment_check("train: clipping keeps 1.5·I finite (seed 1, data seed 5)", points=2, hidden=True,
                          seed=1, data_seed=5),
    transfer_experiment_check("train: reused layers beat training from scratch (seed 1, data seed 5)", points=2,
                              hidden=True, seed=1, data_seed=5),
]

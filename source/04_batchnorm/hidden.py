"""Hidden checks of 04_batchnorm: non-default momentum and eps, offset data, a batch of
one where torch accepts it, fresh shapes (W == C, so a per-channel vector that is not reshaped
broadcasts silently against the last axis instead of failing)."""

from .checks import LARGE_MEAN, Batch, backward_check, forward_check, one_value_check

EVAL = {"training": False}

CHECKS = [
    forward_check("batchnorm_forward: momentum and eps", points=5, hidden=True, inputs=Batch(901, (5, 4, 3, 4)),
                  kwargs={"momentum": 0.3, "eps": 1e-3}, hint="momentum_eps",
                  what="a (5, 4, 3, 4) batch in training with momentum=0.3, eps=1e-3"),
    forward_check("batchnorm_forward: evaluation, eps", points=3, hidden=True, inputs=Batch(902, (5, 3), scale=0.3),
                  kwargs={"training": False, "eps": 1e-2}, hint="momentum_eps",
                  what="a (5, 3) batch in evaluation with eps=1e-2"),
    forward_check("batchnorm_forward: large mean, small spread", points=4, hidden=True,
                  inputs=Batch(904, (16, 4), loc=1e4, scale=0.1), tol=LARGE_MEAN, hint="large_mean",
                  what="a (16, 4) batch of mean ~1e4 and spread ~0.1, training"),
    one_value_check("batchnorm_forward: one value per channel, (N, C, H, W)", points=4, hidden=True, calls=[
        ("training on a (1, 3, 1, 1) batch", Batch(905, (1, 3, 1, 1)), {}),
        ("training on a (1, 3, 2, 3) batch: N = 1 but M = 6", Batch(906, (1, 3, 2, 3)), {}),
    ], what="(1, 3, 1, 1) in training raises, (1, 3, 2, 3) does not"),
    backward_check("batchnorm_backward: evaluation, (N, C, H, W), eps", points=4, hidden=True,
                   inputs=Batch(911, (3, 4, 2, 5)), dout_seed=912, kwargs={"training": False, "eps": 1e-3},
                   hint="back_eval", what="a (3, 4, 2, 5) batch with eps=1e-3"),
    backward_check("batchnorm_backward: training, fresh (N, C, H, W)", points=4, hidden=True,
                   inputs=Batch(913, (5, 4, 3, 4)), dout_seed=914, hint="back4d", what="a (5, 4, 3, 4) batch"),
    backward_check("batchnorm_backward: training, eps", points=4, hidden=True, inputs=Batch(917, (10, 3), scale=0.3),
                   dout_seed=918, kwargs={"eps": 0.1}, hint="back_eps", what="a (10, 3) batch with eps=0.1"),
]

"""Hidden checks of 04_batchnorm: non-default momentum and eps, offset data, a batch of
one where torch accepts it, fresh shapes (W == C, so a per-channel vector that is not reshaped
broadcasts silently against the last axis instead of failing)."""

from .checks import LARGE_MEAN, backward_check, bn_inputs, forward_check, one_value_check

EVAL = {"training": False}

CHECKS = [
    forward_check("momentum and eps", 5, lambda: bn_inputs(901, (5, 4, 3, 4)),
                  kwargs={"momentum": 0.3, "eps": 1e-3}, hidden=True, hint="momentum_eps",
                  what="a (5, 4, 3, 4) batch in training with momentum=0.3, eps=1e-3"),
    forward_check("evaluation, eps", 3, lambda: bn_inputs(902, (5, 3), scale=0.3),
                  kwargs={"training": False, "eps": 1e-2}, hidden=True, hint="momentum_eps",
                  what="a (5, 3) batch in evaluation with eps=1e-2"),
    forward_check("large mean, small spread", 4, lambda: bn_inputs(904, (16, 4), loc=1e4, scale=0.1),
                  hidden=True, tol=LARGE_MEAN, hint="large_mean",
                  what="a (16, 4) batch of mean ~1e4 and spread ~0.1, training"),
    one_value_check("one value per channel, (N, C, H, W)", 4, [
        ("training on a (1, 3, 1, 1) batch", lambda: bn_inputs(905, (1, 3, 1, 1)), {}),
        ("training on a (1, 3, 2, 3) batch: N = 1 but M = 6", lambda: bn_inputs(906, (1, 3, 2, 3)), {}),
    ], hidden=True, what="(1, 3, 1, 1) in training raises, (1, 3, 2, 3) does not"),
    backward_check("evaluation, (N, C, H, W), eps", 4, lambda: bn_inputs(911, (3, 4, 2, 5)), 912,
                   kwargs={"training": False, "eps": 1e-3}, hidden=True, hint="back_eval",
                   what="a (3, 4, 2, 5) batch with eps=1e-3"),
    backward_check("training, fresh (N, C, H, W)", 4, lambda: bn_inputs(913, (5, 4, 3, 4)), 914,
                   hidden=True, hint="back4d", what="a (5, 4, 3, 4) batch"),
    backward_check("training, eps", 4, lambda: bn_inputs(917, (10, 3), scale=0.3), 918,
                   kwargs={"eps": 0.1}, hidden=True, hint="back_eps", what="a (10, 3) batch with eps=0.1"),
]

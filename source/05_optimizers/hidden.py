"""Hidden checks of 05_optimizers: a learning-rate schedule, other momenta, shapes and problems, and
ewma's edge cases (float32 is a public check)."""

from .checks import (ewma_check, ewma_edge_check, ewma_values, logcosh, lookahead_check,
                                          quadratic, rosenbrock, update_check)

# A step schedule like torch.optim.lr_scheduler.StepLR(step_size=20, gamma=0.3): the Keras velocity
# (v = βv − ηg) and a buffer that carries η (b = βb + ηg) give torch's path only while η is constant.
SCHEDULE = [0.01 * 0.3 ** (k // 20) for k in range(60)]
QUAD = quadratic(61, 10, 100.0)
LOGCOSH = logcosh(62, (4, 3))  # a 2-d parameter, not quadratic


def _updates():
    checks = []
    for function, pts in [("momentum_update", (4, 4)), ("nesterov_update", (3, 3))]:
        checks.append(update_check(function, pts[0], "learning-rate schedule", QUAD, SCHEDULE, 0.9, hidden=True,
                                   what=", lr 0.01 → 0.003 → 0.0009 every 20 steps"))
        checks.append(update_check(function, pts[1], "2-d parameter, momentum 0.5", LOGCOSH, [0.02] * 50, 0.5,
                                   hidden=True))
    return checks


def _lookahead():
    return [
        lookahead_check(4, "momentum 0.5", quadratic(64, 12, 50.0), 0.02, 0.5, 50, hidden=True),
        lookahead_check(3, "other Rosenbrock", rosenbrock([0.2, -0.4, 1.3, 0.9, -0.8], a=0.5, b=20.0), 1e-3, 0.8,
                        60, hidden=True),
    ]


def _ewma():
    return [
        ewma_check(4, "fresh input", lambda: ewma_values(66, (25, 2, 3)), 0.5, True, hidden=True,
                   what="values of shape (25, 2, 3)"),
        ewma_edge_check(3),
    ]


CHECKS = _updates() + _lookahead() + _ewma()

"""Hidden checks of 05_optimizers: a learning-rate schedule, other momenta, shapes and problems, float32,
and ewma's edge cases."""

import numpy as np

from autograder.checks.optimizers import (TRAJ32, ewma_check, ewma_edge_check, ewma_values, logcosh,
                                          lookahead_check, quadratic, rosenbrock, update_check)

# A step schedule like torch.optim.lr_scheduler.StepLR(step_size=20, gamma=0.3): the Keras velocity
# (v = βv − ηg) and a buffer that carries η (b = βb + ηg) give torch's path only while η is constant.
SCHEDULE = [0.01 * 0.3 ** (k // 20) for k in range(60)]
QUAD = quadratic(61, 10, 100.0)
LOGCOSH = logcosh(62, (4, 3))  # a 2-d parameter, not quadratic
# float32: 20 steps on a well-conditioned quadratic (condition number 10), torch run in float32.
QUAD32 = quadratic(63, 8, 10.0, dtype=np.float32)


def _updates():
    checks = []
    for function, pts in [("momentum_update", (4, 4, 3)), ("nesterov_update", (3, 3, 3))]:
        checks.append(update_check(function, pts[0], "learning-rate schedule", QUAD, SCHEDULE, 0.9, hidden=True,
                                   what=", lr 0.01 → 0.003 → 0.0009 every 20 steps"))
        checks.append(update_check(function, pts[1], "2-d parameter, momentum 0.5", LOGCOSH, [0.02] * 50, 0.5,
                                   hidden=True))
        checks.append(update_check(function, pts[2], "float32", QUAD32, [0.05] * 20, 0.9, hidden=True,
                                   what=" in float32 (results stay float32)", tol=TRAJ32))
    return checks


def _lookahead():
    return [
        lookahead_check(4, "momentum 0.5", quadratic(64, 12, 50.0), 0.02, 0.5, 50, hidden=True),
        lookahead_check(3, "other Rosenbrock", rosenbrock([0.2, -0.4, 1.3, 0.9, -0.8], a=0.5, b=20.0), 1e-3, 0.8,
                        60, hidden=True),
    ]


def _ewma():
    return [
        ewma_check(3, "float32", lambda: ewma_values(65, (30, 2), dtype=np.float32), 0.9, True, hidden=True,
                   what="float32 values of shape (30, 2) (the result stays float32)"),
        ewma_check(4, "fresh input", lambda: ewma_values(66, (25, 2, 3)), 0.5, True, hidden=True,
                   what="values of shape (25, 2, 3)"),
        ewma_edge_check(3),
    ]


CHECKS = _updates() + _lookahead() + _ewma()

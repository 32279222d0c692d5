"""Hidden checks of 05_optimizers: a learning-rate schedule, other momenta, shapes and problems, weight
decay on a 2-d parameter with another momentum, and ewma's edge cases (float32 is a public check)."""

from .checks import ewma_check, ewma_edge_check, logcosh, lookahead_check, quadratic, rosenbrock, update_check

# A step schedule like torch.optim.lr_scheduler.StepLR(step_size=20, gamma=0.3): the Keras velocity
# (v = βv − ηg) and a buffer that carries η (b = βb + ηg) give torch's path only while η is constant.
SCHEDULE = [0.01 * 0.3 ** (k // 20) for k in range(60)]
QUAD = quadratic(61, 10, 100.0)
LOGCOSH = logcosh(62, (4, 3))  # a 2-d parameter, not quadratic
STEPPED = ", lr 0.01 → 0.003 → 0.0009 every 20 steps"

CHECKS = [
    update_check("momentum_update: learning-rate schedule", points=3, hidden=True, problem=QUAD, lrs=SCHEDULE,
                 momentum=0.9, what=STEPPED),
    update_check("momentum_update: 2-d parameter, momentum 0.5", points=3, hidden=True, problem=LOGCOSH,
                 lrs=[0.02] * 50, momentum=0.5),
    update_check("momentum_update: weight decay, 2-d parameter", points=3, hidden=True, problem=LOGCOSH,
                 lrs=[0.02] * 30, momentum=0.8, weight_decay=0.2),
    update_check("nesterov_update: learning-rate schedule", points=3, hidden=True, problem=QUAD, lrs=SCHEDULE,
                 momentum=0.9, what=STEPPED),
    update_check("nesterov_update: 2-d parameter, momentum 0.5", points=3, hidden=True, problem=LOGCOSH,
                 lrs=[0.02] * 50, momentum=0.5),
    update_check("nesterov_update: weight decay, 2-d parameter", points=3, hidden=True, problem=LOGCOSH,
                 lrs=[0.02] * 30, momentum=0.8, weight_decay=0.2),
    lookahead_check("nesterov_lookahead_step: momentum 0.5", points=4, hidden=True, problem=quadratic(64, 12, 50.0),
                    lr=0.02, momentum=0.5, steps=50),
    lookahead_check("nesterov_lookahead_step: other Rosenbrock", points=3, hidden=True,
                    problem=rosenbrock([0.2, -0.4, 1.3, 0.9, -0.8], a=0.5, b=20.0), lr=1e-3, momentum=0.8, steps=60),
    ewma_check("ewma: fresh input", points=3, hidden=True, seed=66, shape=(25, 2, 3), beta=0.5, bias_correction=True,
               what="values of shape (25, 2, 3)"),
    ewma_edge_check("ewma: integer, one step, empty", points=3, hidden=True),
]

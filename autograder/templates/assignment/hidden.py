"""Hidden checks of __FOLDER__: the same properties on inputs and arguments students never see."""

import numpy as np

from .checks import random_x, scale_check

CHECKS = [
    scale_check(40, lambda: random_x(1, (3, 2, 7), np.float32), name="fresh float32 input", hidden=True,
                kwargs={"factor": -0.5}, what="a 3-d float32 input"),
]

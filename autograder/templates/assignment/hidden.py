"""Hidden checks of __FOLDER__: the same properties on inputs and arguments students never see."""

import numpy as np

from .checks import random_x, scale_check

CHECKS = [
    scale_check("scale: fresh float32 input", points=40, hidden=True,
                make_x=lambda: random_x(1, (3, 2, 7), np.float32), kwargs={"factor": -0.5}, what="a 3-d float32 input"),
]

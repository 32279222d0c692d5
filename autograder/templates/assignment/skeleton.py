"""__FOLDER__: one function to start from (replace it with the assignment's own).

Students implement, in NumPy, the functions of this module; the kit checks them against torch.
Write each function whole, with its solution between nbgrader's markers: the release keeps the
signature and the docstring and replaces the marked lines by ``raise NotImplementedError()``.
"""

import numpy as np


def scale(x, factor=2.0):
    """``factor * x`` as a new array of x's dtype; ``x`` is not modified.

    Shapes: any -> the same. float32 in, float32 out.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x)
    return (factor * x).astype(x.dtype, copy=False)
    ### END SOLUTION

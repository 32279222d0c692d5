"""Hidden checks of 01_activations: fresh inputs and non-default arguments (float32, 0-d and empty
arrays are public checks)."""

import numpy as np

from .checks import cross_entropy_check, random_logits, random_z, values_check

FRESH = (2, 3, 5)  # the shape of the elementwise "fresh input" rows (a 3-d input, scale 4)

CHECKS = [
    values_check("sigmoid: fresh input", points=1, z=random_z(700, FRESH, scale=4.0), hidden=True,
                 what="a 3-d input"),
    values_check("sigmoid_derivative: fresh input", points=1, z=random_z(701, FRESH, scale=4.0), hidden=True,
                 what="a 3-d input"),
    values_check("tanh_derivative: fresh input", points=1, z=random_z(702, FRESH, scale=4.0), hidden=True,
                 what="a 3-d input"),
    values_check("relu: fresh input", points=1, z=random_z(703, FRESH, scale=4.0), hidden=True, what="a 3-d input"),
    values_check("relu_derivative: fresh input", points=1, z=random_z(704, FRESH, scale=4.0), hidden=True,
                 what="a 3-d input"),
    values_check("leaky_relu: fresh input", points=2, z=random_z(705, FRESH, scale=4.0), hidden=True,
                 kwargs={"negative_slope": 0.2}, what="a 3-d input"),
    values_check("leaky_relu_derivative: fresh input", points=2, z=random_z(706, FRESH, scale=4.0), hidden=True,
                 kwargs={"negative_slope": 0.2}, what="a 3-d input"),
    values_check("elu: fresh input", points=2, z=random_z(707, FRESH, scale=4.0), hidden=True,
                 kwargs={"alpha": 0.5}, what="a 3-d input"),
    values_check("elu_derivative: fresh input", points=1, z=random_z(708, FRESH, scale=4.0), hidden=True,
                 kwargs={"alpha": 2.0}, what="a 3-d input"),
    values_check("selu: fresh input", points=2, z=random_z(709, FRESH, scale=4.0), hidden=True, what="a 3-d input"),
    values_check("selu_derivative: fresh input", points=1, z=random_z(710, FRESH, scale=4.0), hidden=True,
                 what="a 3-d input"),
    values_check("softmax: fresh input", points=1, z=random_z(812, (2, 3, 4), scale=5.0), hidden=True,
                 kwargs={"axis": 1}, what="a 3-d input, axis=1"),
    values_check("log_softmax: fresh input", points=1, z=random_z(812, (2, 3, 4), scale=5.0), hidden=True,
                 kwargs={"axis": 1}, what="a 3-d input, axis=1"),
    cross_entropy_check("cross_entropy: fresh input", points=2,
                        inputs=random_logits(822, 16, 7, scale=3.0, label_dtype=np.int32), hidden=True,
                        what="16 samples, 7 classes, int32 labels"),
    cross_entropy_check("cross_entropy_grad: fresh input", points=2,
                        inputs=random_logits(822, 16, 7, scale=3.0, label_dtype=np.int32), hidden=True,
                        what="16 samples, 7 classes, int32 labels"),
]

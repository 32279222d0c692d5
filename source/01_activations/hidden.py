"""Hidden checks of 01_activations: fresh inputs and non-default arguments (float32, 0-d and empty
arrays are public checks)."""

import numpy as np

from .checks import (channel_z, cross_entropy_check, prelu_check, random_logits, random_z, rrelu_training_check,
                     upstream, values_check)

FRESH = (2, 3, 5)  # the shape of the elementwise "fresh input" rows (a 3-d input, scale 4)
NCHW = (2, 4, 3, 3)  # PReLU's fresh input: a batch of 4-channel images
W4 = np.array([0.1, -0.2, 0.7, 2.0])

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
    cross_entropy_check("cross_entropy: fresh input", points=1,
                        inputs=random_logits(822, 16, 7, scale=3.0, label_dtype=np.int32), hidden=True,
                        what="16 samples, 7 classes, int32 labels"),
    cross_entropy_check("cross_entropy_grad: fresh input", points=1,
                        inputs=random_logits(822, 16, 7, scale=3.0, label_dtype=np.int32), hidden=True,
                        what="16 samples, 7 classes, int32 labels"),
    prelu_check("prelu: fresh input", points=1, inputs=[(channel_z(720, NCHW), W4)], hidden=True,
                what="a batch of 4-channel images (N, C, H, W)"),
    prelu_check("prelu_backward: fresh input", points=1, inputs=[(channel_z(721, NCHW), W4, upstream(722, NCHW))],
                hidden=True, what="a batch of 4-channel images (N, C, H, W)"),
    rrelu_training_check("rrelu: training, other range", points=1, seed=723, shape=(10, 50, 100), lower=0.05,
                         upper=0.5, hidden=True),
]

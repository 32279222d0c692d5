"""Hidden checks of 02_initialization: other shapes, kernels, gains, modes and slopes, 0-d shapes
and unknown names. Every sample keeps 40,000 <= n <= 2e5 (the tolerances' reasoning is in
checks.py beside this file)."""

import torch

from .checks import CONV_HINT, fans_check, gain_check, raises_check, stats_check

_FANS_GAIN = [
    fans_check(2, "fresh shapes", [(7, 3, 1, 1), (2, 9, 4, 1, 2), (3, 1), (1, 12, 5), (5, 2, 2, 2, 2, 2)],
               hidden=True, what="1x1 kernels, a 4-d kernel and unusual shapes"),
    raises_check("compute_fans", 1, "0-d shape", [(((),), {}, "shape=()")],
                 lambda s: torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(s)), hidden=True,
                 what="a 0-d shape"),
    gain_check(2, "leaky_relu edge params", [(("leaky_relu", 0), {}), (("leaky_relu", 1), {}),
                                             (("leaky_relu",), {"param": 0.0}), (("relu", 0.5), {}),
                                             (("tanh",), {"param": 2.0})],
               hidden=True, what="slope 0 (not the default), an int slope, and a param other names ignore"),
    raises_check("calculate_gain", 1, "unknown name", [(("softplus",), {}, "nonlinearity='softplus'")],
                 torch.nn.init.calculate_gain, hidden=True, what="an unsupported nonlinearity"),
]

_RANDOM = [
    stats_check("glorot_uniform", 3, "conv1d, gain=0.5", (160, 40, 9), {"gain": 0.5}, seed=113, hidden=True,
                hint=CONV_HINT),
    stats_check("glorot_normal", 3, "conv3d, gain=0.5", (40, 20, 4, 4, 4), {"gain": 0.5}, seed=123, hidden=True,
                hint=CONV_HINT),
    # torch's 'relu' ignores a: the gain stays √2 (a formula always using √(2/(1+a²)) gives 1)
    stats_check("he_uniform", 2, "conv, fan_out, relu", (64, 16, 7, 7),
                {"a": 1.0, "mode": "fan_out", "nonlinearity": "relu"}, seed=133, hidden=True,
                hint=CONV_HINT + " calculate_gain('relu', a) is √2 whatever a is."),
    stats_check("he_uniform", 2, "conv, leaky_relu a=0.5", (32, 64, 5, 5), {"a": 0.5}, seed=134, hidden=True,
                hint=CONV_HINT + " With 'leaky_relu' the gain is √(2/(1 + a²))."),
    stats_check("he_normal", 3, "conv, fan_out, relu", (128, 16, 5, 5),
                {"a": 1.0, "mode": "fan_out", "nonlinearity": "relu"}, seed=143, hidden=True,
                hint=CONV_HINT + " calculate_gain('relu', a) is √2 whatever a is."),
    stats_check("he_normal", 2, "conv1d, leaky_relu a=0.5", (96, 200, 3), {"a": 0.5}, seed=144, hidden=True,
                hint=CONV_HINT + " With 'leaky_relu' the gain is √(2/(1 + a²))."),
    stats_check("lecun_uniform", 3, "conv1d", (256, 64, 3), seed=153, hidden=True, hint=CONV_HINT),
    stats_check("lecun_uniform", 2, "conv3d", (20, 40, 4, 4, 4), seed=154, hidden=True, hint=CONV_HINT),
    stats_check("lecun_normal", 3, "conv1d", (64, 256, 3), seed=163, hidden=True, hint=CONV_HINT),
    stats_check("lecun_normal", 2, "conv3d", (32, 12, 5, 5, 5), seed=164, hidden=True, hint=CONV_HINT),
]

CHECKS = _FANS_GAIN + _RANDOM

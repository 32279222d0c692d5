"""Hidden checks of 02_initialization: other shapes, kernels, gains, modes and slopes, 0-d shapes
and unknown names. Every sample keeps 40,000 <= n <= 2e5 (the tolerances' reasoning is in
checks.py beside this file)."""

from .checks import (CONV_HINT, fans_check, gain_check, raises_check, stats_check, torch_fans_of, torch_gain,
                     torch_variance_scaling)

CHECKS = [
    fans_check("compute_fans: fresh shapes", points=2,
               shapes=[(7, 3, 1, 1), (2, 9, 4, 1, 2), (3, 1), (1, 12, 5), (5, 2, 2, 2, 2, 2)], hidden=True,
               what="1x1 kernels, a 4-d kernel and unusual shapes"),
    raises_check("compute_fans: 0-d shape", points=1, calls=[(((),), {}, "shape=()")], torch_fn=torch_fans_of,
                 hidden=True, what="a 0-d shape"),
    gain_check("calculate_gain: leaky_relu edge params", points=2,
               calls=[(("leaky_relu", 0), {}), (("leaky_relu", 1), {}), (("leaky_relu",), {"param": 0.0}),
                      (("relu", 0.5), {}), (("tanh",), {"param": 2.0})],
               hidden=True, what="slope 0 (not the default), an int slope, and a param other names ignore"),
    raises_check("calculate_gain: unknown name", points=1, calls=[(("softplus",), {}, "nonlinearity='softplus'")],
                 torch_fn=torch_gain, hidden=True, what="an unsupported nonlinearity"),

    stats_check("glorot_uniform: conv1d, gain=0.5", points=2, shape=(160, 40, 9), kwargs={"gain": 0.5}, seed=113,
                hidden=True, hint=CONV_HINT),
    stats_check("glorot_normal: conv3d, gain=0.5", points=2, shape=(40, 20, 4, 4, 4), kwargs={"gain": 0.5},
                seed=123, hidden=True, hint=CONV_HINT),
    # torch's 'relu' ignores a: the gain stays √2 (a formula always using √(2/(1+a²)) gives 1)
    stats_check("he_uniform: conv, fan_out, relu", points=2, shape=(64, 16, 7, 7),
                kwargs={"a": 1.0, "mode": "fan_out", "nonlinearity": "relu"}, seed=133, hidden=True,
                hint=CONV_HINT + " calculate_gain('relu', a) is √2 whatever a is."),
    stats_check("he_uniform: conv, leaky_relu a=0.5", points=2, shape=(32, 64, 5, 5), kwargs={"a": 0.5},
                seed=134, hidden=True, hint=CONV_HINT + " With 'leaky_relu' the gain is √(2/(1 + a²))."),
    stats_check("he_normal: conv, fan_out, relu", points=2, shape=(128, 16, 5, 5),
                kwargs={"a": 1.0, "mode": "fan_out", "nonlinearity": "relu"}, seed=143, hidden=True,
                hint=CONV_HINT + " calculate_gain('relu', a) is √2 whatever a is."),
    stats_check("he_normal: conv1d, leaky_relu a=0.5", points=2, shape=(96, 200, 3), kwargs={"a": 0.5},
                seed=144, hidden=True, hint=CONV_HINT + " With 'leaky_relu' the gain is √(2/(1 + a²))."),
    stats_check("lecun_uniform: conv1d", points=2, shape=(256, 64, 3), seed=153, hidden=True, hint=CONV_HINT),
    stats_check("lecun_uniform: conv3d", points=2, shape=(20, 40, 4, 4, 4), seed=154, hidden=True, hint=CONV_HINT),
    stats_check("lecun_normal: conv1d", points=2, shape=(64, 256, 3), seed=163, hidden=True, hint=CONV_HINT),
    stats_check("lecun_normal: conv3d", points=2, shape=(32, 12, 5, 5, 5), seed=164, hidden=True, hint=CONV_HINT),

    stats_check("variance_scaling: truncated_normal, conv3d, fan_out", points=2, shape=(40, 20, 4, 4, 4),
                kwargs={"scale": 0.5, "mode": "fan_out"}, seed=173, hidden=True, what="Var = 0.5/fan_out",
                hint=CONV_HINT),
    raises_check("variance_scaling: other bad arguments", points=1,
                 calls=[(((30, 20),), {"mode": "FAN_IN"}, "mode='FAN_IN'"),
                        (((30, 20),), {"distribution": "truncated-normal"}, "distribution='truncated-normal'"),
                        (((30, 20),), {"scale": -1e-9, "distribution": "uniform"}, "scale=-1e-09")],
                 torch_fn=torch_variance_scaling, hidden=True,
                 what="an upper-case mode, a misspelt distribution, a tiny negative scale"),
]

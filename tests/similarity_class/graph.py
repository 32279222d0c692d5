import numpy as np

# Independent solution 2: the computational graph, node by node, as a lecture would draw it.


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    dt = np.float32 if getattr(x, "dtype", None) == np.float32 else np.float64
    x = np.asarray(x, dtype=dt)
    if x.ndim == 4:
        red, bshape = (0, 2, 3), (1, -1, 1, 1)
    elif x.ndim == 2:
        red, bshape = (0,), (1, -1)
    else:
        raise ValueError(f"unsupported shape {x.shape}")
    count = int(np.prod([x.shape[a] for a in red]))
    if training and count <= 1:
        raise ValueError("Expected more than 1 value per channel when training")
    if training:
        mu = np.mean(x, axis=red, keepdims=True)
        xmu = x - mu
        sq = xmu ** 2
        var = np.mean(sq, axis=red, keepdims=True)
        new_rm = momentum * mu.reshape(-1) + (1.0 - momentum) * np.asarray(running_mean, dt)
        unbiased = var.reshape(-1) * count / (count - 1.0)
        new_rv = momentum * unbiased + (1.0 - momentum) * np.asarray(running_var, dt)
    else:
        mu = np.asarray(running_mean, dt).reshape(bshape)
        var = np.asarray(running_var, dt).reshape(bshape)
        xmu = x - mu
        new_rm = np.array(running_mean, dtype=dt, copy=True)
        new_rv = np.array(running_var, dtype=dt, copy=True)
    sqrtvar = np.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    gammax = np.asarray(gamma, dt).reshape(bshape) * xhat
    out = gammax + np.asarray(beta, dt).reshape(bshape)
    cache = (xhat, xmu, ivar, sqrtvar, var, eps, np.asarray(gamma, dt).reshape(bshape), red, count, training)
    return out.astype(dt), new_rm.astype(dt), new_rv.astype(dt), cache


def batchnorm_backward(dout, cache):
    xhat, xmu, ivar, sqrtvar, var, eps, gamma, red, count, training = cache
    dt = np.float32 if np.asarray(dout).dtype == np.float32 else np.float64
    dout = np.asarray(dout, dtype=np.float64)
    dbeta = dout.sum(axis=red)
    dgamma = (dout * xhat).sum(axis=red)
    dxhat = dout * gamma
    if not training:
        return (dxhat * ivar).astype(dt), dgamma.astype(dt), dbeta.astype(dt)
    divar = np.sum(dxhat * xmu, axis=red, keepdims=True)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / (sqrtvar ** 2) * divar
    dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
    dsq = np.ones_like(xmu) / count * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=red, keepdims=True)
    dx2 = np.ones_like(xmu) / count * dmu
    return (dx1 + dx2).astype(dt), dgamma.astype(dt), dbeta.astype(dt)

import numpy as np

# Independent solution 1: move the channel axis last, flatten to (M, C), work column-wise.


def _to_columns(x):
    if x.ndim == 2:
        return x, None
    if x.ndim != 4:
        raise ValueError("x must be (N, D) or (N, C, H, W)")
    n, c, h, w = x.shape
    return np.transpose(x, (0, 2, 3, 1)).reshape(-1, c), (n, c, h, w)


def _from_columns(cols, layout):
    if layout is None:
        return cols
    n, c, h, w = layout
    return np.transpose(cols.reshape(n, h, w, c), (0, 3, 1, 2))


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training=True, momentum=0.1, eps=1e-5):
    x = np.asarray(x)
    kind = np.float32 if x.dtype == np.float32 else np.float64
    cols, layout = _to_columns(x.astype(kind))
    rows = cols.shape[0]
    g = np.array(gamma, dtype=kind)
    b = np.array(beta, dtype=kind)
    rm = np.array(running_mean, dtype=kind)
    rv = np.array(running_var, dtype=kind)
    if training:
        if rows < 2:
            raise ValueError("need more than one value per channel in training")
        centre = np.sum(cols, axis=0) / rows
        spread = np.sum(np.square(cols - centre), axis=0) / rows
        rm_next = rm + momentum * (centre - rm)
        rv_next = rv + momentum * (spread * rows / (rows - 1) - rv)
    else:
        centre, spread = rm, rv
        rm_next, rv_next = rm.copy(), rv.copy()
    scale = 1.0 / np.sqrt(spread + eps)
    normed = (cols - centre) * scale
    y = _from_columns(normed * g + b, layout)
    memo = {"normed": normed, "scale": scale, "gamma": g, "layout": layout, "training": bool(training)}
    return y.astype(kind), rm_next.astype(kind), rv_next.astype(kind), memo


def batchnorm_backward(dout, cache):
    dout = np.asarray(dout)
    kind = np.float32 if dout.dtype == np.float32 else np.float64
    upstream, _ = _to_columns(dout)
    normed, scale = cache["normed"], cache["scale"]
    rows = upstream.shape[0]
    d_beta = np.sum(upstream, axis=0)
    d_gamma = np.sum(upstream * normed, axis=0)
    d_normed = upstream * cache["gamma"]
    if cache["training"]:
        d_cols = (scale / rows) * (rows * d_normed - np.sum(d_normed, axis=0)
                                   - normed * np.sum(d_normed * normed, axis=0))
    else:
        d_cols = d_normed * scale
    d_x = _from_columns(d_cols, cache["layout"])
    return d_x.astype(kind), d_gamma.astype(kind), d_beta.astype(kind)

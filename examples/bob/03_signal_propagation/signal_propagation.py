"""03 — Signal propagation: why deep products explode or vanish.

A stack of L linear layers (no bias, no activation) computes, for a batch x of shape
(batch, dim) in torch's row convention (``nn.Linear``: y = x W^T):

    a_0 = x,    a_l = a_{l-1} W_l^T   (l = 1..L),    so    a_L = x W_1^T W_2^T ... W_L^T.

Take every W_l = s·I. Each layer multiplies the signal by s, so a_L = s^L x and
‖a_L‖ = s^L ‖x‖: with s = 1.5 and L = 50 the output is 1.5^50 ≈ 6.4e8 times the input (it
*explodes*); with s = 0.5 it is 0.5^50 ≈ 8.9e-16 times the input (it *vanishes*); only s = 1
keeps it. Nothing here is special to identities: the size of a_L is governed by the product of
the layers' singular values, which is why initialisation (assignment 02) aims at s ≈ 1.

Backpropagation runs the same product in reverse. Given g = dL/da_L (shape (batch, dim_L)):

    dL/da_{l-1} = (dL/da_l) W_l          (shape (batch, dim_{l-1}))
    dL/dW_l     = (dL/da_l)^T a_{l-1}    (shape (dim_l, dim_{l-1}), W_l's shape)

With W_l = s·I: dL/dx = s^L g, and every layer gets dL/dW_l = s^(L-l) g^T s^(l-1) x = s^(L-1) g^T x.
The gradient explodes or vanishes exactly like the signal.

The product also shows what such a stack can compute: a_L = x (W_L ... W_1)^T, one linear layer
W = W_L ... W_1 whatever the depth. Depth only adds expressive power with a non-linearity
between the layers.

An activation between the layers adds one more factor per layer: the chain rule multiplies
by σ'(z_l) at every sigmoid. Since σ'(z) <= 1/4 and σ'(5) ≈ 0.0066, ten saturated layers
scale the gradient by about 1e-22 — the vanishing gradient in one line.

Rules for every function here (the checks enforce them against PyTorch):
- NumPy only (no torch, tensorflow or jax); inputs are never modified.
- Lists of arrays are Python lists, one array per layer; arrays are float64.

Run the public checks with ``pytest`` in this folder.
"""

import numpy as np


def scaled_identity_weights(n_layers, dim, scale):
    return [scale * np.ones((dim, dim)) for _ in range(n_layers)]


def linear_forward(x, weights):
    activations = [x]
    for W in weights:
        activations.append(activations[-1] @ W)
    return activations


def linear_backward(activations, weights, grad_output):
    """Backward pass through the stack of ``linear_forward``.

    With g_L = grad_output = dL/da_L, for l = L, L-1, ..., 1:

        dL/dW_l     = g_l^T @ a_{l-1}      (shape (d_l, d_{l-1}), like W_l)
        g_{l-1}     = dL/da_{l-1} = g_l @ W_l   (shape (batch, d_{l-1}))

    Inputs:
    - activations: the list [a_0, ..., a_L] from the forward pass (a_l of shape (batch, d_l)).
    - weights: the list [W_1, ..., W_L] (W_l of shape (d_l, d_{l-1})).
    - grad_output: dL/da_L, shape (batch, d_L).

    Returns a tuple (grad_weights, grad_activations):
    - grad_weights: list of L arrays [dL/dW_1, ..., dL/dW_L], in layer order, W_l's shapes.
    - grad_activations: list of L + 1 arrays [dL/da_0, ..., dL/da_L], in layer order, so
      grad_activations[-1] is grad_output and grad_activations[0] is dL/dx.

    No averaging over the batch: the loss's own gradient, grad_output, already holds any 1/N.
    """
    n_layers = len(weights)
    grad_weights = [None] * n_layers
    grad_activations = [None] * (n_layers + 1)
    g = np.array(grad_output, dtype=np.float64)
    grad_activations[n_layers] = g
    for l in range(n_layers, 0, -1):
        W = np.asarray(weights[l - 1], dtype=np.float64)
        grad_weights[l - 1] = g.T @ np.asarray(activations[l - 1], dtype=np.float64)
        g = g @ W
        grad_activations[l - 1] = g
    return grad_weights, grad_activations



def collapse_linear(weights):
    """The one matrix W that does what the whole stack of linear layers does.

    a_L = x W_1^T W_2^T ... W_L^T = x (W_L ... W_2 W_1)^T,  so  W = W_L @ ... @ W_2 @ W_1

    and x @ W.T == linear_forward(x, weights)[-1] for every x (up to rounding). The stack,
    however deep, is one linear layer: without a non-linearity between them, hidden layers add
    no expressive power.

    Inputs:
    - weights: a non-empty list of L arrays; W_l has shape (d_l, d_{l-1}) — (out, in), as torch
      stores it.

    Returns:
    - W, a float64 array of shape (d_L, d_0); the weights are not modified. For one layer W is
      (a copy of) W_1.
    """
    W = np.array(weights[0], dtype=np.float64)
    for W_l in weights[1:]:
        W = np.asarray(W_l, dtype=np.float64) @ W
    return W

def layer_norms(arrays):
    """The Frobenius norm of each array of a list: ‖A‖_F = sqrt(Σ_ij A_ij^2).

    For an array of any shape this is the 2-norm of all its entries (np.linalg.norm(A) with no
    ``ord``; torch.linalg.norm(A)). Note that np.linalg.norm(A, 2) is a different thing for a
    matrix (its largest singular value), and norm(A, axis=-1) gives one norm per row.

    Inputs:
    - arrays: a list of arrays, possibly of different shapes (e.g. the activations or the
      gradients of every layer).

    Returns:
    - a 1-D float64 array of len(arrays) norms (shape (0,) for an empty list).
    """
    return np.array([np.linalg.norm(np.asarray(a, dtype=np.float64)) for a in arrays], dtype=np.float64)


def sigmoid_chain_gradient(z):
    """How much a chain of sigmoids scales a gradient: Π_i σ'(z_i).

    Backpropagating through L sigmoid layers with pre-activations z_1, ..., z_L multiplies the
    gradient by σ'(z_1) σ'(z_2) ... σ'(z_L) (times the weights). σ'(0) = 1/4 is the largest
    factor; σ'(5) ≈ 0.0066, so ten layers at z = 5 give about 1.7e-22.

    Inputs:
    - z: 1-D float array of pre-activations, one per layer (possibly empty).

    Returns:
    - the product, a float64 scalar (a Python float, a NumPy float64 or a 0-d array); 1.0 for an
      empty chain.

    Numerics: σ'(z) = σ(z)(1 − σ(z)) = e^{-|z|} / (1 + e^{-|z|})^2, and the second form never
    exponentiates a positive number: no overflow warning and no NaN for |z| up to 1e3 (e^{-z}
    at z = -1000 overflows). A product that underflows to 0 is the right answer, not an error.
    """
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.prod(e / (1.0 + e) ** 2)


def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    """The identity-matrix demo as a plot: ‖a_l‖ against the layer l for W = s·I.

    For each s in ``scales``: weights = scaled_identity_weights(n_layers, dim, s), x = a single
    row of ones (shape (1, dim)), activations = linear_forward(x, weights), and one line of
    layer_norms(activations) against l = 0, 1, ..., n_layers (so ‖a_0‖ = sqrt(dim)).

    The figure has one Axes with a logarithmic y axis (the lines are then straight, with slope
    log s), axis labels and a legend naming each line's scale.

    Inputs:
    - n_layers: the depth L.
    - dim: the width of every layer.
    - scales: the values of s, one line each.
    - path: if given, the figure is also saved to that file (with ``fig.savefig``).

    Returns:
    - the matplotlib Figure (not (fig, ax)). Build it with ``matplotlib.figure.Figure()`` and
      ``fig.subplots()``, or ``plt.subplots()``; do not close it.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    x = np.ones((1, dim))
    layers = np.arange(n_layers + 1)
    for scale in scales:
        norms = layer_norms(linear_forward(x, scaled_identity_weights(n_layers, dim, scale)))
        ax.plot(layers, norms, marker=".", label=f"W = {scale:g}·I")
    ax.set_yscale("log")
    ax.set_xlabel("layer l")
    ax.set_ylabel("‖a_l‖ (Frobenius norm)")
    ax.set_title(f"Signal through {n_layers} layers W = s·I, x = ones(1, {dim})")
    ax.legend()
    if path is not None:
        fig.savefig(path)
    return fig

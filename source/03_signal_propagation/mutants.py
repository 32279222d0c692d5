"""Plausible wrong implementations of signal_propagation.py."""

MUTANTS = {
    # scaled_identity_weights
    "identity_all_entries": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return [scale * np.ones((dim, dim)) for _ in range(n_layers)]'''),
    "identity_one_layer_too_many": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return [scale * np.eye(dim) for _ in range(n_layers + 1)]'''),
    "identity_stacked_array": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return np.stack([scale * np.eye(dim) for _ in range(n_layers)])'''),
    "identity_scale_compounded": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return [scale ** (l + 1) * np.eye(dim) for l in range(n_layers)]'''),
    "identity_diag_keeps_int": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return [np.diag([scale] * dim) for _ in range(n_layers)]'''),
    "identity_forgets_scale": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return [np.eye(dim) for _ in range(n_layers)]'''),
    # linear_forward
    "forward_W_not_transposed": ("linear_forward", '''
def linear_forward(x, weights):
    activations = [x]
    for W in weights:
        activations.append(activations[-1] @ W)
    return activations'''),
    "forward_W_on_the_left": ("linear_forward", '''
def linear_forward(x, weights):
    activations = [x]
    for W in weights:
        activations.append(W @ activations[-1])
    return activations'''),
    "forward_missing_a0": ("linear_forward", '''
def linear_forward(x, weights):
    activations, a = [], x
    for W in weights:
        a = a @ W.T
        activations.append(a)
    return activations'''),
    "forward_one_layer_short": ("linear_forward", '''
def linear_forward(x, weights):
    activations = [x]
    for l in range(len(weights) - 1):
        activations.append(activations[-1] @ weights[l].T)
    return activations'''),
    "forward_returns_output_only": ("linear_forward", '''
def linear_forward(x, weights):
    a = x
    for W in weights:
        a = a @ W.T
    return a'''),
    "forward_first_layer_outside_loop": ("linear_forward", '''
def linear_forward(x, weights):
    activations = [x, x @ weights[0].T]
    for W in weights[1:]:
        activations.append(activations[-1] @ W.T)
    return activations'''),
    "forward_updates_x_in_place": ("linear_forward", '''
def linear_forward(x, weights):
    activations = [x.copy()]
    for W in weights:
        x[...] = x @ W.T
        activations.append(x.copy())
    return activations'''),
    # linear_backward
    "backward_without_transpose": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    L = len(weights)
    gw, ga = [None] * L, [None] * (L + 1)
    g = ga[L] = grad_output
    for l in range(L, 0, -1):
        gw[l - 1] = g.T @ activations[l - 1]
        g = ga[l - 1] = g @ weights[l - 1].T
    return gw, ga'''),
    "backward_grad_weights_transposed": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    L = len(weights)
    gw, ga = [None] * L, [None] * (L + 1)
    g = ga[L] = grad_output
    for l in range(L, 0, -1):
        gw[l - 1] = activations[l - 1].T @ g
        g = ga[l - 1] = g @ weights[l - 1]
    return gw, ga'''),
    "backward_uses_output_activation": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    L = len(weights)
    gw, ga = [None] * L, [None] * (L + 1)
    g = ga[L] = grad_output
    for l in range(L, 0, -1):
        gw[l - 1] = g.T @ activations[l]  # a_l instead of a_{l-1}
        g = ga[l - 1] = g @ weights[l - 1]
    return gw, ga'''),
    "backward_activations_reversed": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    gw, ga = [], [grad_output]
    g = grad_output
    for l in range(len(weights), 0, -1):
        gw.insert(0, g.T @ activations[l - 1])
        g = g @ weights[l - 1]
        ga.append(g)  # built from the top down and never reversed
    return gw, ga'''),
    "backward_weights_reversed": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    gw, ga = [], [grad_output]
    g = grad_output
    for l in range(len(weights), 0, -1):
        gw.append(g.T @ activations[l - 1])  # never reversed
        g = g @ weights[l - 1]
        ga.insert(0, g)
    return gw, ga'''),
    "backward_forgets_grad_output": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    gw, ga = [], []
    g = grad_output
    for l in range(len(weights), 0, -1):
        gw.insert(0, g.T @ activations[l - 1])
        g = g @ weights[l - 1]
        ga.insert(0, g)
    return gw, ga'''),
    "backward_averages_over_batch": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    n = grad_output.shape[0]
    gw, ga = [], [grad_output]
    g = grad_output
    for l in range(len(weights), 0, -1):
        gw.insert(0, g.T @ activations[l - 1] / n)
        g = g @ weights[l - 1]
        ga.insert(0, g)
    return gw, ga'''),
    "backward_zeros_like_weights": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    gw = np.zeros_like(weights)
    ga = [None] * len(activations)
    g = ga[-1] = grad_output
    for l in range(len(weights), 0, -1):
        gw[l - 1] = g.T @ activations[l - 1]
        g = ga[l - 1] = g @ weights[l - 1]
    return gw, ga'''),
    "backward_last_layer_outside_loop": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    g = grad_output
    gw, ga = [g.T @ activations[-2]], [g]
    g = g @ weights[-1]
    ga.insert(0, g)
    for l in range(len(weights) - 1, 0, -1):
        gw.insert(0, g.T @ activations[l - 1])
        g = g @ weights[l - 1]
        ga.insert(0, g)
    return gw, ga'''),
    # collapse_linear
    "collapse_forward_order": ("collapse_linear", '''
def collapse_linear(weights):
    W = weights[0]
    for W_l in weights[1:]:
        W = W @ W_l
    return W'''),
    "collapse_transposed": ("collapse_linear", '''
def collapse_linear(weights):
    W = weights[0].T
    for W_l in weights[1:]:
        W = W @ W_l.T
    return W'''),
    "collapse_multi_dot": ("collapse_linear", '''
def collapse_linear(weights):
    return np.linalg.multi_dot(weights[::-1])'''),
    "collapse_eye_of_the_output_width": ("collapse_linear", '''
def collapse_linear(weights):
    W = np.eye(weights[0].shape[0])
    for W_l in weights:
        W = W_l @ W
    return W'''),
    "collapse_skips_the_last_layer": ("collapse_linear", '''
def collapse_linear(weights):
    W = weights[0]
    for l in range(1, len(weights) - 1):
        W = weights[l] @ W
    return W'''),
    "collapse_in_place": ("collapse_linear", '''
def collapse_linear(weights):
    W = weights[-1]
    for W_l in weights[-2::-1]:
        W[...] = W @ W_l
    return W'''),
    # layer_norms
    "norms_spectral": ("layer_norms", '''
def layer_norms(arrays):
    return np.array([np.linalg.norm(a, 2) if np.ndim(a) == 2 else np.linalg.norm(a) for a in arrays])'''),
    "norms_per_row": ("layer_norms", '''
def layer_norms(arrays):
    return np.array([np.linalg.norm(a, axis=-1) for a in arrays])'''),
    "norms_of_everything_flattened": ("layer_norms", '''
def layer_norms(arrays):
    return np.linalg.norm(np.concatenate([np.ravel(a) for a in arrays]))'''),
    "norms_stacked": ("layer_norms", '''
def layer_norms(arrays):
    stacked = np.stack(arrays)
    return np.sqrt((stacked ** 2).reshape(len(arrays), -1).sum(axis=1))'''),
    "norms_squared": ("layer_norms", '''
def layer_norms(arrays):
    return np.array([np.sum(np.asarray(a, dtype=float) ** 2) for a in arrays], dtype=np.float64)'''),
    "norms_python_list": ("layer_norms", '''
def layer_norms(arrays):
    return [float(np.linalg.norm(a)) for a in arrays]'''),
    "norms_max_abs": ("layer_norms", '''
def layer_norms(arrays):
    return np.array([np.max(np.abs(a)) if np.size(a) else 0.0 for a in arrays], dtype=np.float64)'''),
    # sigmoid_chain_gradient
    "chain_exp_overflows": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    e = np.exp(-np.asarray(z, dtype=float))
    return np.prod(e / (1 + e) ** 2)'''),
    "chain_naive_sigmoid": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    s = 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
    return np.prod(s * (1 - s))'''),
    "chain_log_space_log_of_zero": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.exp(np.sum(np.log(e / (1 + e) ** 2)))'''),
    "chain_product_of_sigmoids": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.prod(np.where(z >= 0, 1 / (1 + e), e / (1 + e)))'''),
    "chain_sum_of_derivatives": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return np.sum(e / (1 + e) ** 2)'''),
    "chain_upper_bound": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    return 0.25 ** len(z)'''),
    "chain_derivative_of_input": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return np.prod(s * (1 - z))'''),
    "chain_reduce_without_start": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    import functools
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return functools.reduce(lambda a, b: a * b, e / (1 + e) ** 2)'''),
    "chain_abs_in_place": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    np.abs(z, out=z)  # σ' is even, so fold z onto z >= 0 ... in the caller's array
    e = np.exp(-z)
    return np.prod(e / (1 + e) ** 2)'''),
    # plot_signal_propagation
    "plot_linear_y_axis": ("plot_signal_propagation", '''
def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.subplots()
    for s in scales:
        norms = layer_norms(linear_forward(np.ones((1, dim)), scaled_identity_weights(n_layers, dim, s)))
        ax.plot(np.arange(n_layers + 1), norms, label=f"W = {s}I")
    ax.set_xlabel("layer")
    ax.set_ylabel("norm")
    ax.legend()
    return fig'''),
    "plot_log_of_norms_on_linear_axis": ("plot_signal_propagation", '''
def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.subplots()
    for s in scales:
        norms = layer_norms(linear_forward(np.ones((1, dim)), scaled_identity_weights(n_layers, dim, s)))
        ax.plot(np.arange(n_layers + 1), np.log10(norms), label=f"W = {s}I")
    ax.set_xlabel("layer")
    ax.set_ylabel("log10 norm")
    ax.legend()
    return fig'''),
    "plot_one_line_missing": ("plot_signal_propagation", '''
def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.subplots()
    for s in scales:
        if s == 1.0:
            continue  # "nothing happens at 1"
        norms = layer_norms(linear_forward(np.ones((1, dim)), scaled_identity_weights(n_layers, dim, s)))
        ax.plot(np.arange(n_layers + 1), norms, label=f"W = {s}I")
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("norm")
    ax.legend()
    return fig'''),
    "plot_activations_not_norms": ("plot_signal_propagation", '''
def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.subplots()
    for s in scales:
        acts = linear_forward(np.ones((1, dim)), scaled_identity_weights(n_layers, dim, s))
        ax.plot(np.arange(n_layers + 1), [a[0, 0] for a in acts], label=f"W = {s}I")
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("activation")
    ax.legend()
    return fig'''),
    "plot_x_starts_at_one": ("plot_signal_propagation", '''
def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.subplots()
    for s in scales:
        norms = layer_norms(linear_forward(np.ones((1, dim)), scaled_identity_weights(n_layers, dim, s)))
        ax.plot(np.arange(1, n_layers + 2), norms, label=f"W = {s}I")
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("norm")
    ax.legend()
    return fig'''),
    "plot_no_labels": ("plot_signal_propagation", '''
def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.subplots()
    for s in scales:
        norms = layer_norms(linear_forward(np.ones((1, dim)), scaled_identity_weights(n_layers, dim, s)))
        ax.semilogy(norms)
    return fig'''),
    "plot_ignores_arguments": ("plot_signal_propagation", '''
def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.subplots()
    for s in (0.5, 1.0, 1.5):
        norms = layer_norms(linear_forward(np.ones((1, 2)), scaled_identity_weights(50, 2, s)))
        ax.plot(np.arange(51), norms, label=f"W = {s}I")
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("norm")
    ax.legend()
    return fig'''),
    "plot_one_axes_per_scale": ("plot_signal_propagation", '''
def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    from matplotlib.figure import Figure
    fig = Figure()
    axes = np.atleast_1d(fig.subplots(1, len(scales)))
    for ax, s in zip(axes, scales):
        norms = layer_norms(linear_forward(np.ones((1, dim)), scaled_identity_weights(n_layers, dim, s)))
        ax.plot(np.arange(n_layers + 1), norms, label=f"W = {s}I")
        ax.set_yscale("log")
        ax.set_xlabel("layer")
        ax.set_ylabel("norm")
        ax.legend()
    return fig'''),
    "plot_returns_fig_and_ax": ("plot_signal_propagation", '''
def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.subplots()
    for s in scales:
        norms = layer_norms(linear_forward(np.ones((1, dim)), scaled_identity_weights(n_layers, dim, s)))
        ax.plot(np.arange(n_layers + 1), norms, label=f"W = {s}I")
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("norm")
    ax.legend()
    return fig, ax'''),
}

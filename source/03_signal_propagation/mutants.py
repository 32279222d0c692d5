"""Plausible wrong implementations of signal_propagation.py, each with its mistake in the student's terms."""

MUTANTS = {
    # scaled_identity_weights
    "identity_all_entries": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return [scale * np.ones((dim, dim)) for _ in range(n_layers)]''',
                             "fills every entry with scale (scale·np.ones); each weight is scale·I (scale * np.eye(dim))"),
    "identity_one_layer_too_many": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return [scale * np.eye(dim) for _ in range(n_layers + 1)]''',
                                    "returns n_layers + 1 matrices; return n_layers"),
    "identity_stacked_array": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return np.stack([scale * np.eye(dim) for _ in range(n_layers)])''',
                               "returns one stacked array; return a list of n_layers arrays"),
    "identity_scale_compounded": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return [scale ** (l + 1) * np.eye(dim) for l in range(n_layers)]''',
                                  "makes layer l the matrix scale^(l+1)·I; every layer is the same scale·I"),
    "identity_diag_keeps_int": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return [np.diag([scale] * dim) for _ in range(n_layers)]''',
                                "builds np.diag([scale] * dim), an int array for an int scale; make float weights (scale * np.eye(dim))"),
    "identity_forgets_scale": ("scaled_identity_weights", '''
def scaled_identity_weights(n_layers, dim, scale):
    return [np.eye(dim) for _ in range(n_layers)]''',
                               "returns I without the scale; each matrix is scale·I"),
    # linear_forward
    "forward_W_not_transposed": ("linear_forward", '''
def linear_forward(x, weights):
    activations = [x]
    for W in weights:
        activations.append(activations[-1] @ W)
    return activations''',
                                 "computes a @ W; a layer is a_l = a_{l−1} @ W_lᵀ (W_l has shape (out, in))"),
    "forward_W_on_the_left": ("linear_forward", '''
def linear_forward(x, weights):
    activations = [x]
    for W in weights:
        activations.append(W @ activations[-1])
    return activations''',
                              "computes W @ a; with samples as rows a layer is a_l = a_{l−1} @ W_lᵀ"),
    "forward_missing_a0": ("linear_forward", '''
def linear_forward(x, weights):
    activations, a = [], x
    for W in weights:
        a = a @ W.T
        activations.append(a)
    return activations''',
                           "leaves the input x out; the list starts with a_0 = x (L + 1 arrays)"),
    "forward_one_layer_short": ("linear_forward", '''
def linear_forward(x, weights):
    activations = [x]
    for l in range(len(weights) - 1):
        activations.append(activations[-1] @ weights[l].T)
    return activations''',
                                "skips the last layer; apply all L weights (L + 1 activations)"),
    "forward_returns_output_only": ("linear_forward", '''
def linear_forward(x, weights):
    a = x
    for W in weights:
        a = a @ W.T
    return a''',
                                    "returns only the last activation; return the list [a_0, ..., a_L]"),
    "forward_first_layer_outside_loop": ("linear_forward", '''
def linear_forward(x, weights):
    activations = [x, x @ weights[0].T]
    for W in weights[1:]:
        activations.append(activations[-1] @ W.T)
    return activations''',
                                         "handles the first layer before the loop, which fails when there is no layer; start from [x] and loop over every W"),
    "forward_updates_x_in_place": ("linear_forward", '''
def linear_forward(x, weights):
    activations = [x.copy()]
    for W in weights:
        x[...] = x @ W.T
        activations.append(x.copy())
    return activations''',
                                   "overwrites the caller's x (x[...] = ...); compute each layer into a new array"),
    # linear_backward
    "backward_without_transpose": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    L = len(weights)
    gw, ga = [None] * L, [None] * (L + 1)
    g = ga[L] = grad_output
    for l in range(L, 0, -1):
        gw[l - 1] = g.T @ activations[l - 1]
        g = ga[l - 1] = g @ weights[l - 1].T
    return gw, ga''',
                                   "propagates g @ W_lᵀ; the gradient to a_{l−1} is g @ W_l"),
    "backward_grad_weights_transposed": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    L = len(weights)
    gw, ga = [None] * L, [None] * (L + 1)
    g = ga[L] = grad_output
    for l in range(L, 0, -1):
        gw[l - 1] = activations[l - 1].T @ g
        g = ga[l - 1] = g @ weights[l - 1]
    return gw, ga''',
                                         "returns a_{l−1}ᵀ @ g, the transpose; dL/dW_l = gᵀ @ a_{l−1} (shaped like W_l)"),
    "backward_uses_output_activation": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    L = len(weights)
    gw, ga = [None] * L, [None] * (L + 1)
    g = ga[L] = grad_output
    for l in range(L, 0, -1):
        gw[l - 1] = g.T @ activations[l]  # a_l instead of a_{l-1}
        g = ga[l - 1] = g @ weights[l - 1]
    return gw, ga''',
                                        "uses a_l for dL/dW_l; it is gᵀ @ a_{l−1}, with the layer's input"),
    "backward_activations_reversed": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    gw, ga = [], [grad_output]
    g = grad_output
    for l in range(len(weights), 0, -1):
        gw.insert(0, g.T @ activations[l - 1])
        g = g @ weights[l - 1]
        ga.append(g)  # built from the top down and never reversed
    return gw, ga''',
                                      "lists the activation gradients from the last layer to the first; list them in order [dL/da_0, ..., dL/da_L]"),
    "backward_weights_reversed": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    gw, ga = [], [grad_output]
    g = grad_output
    for l in range(len(weights), 0, -1):
        gw.append(g.T @ activations[l - 1])  # never reversed
        g = g @ weights[l - 1]
        ga.insert(0, g)
    return gw, ga''',
                                  "lists the weight gradients from the last layer to the first; list them in layer order"),
    "backward_forgets_grad_output": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    gw, ga = [], []
    g = grad_output
    for l in range(len(weights), 0, -1):
        gw.insert(0, g.T @ activations[l - 1])
        g = g @ weights[l - 1]
        ga.insert(0, g)
    return gw, ga''',
                                     "leaves grad_output out of the activation gradients; the list ends with dL/da_L = grad_output"),
    "backward_averages_over_batch": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    n = grad_output.shape[0]
    gw, ga = [], [grad_output]
    g = grad_output
    for l in range(len(weights), 0, -1):
        gw.insert(0, g.T @ activations[l - 1] / n)
        g = g @ weights[l - 1]
        ga.insert(0, g)
    return gw, ga''',
                                     "divides the weight gradients by the batch size; dL/dW_l = gᵀ @ a_{l−1} sums over the batch"),
    "backward_zeros_like_weights": ("linear_backward", '''
def linear_backward(activations, weights, grad_output):
    gw = np.zeros_like(weights)
    ga = [None] * len(activations)
    g = ga[-1] = grad_output
    for l in range(len(weights), 0, -1):
        gw[l - 1] = g.T @ activations[l - 1]
        g = ga[l - 1] = g @ weights[l - 1]
    return gw, ga''',
                                    "stores the weight gradients in np.zeros_like(weights), one array that needs equally shaped layers; build a list"),
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
    return gw, ga''',
                                         "handles the last layer before the loop, which fails when there is no layer; loop over every layer"),
    # collapse_linear
    "collapse_forward_order": ("collapse_linear", '''
def collapse_linear(weights):
    W = weights[0]
    for W_l in weights[1:]:
        W = W @ W_l
    return W''',
                               "multiplies W_1 @ W_2 @ ... @ W_L; the network computes W_L ⋯ W_2 W_1 (the last layer on the left)"),
    "collapse_transposed": ("collapse_linear", '''
def collapse_linear(weights):
    W = weights[0].T
    for W_l in weights[1:]:
        W = W @ W_l.T
    return W''',
                            "returns W_1ᵀ W_2ᵀ ⋯ W_Lᵀ, the transpose of the product; return W_L ⋯ W_1"),
    "collapse_multi_dot": ("collapse_linear", '''
def collapse_linear(weights):
    return np.linalg.multi_dot(weights[::-1])''',
                           "calls np.linalg.multi_dot, which needs at least two matrices; one layer collapses to W_1 itself"),
    "collapse_eye_of_the_output_width": ("collapse_linear", '''
def collapse_linear(weights):
    W = np.eye(weights[0].shape[0])
    for W_l in weights:
        W = W_l @ W
    return W''',
                                         "starts from np.eye of the first layer's output width; start from the identity of its input width (or from W_1)"),
    "collapse_skips_the_last_layer": ("collapse_linear", '''
def collapse_linear(weights):
    W = weights[0]
    for l in range(1, len(weights) - 1):
        W = weights[l] @ W
    return W''',
                                      "leaves the last layer out; multiply all L matrices"),
    "collapse_in_place": ("collapse_linear", '''
def collapse_linear(weights):
    W = weights[-1]
    for W_l in weights[-2::-1]:
        W[...] = W @ W_l
    return W''',
                          "writes the product into the caller's last weight matrix (W[...] = ...); compute into a new array"),
    # layer_norms
    "norms_spectral": ("layer_norms", '''
def layer_norms(arrays):
    return np.array([np.linalg.norm(a, 2) if np.ndim(a) == 2 else np.linalg.norm(a) for a in arrays])''',
                       "returns the spectral norm of a 2-d array (np.linalg.norm(a, 2)); return the Frobenius norm, √(Σ a²) over all entries"),
    "norms_per_row": ("layer_norms", '''
def layer_norms(arrays):
    return np.array([np.linalg.norm(a, axis=-1) for a in arrays])''',
                      "returns one norm per row; return one norm per array, over all its entries"),
    "norms_of_everything_flattened": ("layer_norms", '''
def layer_norms(arrays):
    return np.linalg.norm(np.concatenate([np.ravel(a) for a in arrays]))''',
                                      "returns one norm of all the arrays together; return one norm per array"),
    "norms_stacked": ("layer_norms", '''
def layer_norms(arrays):
    stacked = np.stack(arrays)
    return np.sqrt((stacked ** 2).reshape(len(arrays), -1).sum(axis=1))''',
                      "stacks the arrays, which needs them all of one shape; take each array's norm on its own"),
    "norms_squared": ("layer_norms", '''
def layer_norms(arrays):
    return np.array([np.sum(np.asarray(a, dtype=float) ** 2) for a in arrays], dtype=np.float64)''',
                      "returns the squared norms; take their square root"),
    "norms_python_list": ("layer_norms", '''
def layer_norms(arrays):
    return [float(np.linalg.norm(a)) for a in arrays]''',
                          "returns a Python list; return a NumPy array of the norms"),
    "norms_max_abs": ("layer_norms", '''
def layer_norms(arrays):
    return np.array([np.max(np.abs(a)) if np.size(a) else 0.0 for a in arrays], dtype=np.float64)''',
                      "returns each array's largest |entry|; return its Frobenius norm, √(Σ a²)"),
    # sigmoid_chain_gradient
    "chain_exp_overflows": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    e = np.exp(-np.asarray(z, dtype=float))
    return np.prod(e / (1 + e) ** 2)''',
                            "computes e^(−z) on z as given, which overflows for large negative z (NumPy warns); σ' is even, so use e^(−|z|)/(1 + e^(−|z|))²"),
    "chain_naive_sigmoid": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    s = 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
    return np.prod(s * (1 - s))''',
                            "computes σ(1 − σ) with σ = 1/(1 + e^(−z)), which overflows (NumPy warns) or rounds to 0 for large |z|; use e^(−|z|)/(1 + e^(−|z|))²"),
    "chain_log_space_log_of_zero": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.exp(np.sum(np.log(e / (1 + e) ** 2)))''',
                                    "sums log σ'(z) in log space, and σ'(z) underflows to 0 for large |z| (log(0) = −inf, NumPy warns); multiply the factors directly"),
    "chain_product_of_sigmoids": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.prod(np.where(z >= 0, 1 / (1 + e), e / (1 + e)))''',
                                  "multiplies σ(z_l), not the derivatives σ'(z_l) = σ(z_l)(1 − σ(z_l))"),
    "chain_sum_of_derivatives": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return np.sum(e / (1 + e) ** 2)''',
                                 "adds the derivatives; the chain rule multiplies them"),
    "chain_upper_bound": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    return 0.25 ** len(z)''',
                          "returns 0.25^L, the bound; multiply the actual σ'(z_l)"),
    "chain_derivative_of_input": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    s = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    return np.prod(s * (1 - z))''',
                                  "multiplies σ(z)(1 − z); σ'(z) = σ(z)(1 − σ(z))"),
    "chain_reduce_without_start": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    import functools
    e = np.exp(-np.abs(np.asarray(z, dtype=float)))
    return functools.reduce(lambda a, b: a * b, e / (1 + e) ** 2)''',
                                   "uses functools.reduce without a start value, which fails for an empty z; the empty product is 1 (np.prod)"),
    "chain_abs_in_place": ("sigmoid_chain_gradient", '''
def sigmoid_chain_gradient(z):
    np.abs(z, out=z)  # σ' is even, so fold z onto z >= 0 ... in the caller's array
    e = np.exp(-z)
    return np.prod(e / (1 + e) ** 2)''',
                           "writes |z| into the caller's array (np.abs(z, out=z)); compute into a new array"),
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
    return fig''',
                           "plots the norms on a linear y axis; use a log scale (ax.set_yscale(\"log\")), on which 0.5^l and 1.5^l are straight lines"),
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
    return fig''',
                                         "plots log10 of the norms on a linear axis; plot the norms themselves on a log-scale y axis"),
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
    return fig''',
                              "leaves out the line of scale 1.0; draw one line per scale"),
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
    return fig''',
                                   "plots one entry of the activations, not their norms; plot layer_norms(...) of each layer"),
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
    return fig''',
                             "puts the input at x = 1; put layer l (0 for the input) at x = l"),
    "plot_no_labels": ("plot_signal_propagation", '''
def plot_signal_propagation(n_layers=50, dim=2, scales=(0.5, 1.0, 1.5), path=None):
    from matplotlib.figure import Figure
    fig = Figure()
    ax = fig.subplots()
    for s in scales:
        norms = layer_norms(linear_forward(np.ones((1, dim)), scaled_identity_weights(n_layers, dim, s)))
        ax.semilogy(norms)
    return fig''',
                       "draws the lines without labels, axis labels or legend; label each line with its scale, and the axes"),
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
    return fig''',
                               "ignores n_layers, dim and scales (it always draws the defaults); use the arguments"),
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
    return fig''',
                                "draws one Axes per scale; draw every line on one Axes"),
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
    return fig, ax''',
                                "returns (fig, ax); return the Figure alone"),
}

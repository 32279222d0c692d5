"""Plausible wrong implementations of clipping.py."""

# Mistakes several functions share.
_FLOAT64 = "returns float64 for float32 input; float32 in must give float32 out"
_LIST_ITEMS = "writes its results into the caller's list (list[i] = ...); build and return a new list"
_CONCATENATES = "joins the arrays with np.concatenate, which fails on an empty list (a valid input)"


MUTANTS = {
    # clip_by_value
    "clip_by_value_upper_only": ("clip_by_value", '''
def clip_by_value(grads, clip_value):
    return [np.minimum(_as_float(g), clip_value) for g in grads]''',
        "clamps from above only, np.minimum(g, c); clip into [−c, c] from both sides, np.clip(g, −c, c)"),
    "clip_by_value_in_place": ("clip_by_value", '''
def clip_by_value(grads, clip_value):
    for g in grads:
        np.clip(g, -clip_value, clip_value, out=g)  # torch's clip_grad_value_ is in place...
    return grads''',
        "clips the caller's arrays in place (out=g), as torch's clip_grad_value_ does; return new arrays"),
    "clip_by_value_replaces_list_items": ("clip_by_value", '''
def clip_by_value(grads, clip_value):
    for i, g in enumerate(grads):
        grads[i] = np.clip(_as_float(g), -clip_value, clip_value)  # new arrays, but in the caller's list
    return grads''', _LIST_ITEMS),
    "clip_by_value_is_norm_clipping": ("clip_by_value", '''
def clip_by_value(grads, clip_value):
    return [clip_by_norm(g, clip_value) for g in grads]''',
        "rescales each gradient by its norm (clip_by_norm) instead of clamping each entry into [−c, c]"),
    "clip_by_value_whole_list_at_once": ("clip_by_value", '''
def clip_by_value(grads, clip_value):
    return list(np.clip(np.array(grads), -clip_value, clip_value))''',
        "makes one array of the list, np.array(grads), which fails for arrays of different shapes; clip each one"),
    "clip_by_value_float64": ("clip_by_value", '''
def clip_by_value(grads, clip_value):
    return [np.clip(np.asarray(g, dtype=np.float64), -clip_value, clip_value) for g in grads]''', _FLOAT64),
    "clip_by_value_loops_rows": ("clip_by_value", '''
def clip_by_value(grads, clip_value):
    return [np.array([np.clip(row, -clip_value, clip_value) for row in _as_float(g)]) for g in grads]''',
        "loops over each gradient's rows, which fails on a 0-d array; np.clip(g, −c, c) works on any shape"),
    # clip_by_norm
    "clip_by_norm_always_rescales": ("clip_by_norm", '''
def clip_by_norm(grad, max_norm):
    g = _as_float(grad)
    return g * (max_norm / np.linalg.norm(g))  # also scales small gradients up''',
        "always rescales to length max_norm, scaling small gradients up; rescale only when ‖g‖ > max_norm"),
    "clip_by_norm_divides_by_zero_norm": ("clip_by_norm", '''
def clip_by_norm(grad, max_norm):
    g = _as_float(grad)
    return g * min(1.0, max_norm / np.linalg.norm(g))  # inf (with a warning) for a zero gradient''',
        "divides by ‖g‖ even when it is 0 (a divide-by-zero warning); use max_norm / max(‖g‖, max_norm)"),
    "clip_by_norm_per_row": ("clip_by_norm", '''
def clip_by_norm(grad, max_norm):
    g = _as_float(grad)
    norm = np.sqrt(np.sum(g * g, axis=-1, keepdims=True))
    return g * (max_norm / np.maximum(norm, max_norm))''',
        "takes one norm per row (axis=-1) instead of one norm over all the entries of the gradient"),
    "clip_by_norm_l1": ("clip_by_norm", '''
def clip_by_norm(grad, max_norm):
    g = _as_float(grad)
    norm = np.sum(np.abs(g))
    return g * (max_norm / max(norm, max_norm))''',
        "uses the L1 norm Σ|g|; clip by the L2 norm ‖g‖₂ = √(Σ g²)"),
    "clip_by_norm_no_sqrt": ("clip_by_norm", '''
def clip_by_norm(grad, max_norm):
    g = _as_float(grad)
    norm = np.sum(g * g)
    return g * (max_norm / max(norm, max_norm))''',
        "uses the squared norm Σ g², without the square root; ‖g‖₂ = √(Σ g²)"),
    "clip_by_norm_by_value": ("clip_by_norm", '''
def clip_by_norm(grad, max_norm):
    return np.clip(_as_float(grad), -max_norm, max_norm)''',
        "clamps each entry into [−max_norm, max_norm] instead of rescaling the whole gradient by max_norm / ‖g‖"),
    "clip_by_norm_in_place": ("clip_by_norm", '''
def clip_by_norm(grad, max_norm):
    norm = np.linalg.norm(grad)
    if norm > max_norm:
        grad *= max_norm / norm
    return grad''',
        "rescales the caller's array in place (grad *= ...); return a new array"),
    "clip_by_norm_float64": ("clip_by_norm", '''
def clip_by_norm(grad, max_norm):
    g = np.asarray(grad, dtype=np.float64)
    return g * (max_norm / max(np.linalg.norm(g), max_norm))''', _FLOAT64),
    # clip_by_global_norm
    "clip_by_global_norm_per_tensor": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    norms = [np.linalg.norm(np.ravel(g), ord=p) for g in grads]
    total = np.linalg.norm(np.array(norms), ord=p) if norms else 0.0
    return [g * min(1.0, max_norm / (n + EPS)) for g, n in zip(grads, norms)], total''',
        "clips each gradient by its own norm instead of by the total norm over all of them"),
    "clip_by_global_norm_sum_of_norms": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    total = float(sum(np.linalg.norm(np.ravel(g), ord=p) for g in grads if np.size(g)))
    coef = min(1.0, max_norm / (total + EPS))
    return [_as_float(g) * coef for g in grads], total''',
        "adds up the arrays' norms; the total is the norm of all their entries taken as one vector"),
    "clip_by_global_norm_ignores_norm_type": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    total = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))
    coef = min(1.0, max_norm / (total + EPS))
    return [_as_float(g) * coef for g in grads], total''',
        "always computes the L2 norm, ignoring norm_type"),
    "clip_by_global_norm_only_1_2_inf": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    flat = np.concatenate([np.ravel(g) for g in grads]) if grads else np.zeros(0)
    if norm_type == 1:
        total = float(np.sum(np.abs(flat)))
    elif norm_type == np.inf:
        total = float(np.max(np.abs(flat))) if flat.size else 0.0
    else:
        total = float(np.sqrt(np.sum(flat ** 2)))
    coef = min(1.0, max_norm / (total + EPS))
    return [_as_float(g) * coef for g in grads], total''',
        "handles norm_type 1, 2 and inf only (any other p gets the L2 norm); for any p, (Σ|g|^p)^(1/p)"),
    "clip_by_global_norm_inf_max_not_abs": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if p == np.inf:
        total = max((float(np.max(g)) for g in grads if np.size(g)), default=0.0)
    else:
        total = float(sum(np.sum(np.abs(g) ** p) for g in grads)) ** (1 / p)
    coef = min(1.0, max_norm / (total + EPS))
    return [_as_float(g) * coef for g in grads], total''',
        "takes the largest entry for norm_type=inf, not the largest |entry| (−6 has size 6)"),
    "clip_by_global_norm_scales_up": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if p == np.inf:
        total = max((float(np.max(np.abs(g))) for g in grads if np.size(g)), default=0.0)
    else:
        total = float(sum(np.sum(np.abs(g) ** p) for g in grads)) ** (1 / p)
    coef = max_norm / (total + EPS)  # no clamp to 1
    return [_as_float(g) * coef for g in grads], total''',
        "scales the gradients up when their total norm is below max_norm; the coefficient is clamped to 1"),
    "clip_by_global_norm_returns_clipped_norm": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if p == np.inf:
        total = max((float(np.max(np.abs(g))) for g in grads if np.size(g)), default=0.0)
    else:
        total = float(sum(np.sum(np.abs(g) ** p) for g in grads)) ** (1 / p)
    coef = min(1.0, max_norm / (total + EPS))
    return [_as_float(g) * coef for g in grads], total * coef''',
        "returns the total norm after clipping; torch returns the norm before clipping"),
    "clip_by_global_norm_no_eps": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if p == np.inf:
        total = max((float(np.max(np.abs(g))) for g in grads if np.size(g)), default=0.0)
    else:
        total = float(sum(np.sum(np.abs(g) ** p) for g in grads)) ** (1 / p)
    coef = max_norm / total if total > max_norm else 1.0
    return [_as_float(g) * coef for g in grads], total''',
        "divides by the total norm without torch's 1e-6; the coefficient is max_norm / (total + 1e-6), at most 1"),
    "clip_by_global_norm_concatenates": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    flat = np.concatenate([np.ravel(g) for g in grads])  # fails on an empty list
    total = float(np.linalg.norm(flat, ord=float(norm_type)))
    coef = min(1.0, max_norm / (total + EPS))
    return [_as_float(g) * coef for g in grads], total''', _CONCATENATES),
    "clip_by_global_norm_in_place": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    p = float(norm_type)
    if p == np.inf:
        total = max((float(np.max(np.abs(g))) for g in grads if np.size(g)), default=0.0)
    else:
        total = float(sum(np.sum(np.abs(g) ** p) for g in grads)) ** (1 / p)
    coef = min(1.0, max_norm / (total + EPS))
    for g in grads:
        g *= coef  # as torch's clip_grad_norm_ does
    return grads, total''',
        "scales the caller's arrays in place, as torch's clip_grad_norm_ does; return new arrays"),
    "clip_by_global_norm_float64": ("clip_by_global_norm", '''
def clip_by_global_norm(grads, max_norm, norm_type=2.0):
    grads = [np.asarray(g, dtype=np.float64) for g in grads]
    p = float(norm_type)
    if p == np.inf:
        total = max((float(np.max(np.abs(g))) for g in grads if np.size(g)), default=0.0)
    else:
        total = float(sum(np.sum(np.abs(g) ** p) for g in grads)) ** (1 / p)
    coef = min(1.0, max_norm / (total + EPS))
    return [g * coef for g in grads], total''', _FLOAT64),
    # l1_penalty
    "l1_penalty_no_lambda": ("l1_penalty", '''
def l1_penalty(weights, lam):
    return float(sum(np.sum(np.abs(w)) for w in weights)), [np.sign(_as_float(w)) for w in weights]''',
        "leaves out λ: the value is λ·Σ|w| and the gradient λ·sign(w)"),
    "l1_penalty_grad_not_scaled": ("l1_penalty", '''
def l1_penalty(weights, lam):
    value = lam * float(sum(np.sum(np.abs(w)) for w in weights))
    return value, [np.sign(_as_float(w)) for w in weights]  # the derivative of |w|, without lam''',
        "returns sign(w) as the gradient, without λ; the gradient of λ·Σ|w| is λ·sign(w)"),
    "l1_penalty_subgradient_one_at_zero": ("l1_penalty", '''
def l1_penalty(weights, lam):
    value = lam * float(sum(np.sum(np.abs(w)) for w in weights))
    return value, [lam * np.where(_as_float(w) >= 0, 1.0, -1.0).astype(_as_float(w).dtype) for w in weights]''',
        "gives the gradient +λ at w = 0; torch's gradient of |w| at 0 is 0 (np.sign(0) == 0)"),
    "l1_penalty_matrix_norm": ("l1_penalty", '''
def l1_penalty(weights, lam):
    value = lam * float(sum(np.linalg.norm(w, 1) for w in weights))  # the max column sum for a matrix
    return value, [lam * np.sign(_as_float(w)) for w in weights]''',
        "uses np.linalg.norm(w, 1), for a matrix its largest column sum; the penalty sums |w| over every entry"),
    "l1_penalty_first_array_only": ("l1_penalty", '''
def l1_penalty(weights, lam):
    value = lam * float(np.sum(np.abs(weights[0])))
    return value, [lam * np.sign(_as_float(w)) for w in weights]''',
        "sums |w| over the first array only; the penalty covers every array of the list"),
    "l1_penalty_concatenates": ("l1_penalty", '''
def l1_penalty(weights, lam):
    flat = np.concatenate([np.ravel(w) for w in weights])  # fails on an empty list
    return lam * float(np.sum(np.abs(flat))), [lam * np.sign(_as_float(w)) for w in weights]''', _CONCATENATES),
    "l1_penalty_float64": ("l1_penalty", '''
def l1_penalty(weights, lam):
    weights = [np.asarray(w, dtype=np.float64) for w in weights]
    return lam * float(sum(np.sum(np.abs(w)) for w in weights)), [lam * np.sign(w) for w in weights]''', _FLOAT64),
    "l1_penalty_replaces_list_items": ("l1_penalty", '''
def l1_penalty(weights, lam):
    value = lam * float(sum(np.sum(np.abs(w)) for w in weights))
    for i, w in enumerate(weights):
        weights[i] = lam * np.sign(_as_float(w))  # new arrays, but in the caller's list
    return value, weights''', _LIST_ITEMS),
    # l2_penalty
    "l2_penalty_no_lambda": ("l2_penalty", '''
def l2_penalty(weights, lam):
    return float(sum(np.sum(np.square(w)) for w in weights)), [2 * _as_float(w) for w in weights]''',
        "leaves out λ: the value is λ·Σw² and the gradient 2λ·w"),
    "l2_penalty_half_convention": ("l2_penalty", '''
def l2_penalty(weights, lam):
    value = 0.5 * lam * float(sum(np.sum(np.square(w)) for w in weights))  # the textbooks' lam/2 * Σ w²
    return value, [lam * _as_float(w) for w in weights]''',
        "uses the ½·λ·Σw² convention (gradient λ·w); here, as in Keras's L2(l2=λ), it is λ·Σw², gradient 2λ·w"),
    "l2_penalty_grad_missing_2": ("l2_penalty", '''
def l2_penalty(weights, lam):
    value = lam * float(sum(np.sum(np.square(w)) for w in weights))
    return value, [lam * _as_float(w) for w in weights]''',
        "returns λ·w as the gradient; the derivative of λ·Σw² is 2λ·w"),
    "l2_penalty_grad_not_scaled": ("l2_penalty", '''
def l2_penalty(weights, lam):
    value = lam * float(sum(np.sum(np.square(w)) for w in weights))
    return value, [2 * _as_float(w) for w in weights]  # the derivative of w², without lam''',
        "returns 2w as the gradient, without λ; the derivative of λ·Σw² is 2λ·w"),
    "l2_penalty_norm_not_squared": ("l2_penalty", '''
def l2_penalty(weights, lam):
    norms = [np.sqrt(np.sum(np.square(w))) for w in weights]
    value = lam * float(sum(norms))
    return value, [lam * _as_float(w) / max(n, 1e-12) for w, n in zip(weights, norms)]''',
        "uses each array's norm √(Σw²) instead of its square; the penalty is λ·Σw²"),
    "l2_penalty_spectral_norm": ("l2_penalty", '''
def l2_penalty(weights, lam):
    value = lam * float(sum(np.linalg.norm(w, 2) ** 2 for w in weights))  # ord=2 of a matrix: its largest singular value
    return value, [2 * lam * _as_float(w) for w in weights]''',
        "uses np.linalg.norm(w, 2), for a matrix its largest singular value; the penalty sums w² over every entry"),
    "l2_penalty_first_array_only": ("l2_penalty", '''
def l2_penalty(weights, lam):
    value = lam * float(np.sum(np.square(weights[0])))
    return value, [2 * lam * _as_float(w) for w in weights]''',
        "sums w² over the first array only; the penalty covers every array of the list"),
    "l2_penalty_value_per_array": ("l2_penalty", '''
def l2_penalty(weights, lam):
    return [lam * float(np.sum(np.square(w))) for w in weights], [2 * lam * _as_float(w) for w in weights]''',
        "returns one value per array; the penalty is one number, the sum over all the arrays"),
    "l2_penalty_float64": ("l2_penalty", '''
def l2_penalty(weights, lam):
    weights = [np.asarray(w, dtype=np.float64) for w in weights]
    return lam * float(sum(np.sum(w ** 2) for w in weights)), [2 * lam * w for w in weights]''', _FLOAT64),
    "l2_penalty_in_place": ("l2_penalty", '''
def l2_penalty(weights, lam):
    value = lam * float(sum(np.sum(np.square(w)) for w in weights))
    grads = []
    for w in weights:
        w *= 2 * lam  # the gradient, computed in the caller's array
        grads.append(w)
    return value, grads''',
        "computes the gradients in the caller's arrays (w *= 2λ); return new arrays"),
}

"""Tools beside the grader: ``doctor`` (diagnosing a network's activations and gradients) and
``bench`` (timing the grader on a synthetic class)."""

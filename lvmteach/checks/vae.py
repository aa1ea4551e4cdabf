"""Checks for the exercises of the chapter "Variational autoencoders".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases
and compares it with ``lvmteach.nn`` or ``lvmteach.vae``, without revealing
the answer.
"""

import numpy as np

from .. import nn, vae
from ._harness import run_cases

__all__ = [
    "check_tanh_layer_backward",
    "check_gaussian_kl_prior",
    "check_bernoulli_log_lik",
]


def _tanh_layer_backward(grad_Y, X, W, b):
    """Reference: back through the tanh, then through the dense layer."""
    Y = np.tanh(nn.dense_forward(X, W, b))
    return nn.dense_backward(nn.tanh_backward(grad_Y, Y), X, W)


def check_tanh_layer_backward(fn, verbose=True):
    """Check ``fn(grad_Y, X, W, b) -> (grad_X, grad_W, grad_b)``.

    The layer is Y = tanh(X W + b), which the chapter does not spell out:
    the chain rule through the activation first, then eq. (vae-dense-grad).
    One case has large pre-activations, where tanh saturates.
    """
    sizes = [(4, 3, 2), (1, 5, 7), (16, 8, 8), (3, 1, 1), (6, 2, 3)]
    cases = []
    for i, (N, D_in, D_out) in enumerate(sizes):
        rng = np.random.default_rng(i)
        scale = 6.0 if i == len(sizes) - 1 else 1.0
        description = f"N={N}, D_in={D_in}, D_out={D_out}"
        if scale > 1:
            description += ", large pre-activations (tanh saturates)"
        cases.append(
            (
                description,
                {
                    "grad_Y": rng.normal(size=(N, D_out)),
                    "X": scale * rng.normal(size=(N, D_in)),
                    "W": rng.normal(size=(D_in, D_out)),
                    "b": rng.normal(size=D_out),
                },
            )
        )
    return run_cases(
        fn,
        _tanh_layer_backward,
        cases,
        title="check_tanh_layer_backward",
        hint="the gradient reaching the dense layer is ∂L/∂A for "
        "A = X W + b, not ∂L/∂Y; each output has the shape of what it "
        "is the gradient of",
        verbose=verbose,
    )


def _diag_gaussian_kl(mu_q, log_var_q, mu_p, log_var_p):
    """KL(N(mu_q, diag e^log_var_q) || N(mu_p, diag e^log_var_p)) per row.

    The variance ratio is exp(log_var_q − log_var_p): one exponential of a
    difference, finite whenever the answer is.
    """
    ratio = np.exp(log_var_q - log_var_p)
    maha = (mu_q - mu_p) ** 2 * np.exp(-log_var_p)
    log_ratio = log_var_q - log_var_p
    return 0.5 * np.sum(ratio + maha - 1.0 - log_ratio, axis=1)


def check_gaussian_kl_prior(fn, verbose=True):
    """Check ``fn(mu_q, log_var_q, mu_p, log_var_p) -> (N,)``, KL(q || p).

    Both q and p are diagonal Gaussians, as with a learned prior p(z) or the
    conditional priors of a hierarchical VAE. Cases: q = p (KL = 0), the
    standard-normal prior of eq. (vae-kl), random pairs, and log-variances
    near 750, where e^{log_var} overflows but the KL is an ordinary number.
    """

    def case(description, mu_q, log_var_q, mu_p, log_var_p):
        arrays = dict(
            mu_q=mu_q, log_var_q=log_var_q, mu_p=mu_p, log_var_p=log_var_p
        )
        return description, arrays

    same_mu, same_lv = np.full((2, 3), 0.7), np.full((2, 3), -1.2)
    cases = [
        case("q = p: KL = 0", same_mu, same_lv, same_mu + 0, same_lv + 0)
    ]
    rng = np.random.default_rng(19)
    mu, lv = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    zeros = np.zeros((3, 4))
    cases.append(
        case("standard-normal prior, eq. (vae-kl)", mu, lv, zeros, zeros)
    )
    for i, (N, L) in enumerate([(4, 2), (1, 5), (6, 1)]):
        rng = np.random.default_rng(20 + i)
        mu_q, lv_q, mu_p, lv_p = rng.normal(size=(4, N, L))
        cases.append(case(f"N={N}, L={L}", mu_q, lv_q, 2 * mu_p, lv_p))
    rng = np.random.default_rng(30)
    big = 750.0 + rng.normal(size=(2, 3))
    cases.append(
        case(
            "log-variances near 750 (e^log_var overflows; the KL does not)",
            rng.normal(size=(2, 3)),
            big,
            rng.normal(size=(2, 3)),
            big - rng.uniform(-2, 2, size=(2, 3)),
        )
    )
    return run_cases(
        fn,
        _diag_gaussian_kl,
        cases,
        title="check_gaussian_kl_prior",
        hint="KL(q || p) = E_q[log q − log p], dimension by dimension; "
        "which variance divides which?",
        verbose=verbose,
    )


def check_bernoulli_log_lik(fn, verbose=True):
    """Check ``fn(X, logits) -> (N,)``, Σ_d log Bernoulli(x_d |
    sigmoid(a_d)), also for huge |a|.
    """
    cases = []
    for i, (N, D, scale) in enumerate([(3, 4, 1.0), (5, 2, 5.0)]):
        rng = np.random.default_rng(30 + i)
        cases.append(
            (
                f"N={N}, D={D}",
                {
                    "X": (rng.uniform(size=(N, D)) < 0.5).astype(float),
                    "logits": scale * rng.normal(size=(N, D)),
                },
            )
        )
    cases.append(
        (
            "logits of +-800 (naive log(sigmoid) gives -inf or nan)",
            {
                "X": np.array([[1.0, 0.0, 1.0, 0.0]]),
                "logits": np.array([[800.0, -800.0, -800.0, 800.0]]),
            },
        )
    )
    return run_cases(
        fn,
        vae.bernoulli_log_lik,
        cases,
        title="check_bernoulli_log_lik",
        hint="write both log-probabilities with softplus, and compute "
        "softplus so that exp never sees a large positive argument",
        verbose=verbose,
    )

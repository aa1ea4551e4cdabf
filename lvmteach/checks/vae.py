"""Checks for the exercises of the chapter "Variational autoencoders".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases and compares it
with ``lvmteach.nn`` or ``lvmteach.vae``, without revealing the answer.
"""

import numpy as np

from .. import nn, vae
from ._harness import run_cases

__all__ = ["check_dense_backward", "check_tanh_backward", "check_gaussian_kl", "check_bernoulli_log_lik"]


def check_dense_backward(fn, verbose=True):
    """Check ``fn(grad_Y, X, W) -> (grad_X, grad_W, grad_b)`` for Y = X W + b (eq. vae-dense-grad)."""
    cases = []
    for i, (N, D_in, D_out) in enumerate([(4, 3, 2), (1, 5, 7), (16, 8, 8), (3, 1, 1)]):
        rng = np.random.default_rng(i)
        cases.append((f"N={N}, D_in={D_in}, D_out={D_out}", {"grad_Y": rng.normal(size=(N, D_out)), "X": rng.normal(size=(N, D_in)), "W": rng.normal(size=(D_in, D_out))}))
    return run_cases(
        fn,
        nn.dense_backward,
        cases,
        title="check_dense_backward",
        hint="grad_X has the shape of X and grad_W the shape of W; the bias is added to every row, "
        "so its gradient sums grad_Y over the rows",
        verbose=verbose,
    )


def check_tanh_backward(fn, verbose=True):
    """Check ``fn(grad_Y, Y) -> grad_A`` for Y = tanh(A), given the output Y."""
    cases = []
    for i, shape in enumerate([(3, 4), (1, 1), (10, 2)]):
        rng = np.random.default_rng(10 + i)
        cases.append((f"shape {shape}", {"grad_Y": rng.normal(size=shape), "Y": np.tanh(2 * rng.normal(size=shape))}))
    return run_cases(fn, nn.tanh_backward, cases, title="check_tanh_backward", hint="d tanh(a)/da = 1 - tanh(a)^2, and tanh(a) is Y", verbose=verbose)


def check_gaussian_kl(fn, verbose=True):
    """Check ``fn(mu, log_var) -> (N,)``, KL(N(mu, diag exp(log_var)) || N(0, I)) (eq. vae-kl)."""
    cases = [("standard normal: KL = 0", {"mu": np.zeros((2, 3)), "log_var": np.zeros((2, 3))})]
    for i, (N, L) in enumerate([(4, 2), (1, 5), (6, 1)]):
        rng = np.random.default_rng(20 + i)
        cases.append((f"N={N}, L={L}", {"mu": rng.normal(size=(N, L)), "log_var": rng.normal(size=(N, L))}))
    return run_cases(
        fn,
        vae.gaussian_kl,
        cases,
        title="check_gaussian_kl",
        hint="sum over latent dimensions of 0.5 * (mu^2 + sigma^2 - log sigma^2 - 1), with sigma^2 = exp(log_var)",
        verbose=verbose,
    )


def check_bernoulli_log_lik(fn, verbose=True):
    """Check ``fn(X, logits) -> (N,)``, Σ_d log Bernoulli(x_d | sigmoid(a_d)), also for huge |a|."""
    cases = []
    for i, (N, D, scale) in enumerate([(3, 4, 1.0), (5, 2, 5.0)]):
        rng = np.random.default_rng(30 + i)
        cases.append((f"N={N}, D={D}", {"X": (rng.uniform(size=(N, D)) < 0.5).astype(float), "logits": scale * rng.normal(size=(N, D))}))
    cases.append(("logits of +-800 (naive log(sigmoid) gives -inf or nan)", {"X": np.array([[1.0, 0.0, 1.0, 0.0]]), "logits": np.array([[800.0, -800.0, -800.0, 800.0]])}))
    return run_cases(
        fn,
        vae.bernoulli_log_lik,
        cases,
        title="check_bernoulli_log_lik",
        hint="log sigmoid(a) = -softplus(-a) and log(1 - sigmoid(a)) = -softplus(a); write softplus stably "
        "as max(a, 0) + log1p(exp(-|a|))",
        verbose=verbose,
    )

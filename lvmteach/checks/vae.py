"""Checks for the exercises of the chapter "Variational autoencoders".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases and compares it
with ``lvmteach.nn`` or ``lvmteach.vae``, without revealing the answer.
"""

import numpy as np

from .. import nn, vae
from ._harness import run_cases

__all__ = [
    "check_tanh_layer_backward",
    "check_gaussian_kl",
    "check_bernoulli_log_lik",
]


def _tanh_layer_backward(grad_Y, X, W, b):
    """The reference: back through the tanh, then through the dense layer."""
    Y = np.tanh(nn.dense_forward(X, W, b))
    return nn.dense_backward(nn.tanh_backward(grad_Y, Y), X, W)


def check_tanh_layer_backward(fn, verbose=True):
    """Check ``fn(grad_Y, X, W, b) -> (grad_X, grad_W, grad_b)`` for Y = tanh(X W + b).

    A layer the chapter does not spell out: the chain rule through the activation first, then
    eq. (vae-dense-grad). One case has large pre-activations, where tanh saturates.
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
        hint="the gradient reaching the dense layer is ∂L/∂A for A = X W + b, not ∂L/∂Y; "
        "each output has the shape of what it is the gradient of",
        verbose=verbose,
    )


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

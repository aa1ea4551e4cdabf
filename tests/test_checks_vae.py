"""The VAE chapter's exercise checks accept the reference and reject typical mistakes."""

import numpy as np

from lvmteach import nn, vae
from lvmteach.checks import vae as checks


def test_dense_backward_check():
    assert checks.check_dense_backward(nn.dense_backward, verbose=False)
    assert not checks.check_dense_backward(
        lambda grad_Y, X, W: (grad_Y @ W.T, X.T @ grad_Y, grad_Y.mean(axis=0)), verbose=False
    )
    assert not checks.check_dense_backward(
        lambda grad_Y, X, W: (grad_Y @ W.T, grad_Y.T @ X, grad_Y.sum(axis=0)), verbose=False
    )

    def stub(grad_Y, X, W):
        raise NotImplementedError

    result = checks.check_dense_backward(stub, verbose=False)
    assert not result and "not implemented" in result.message


def test_tanh_backward_check():
    assert checks.check_tanh_backward(nn.tanh_backward, verbose=False)
    assert not checks.check_tanh_backward(
        lambda grad_Y, Y: grad_Y * (1 - np.tanh(Y) ** 2), verbose=False
    )


def test_gaussian_kl_check():
    assert checks.check_gaussian_kl(vae.gaussian_kl, verbose=False)
    assert not checks.check_gaussian_kl(
        lambda mu, log_var: 0.5 * np.sum(mu**2 + np.exp(0.5 * log_var) - 0.5 * log_var - 1, axis=1),
        verbose=False,
    )
    assert not checks.check_gaussian_kl(
        lambda mu, log_var: 0.5 * np.sum(mu**2 + np.exp(log_var) - log_var, axis=1), verbose=False
    )


def test_bernoulli_log_lik_check_rejects_the_naive_formula():
    assert checks.check_bernoulli_log_lik(vae.bernoulli_log_lik, verbose=False)

    def naive(X, logits):
        p = 1 / (1 + np.exp(-logits))
        return np.sum(X * np.log(p) + (1 - X) * np.log(1 - p), axis=1)

    with np.errstate(all="ignore"):
        result = checks.check_bernoulli_log_lik(naive, verbose=False)
    assert not result and "800" in result.message

"""The VAE chapter's exercise checks accept the reference and reject typical mistakes."""

import numpy as np

from lvmteach import nn, vae
from lvmteach.checks import vae as checks


def test_tanh_layer_backward_check():
    def reference(grad_Y, X, W, b):
        Y = np.tanh(nn.dense_forward(X, W, b))
        return nn.dense_backward(nn.tanh_backward(grad_Y, Y), X, W)

    assert checks.check_tanh_layer_backward(reference, verbose=False)
    assert not checks.check_tanh_layer_backward(
        lambda grad_Y, X, W, b: nn.dense_backward(grad_Y, X, W), verbose=False
    )

    def stub(grad_Y, X, W, b):
        raise NotImplementedError

    result = checks.check_tanh_layer_backward(stub, verbose=False)
    assert not result and "not implemented" in result.message


def test_gaussian_kl_prior_check():
    def kl(mq, lq, mp, lp):
        d = lq - lp
        return 0.5 * np.sum(np.exp(d) - d - 1 + (mq - mp) ** 2 * np.exp(-lp), axis=1)

    def standard_prior(mq, lq, mp, lp):
        return vae.gaussian_kl(mq, lq)

    assert checks.check_gaussian_kl_prior(kl, verbose=False)
    assert not checks.check_gaussian_kl_prior(standard_prior, verbose=False)


def test_bernoulli_log_lik_check_rejects_the_naive_formula():
    assert checks.check_bernoulli_log_lik(vae.bernoulli_log_lik, verbose=False)

    def naive(X, logits):
        p = 1 / (1 + np.exp(-logits))
        return np.sum(X * np.log(p) + (1 - X) * np.log(1 - p), axis=1)

    with np.errstate(all="ignore"):
        result = checks.check_bernoulli_log_lik(naive, verbose=False)
    assert not result and "800" in result.message

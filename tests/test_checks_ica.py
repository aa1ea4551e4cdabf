"""The ICA exercise checks accept correct answers and reject broken ones."""

import numpy as np
from scipy import linalg

from lvmteach import ica
from lvmteach.checks.ica import (
    check_fastica_update,
    check_natural_gradient_quartic,
    check_symmetric_decorrelation,
    check_whiten,
)

# ------------------------------------------------------------------ independent correct answers


def svd_whiten(X, K):
    """Via the SVD of the centred data, with arbitrary column signs."""
    Xc = X - X.mean(axis=0)
    U, d, _ = np.linalg.svd(Xc, full_matrices=False)
    return -U[:, :K] * np.sqrt(len(X))


def polar_decorrelation(W):
    return linalg.polar(W, side="left")[0]


def loop_fastica_update(W, Z):
    N = Z.shape[1]
    W_new = np.empty_like(W)
    for k in range(len(W)):
        y = W[k] @ Z
        W_new[k] = (Z * np.tanh(y)).mean(axis=1) - (1 - np.tanh(y) ** 2).mean() * W[k]
    return polar_decorrelation(W_new)


def grad_natural_gradient(Z, W):  # the ordinary gradient times WᵀW
    Y = W @ Z
    ordinary = np.linalg.inv(W).T - (Y**3) @ Z.T / Z.shape[1]
    return ordinary @ W.T @ W


# ------------------------------------------------------------------ accept


def test_checks_accept_the_package_functions():
    assert check_symmetric_decorrelation(ica.symmetric_decorrelation, verbose=False)
    assert check_fastica_update(ica.fastica_update, verbose=False)


def test_checks_accept_independent_correct_answers():
    assert check_whiten(svd_whiten, verbose=False)
    assert check_symmetric_decorrelation(polar_decorrelation, verbose=False)
    assert check_fastica_update(loop_fastica_update, verbose=False)
    assert check_natural_gradient_quartic(grad_natural_gradient, verbose=False)


# ------------------------------------------------------------------ reject


def test_check_whiten_rejects_uncentred_unbiased_or_unscaled():
    def uncentred(X, K):
        _, V, _, _ = ica.whitening_matrix(X, K)
        return X @ V.T

    def unbiased(X, K):
        return svd_whiten(X, K) * np.sqrt((len(X) - 1) / len(X))

    def unscaled(X, K):
        Xc = X - X.mean(axis=0)
        return Xc @ np.linalg.eigh(np.cov(Xc.T, bias=True))[1][:, ::-1][:, :K]

    for broken in (uncentred, unbiased, unscaled):
        assert not check_whiten(broken, verbose=False)


def test_check_symmetric_decorrelation_rejects_wrong_power_and_qr():
    def wrong_power(W):
        s, E = np.linalg.eigh(W @ W.T)
        return (E / s) @ E.T @ W

    def qr(W):
        return np.linalg.qr(W.T)[0].T

    assert not check_symmetric_decorrelation(wrong_power, verbose=False)
    assert not check_symmetric_decorrelation(qr, verbose=False)


def test_check_fastica_update_rejects_missing_term_or_decorrelation():
    def no_derivative_term(W, Z):
        return polar_decorrelation(np.tanh(W @ Z) @ Z.T / Z.shape[1])

    def no_decorrelation(W, Z):
        Y = np.tanh(W @ Z)
        return Y @ Z.T / Z.shape[1] - (1 - Y**2).mean(axis=1)[:, None] * W

    def unnormalised(W, Z):
        Y = np.tanh(W @ Z)
        return polar_decorrelation(Y @ Z.T - (1 - Y**2).sum(axis=1)[:, None] * W) * 2

    for broken in (no_derivative_term, no_decorrelation, unnormalised):
        assert not check_fastica_update(broken, verbose=False)


def test_check_natural_gradient_rejects_wrong_sign_sech_score_or_plain_gradient():
    def wrong_sign(Z, W):
        Y = W @ Z
        return W + (Y**3) @ Y.T / Z.shape[1] @ W

    assert not check_natural_gradient_quartic(wrong_sign, verbose=False)
    assert not check_natural_gradient_quartic(ica.natural_gradient, verbose=False)
    assert not check_natural_gradient_quartic(ica.log_likelihood_grad, verbose=False)


def test_checks_report_not_implemented_and_exceptions():
    def stub(Z, W):
        raise NotImplementedError

    result = check_natural_gradient_quartic(stub, verbose=False)
    assert not result and "not implemented" in result.message
    result = check_symmetric_decorrelation(lambda W: W[5, 5], verbose=False)
    assert not result and "IndexError" in result.message

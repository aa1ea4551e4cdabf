"""The factor-model exercise checks accept correct answers and reject broken ones."""

import numpy as np
import pytest

from lvmteach import factor
from lvmteach.checks.factor import (
    check_impute,
    check_log_likelihood,
    check_posterior,
    check_ppca_closed_form,
)

# ------------------------------------------------------------------ independent correct answers


def eig_closed_form(X, q):
    """Via numpy.linalg.eigh of the MLE covariance, with arbitrary column signs."""
    N, D = X.shape
    mean = X.mean(axis=0)
    lam, U = np.linalg.eigh((X - mean).T @ (X - mean) / N)
    lam, U = lam[::-1], U[:, ::-1]
    sigma2 = lam[q:].mean()
    return mean, -U[:, :q] * np.sqrt(lam[:q] - sigma2), sigma2


def dense_posterior(X, mean, W, sigma2):
    M = W.T @ W + sigma2 * np.eye(W.shape[1])
    return np.linalg.solve(M, W.T @ (X - mean).T).T, sigma2 * np.linalg.inv(M)


def dense_log_likelihood(X, mean, W, psi):
    from scipy.stats import multivariate_normal

    return multivariate_normal(mean, W @ W.T + np.diag(psi)).logpdf(X).reshape(len(X))


def dense_impute(X, mean, W, sigma2):
    C = W @ W.T + sigma2 * np.eye(len(mean))
    out = X.copy()
    for n in range(len(X)):
        m = np.isnan(X[n])
        o = ~m
        if m.any():
            out[n, m] = mean[m] + C[np.ix_(m, o)] @ np.linalg.solve(
                C[np.ix_(o, o)], X[n, o] - mean[o]
            )
    return out


# ------------------------------------------------------------------ accept


def test_checks_accept_the_package_functions():
    assert check_ppca_closed_form(factor.ppca_closed_form, verbose=False)
    assert check_posterior(
        lambda X, mean, W, sigma2: factor.posterior(X, mean, W, sigma2), verbose=False
    )
    assert check_log_likelihood(factor.log_likelihood, verbose=False)


def test_checks_accept_independent_correct_answers():
    assert check_ppca_closed_form(eig_closed_form, verbose=False)
    assert check_posterior(dense_posterior, verbose=False)
    assert check_log_likelihood(dense_log_likelihood, verbose=False)
    assert check_impute(dense_impute, verbose=False)


# ------------------------------------------------------------------ reject


def unbiased_closed_form(X, q):
    N = len(X)
    mean, W, s2 = eig_closed_form(X, q)
    return mean, W * np.sqrt(N / (N - 1)), s2 * N / (N - 1)


def no_noise_subtracted(X, q):
    mean, W, s2 = eig_closed_form(X, q)
    lam = np.sum(W**2, axis=0) + s2
    return mean, W / np.sqrt(lam - s2) * np.sqrt(lam), s2


@pytest.mark.parametrize(
    "broken",
    [
        unbiased_closed_form,
        no_noise_subtracted,
        lambda X, q: (
            X.mean(0),
            eig_closed_form(X, q)[1],
            np.linalg.eigvalsh(np.cov(X.T, bias=True))[: X.shape[1] - q].mean() * 0.9,
        ),
        lambda X, q: eig_closed_form(X, q)[1:],
    ],
)
def test_check_ppca_closed_form_rejects_broken(broken):
    assert not check_ppca_closed_form(broken, verbose=False)


@pytest.mark.parametrize(
    "broken",
    [
        lambda X, mean, W, s2: (
            dense_posterior(X, mean, W, s2)[0],
            np.linalg.inv(W.T @ W + s2 * np.eye(W.shape[1])),
        ),
        lambda X, mean, W, s2: ((X - mean) @ W, dense_posterior(X, mean, W, s2)[1]),
        lambda X, mean, W, s2: (
            dense_posterior(X, 0 * mean, W, s2)[0],
            dense_posterior(X, mean, W, s2)[1],
        ),
    ],
)
def test_check_posterior_rejects_broken(broken):
    assert not check_posterior(broken, verbose=False)


@pytest.mark.parametrize(
    "broken",
    [
        lambda X, mean, W, psi: dense_log_likelihood(X, mean, W, np.full(len(psi), psi.mean())),
        lambda X, mean, W, psi: dense_log_likelihood(X, mean, W, psi) + 0.5 * np.log(2 * np.pi),
        lambda X, mean, W, psi: np.sum(dense_log_likelihood(X, mean, W, psi)),
        lambda X, mean, W, psi: np.log(np.exp(dense_log_likelihood(X, mean, W, psi)) * (1 + 1e-6)),
    ],
)
def test_check_log_likelihood_rejects_broken(broken):
    assert not check_log_likelihood(broken, verbose=False)


@pytest.mark.parametrize(
    "broken",
    [
        lambda X, mean, W, s2: np.where(np.isnan(X), mean, X),  # mean imputation
        lambda X, mean, W, s2: np.nan_to_num(X),
        lambda X, mean, W, s2: np.where(
            np.isnan(X), dense_impute(np.where(np.isnan(X), X, X), mean, W, 2 * s2), X
        ),
        lambda X, mean, W, s2: dense_impute(X, mean, W, s2)[:, :-1],
    ],
)
def test_check_impute_rejects_broken(broken):
    assert not check_impute(broken, verbose=False)


def test_check_reports_unimplemented_stub(capsys):
    def stub(X, q):
        raise NotImplementedError

    result = check_ppca_closed_form(stub)
    assert not result
    assert "not implemented" in capsys.readouterr().out

"""The variational exercise checks accept correct solutions (written independently) and reject
common bugs.
"""

import numpy as np
from scipy.special import digamma
from scipy.stats import wishart

from lvmteach.checks import variational as checks


# ------------------------------------------------------------------ kl_gaussian


# with explicit inverses and slogdet: different code, same maths
def good_kl_gaussian(m1, cov1, m2, cov2):
    D = len(m1)
    P2 = np.linalg.inv(cov2)
    d = m2 - m1
    return 0.5 * (
        np.trace(P2 @ cov1)
        + d @ P2 @ d
        - D
        + np.linalg.slogdet(cov2)[1]
        - np.linalg.slogdet(cov1)[1]
    )


def swapped_kl_gaussian(m1, cov1, m2, cov2):  # KL(q ‖ p) vs KL(p ‖ q)
    return good_kl_gaussian(m2, cov2, m1, cov1)


# forgets the trace term, keeps -D: zero only when equal
def no_trace_kl_gaussian(m1, cov1, m2, cov2):
    D = len(m1)
    d = m2 - m1
    return 0.5 * (
        d @ np.linalg.solve(cov2, d) + np.linalg.slogdet(cov2)[1] - np.linalg.slogdet(cov1)[1]
    )


def test_kl_gaussian_check(capsys):
    assert checks.check_kl_gaussian(good_kl_gaussian)
    assert not checks.check_kl_gaussian(swapped_kl_gaussian)
    assert not checks.check_kl_gaussian(no_trace_kl_gaussian)
    assert (
        "not implemented"
        in checks.check_kl_gaussian(lambda **kw: (_ for _ in ()).throw(NotImplementedError)).message
    )


# ------------------------------------------------------------------ update_q_tau


def good_update_q_tau(x, prior, mu_N, lambda_N):
    mu0, lam0, a0, b0 = prior
    N = len(x)
    E_data = sum((xn - mu_N) ** 2 + 1 / lambda_N for xn in x)
    E_prior = lam0 * ((mu_N - mu0) ** 2 + 1 / lambda_N)
    return a0 + (N + 1) / 2, b0 + 0.5 * (E_data + E_prior)


def point_estimate_update_q_tau(x, prior, mu_N, lambda_N):  # ignores the variance of q(μ)
    mu0, lam0, a0, b0 = prior
    return a0 + (len(x) + 1) / 2, b0 + 0.5 * (np.sum((x - mu_N) ** 2) + lam0 * (mu_N - mu0) ** 2)


def half_count_update_q_tau(x, prior, mu_N, lambda_N):  # a_N = a0 + N/2: forgets the prior's factor
    a, b = good_update_q_tau(x, prior, mu_N, lambda_N)
    return a - 0.5, b


def test_update_q_tau_check(capsys):
    assert checks.check_update_q_tau(good_update_q_tau)
    assert not checks.check_update_q_tau(point_estimate_update_q_tau)
    assert not checks.check_update_q_tau(half_count_update_q_tau)


# ------------------------------------------------------------------ wishart_expected_log_det


def good_wishart_expected_log_det(W, nu):
    D = W.shape[0]
    return (
        sum(digamma((nu + 1 - i) / 2) for i in range(1, D + 1))
        + D * np.log(2)
        + np.linalg.slogdet(W)[1]
    )


def off_by_one_wishart_expected_log_det(W, nu):  # i runs over 0..D-1 instead of 1..D
    D = W.shape[0]
    return (
        sum(digamma((nu + 1 - i) / 2) for i in range(D)) + D * np.log(2) + np.linalg.slogdet(W)[1]
    )


def plugin_wishart_expected_log_det(W, nu):  # log |E[Λ]| = log |νW|: Jensen says that is too big
    return np.linalg.slogdet(nu * W)[1]


def test_wishart_expected_log_det_check(capsys):
    assert checks.check_wishart_expected_log_det(good_wishart_expected_log_det)
    assert not checks.check_wishart_expected_log_det(off_by_one_wishart_expected_log_det)
    assert not checks.check_wishart_expected_log_det(plugin_wishart_expected_log_det)


def test_reference_expected_log_det_is_not_the_plugin():
    """Sanity for the check above: the plug-in really differs from E[log|Λ|] (by Monte Carlo)."""
    W = np.array([[1.0, 0.3], [0.3, 0.5]])
    samples = wishart(df=3.0, scale=W).rvs(size=20_000, random_state=0)
    mc = np.linalg.slogdet(samples)[1].mean()
    assert abs(mc - good_wishart_expected_log_det(W, 3.0)) < 0.05
    assert plugin_wishart_expected_log_det(W, 3.0) - mc > 0.5


# ------------------------------------------------------------------ gauss_wishart_posterior


def good_gauss_wishart_posterior(nk, xbar, S, alpha0, beta0, m0, nu0, W0_inv):
    K = len(nk)
    alpha = alpha0 + nk
    beta = beta0 + nk
    m = np.array([(beta0 * m0 + nk[k] * xbar[k]) / beta[k] for k in range(K)])
    nu = nu0 + nk
    W_inv = np.array(
        [
            W0_inv
            + nk[k] * S[k]
            + beta0 * nk[k] / (beta0 + nk[k]) * np.outer(xbar[k] - m0, xbar[k] - m0)
            for k in range(K)
        ]
    )
    return alpha, beta, m, nu, W_inv


# (m_k − m0) in the outer product
def m_instead_of_xbar_posterior(nk, xbar, S, alpha0, beta0, m0, nu0, W0_inv):
    alpha, beta, m, nu, _ = good_gauss_wishart_posterior(
        nk, xbar, S, alpha0, beta0, m0, nu0, W0_inv
    )
    W_inv = np.array(
        [
            W0_inv + nk[k] * S[k] + beta0 * nk[k] / beta[k] * np.outer(m[k] - m0, m[k] - m0)
            for k in range(len(nk))
        ]
    )
    return alpha, beta, m, nu, W_inv


def nu_plus_one_posterior(nk, xbar, S, alpha0, beta0, m0, nu0, W0_inv):  # ν_k = ν0 + N_k + 1
    alpha, beta, m, nu, W_inv = good_gauss_wishart_posterior(
        nk, xbar, S, alpha0, beta0, m0, nu0, W0_inv
    )
    return alpha, beta, m, nu + 1, W_inv


def test_gauss_wishart_posterior_check(capsys):
    assert checks.check_gauss_wishart_posterior(good_gauss_wishart_posterior)
    assert not checks.check_gauss_wishart_posterior(m_instead_of_xbar_posterior)
    assert not checks.check_gauss_wishart_posterior(nu_plus_one_posterior)
    result = checks.check_gauss_wishart_posterior(
        lambda *a, **k: good_gauss_wishart_posterior(*a, **k)[:4]
    )
    assert not result and "tuple" in result.message

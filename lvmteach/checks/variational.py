"""Checks for the coding exercises of "Variational inference".

Each ``check_*`` runs your function on random cases against the reference in
``lvmteach.variational`` and prints what is off (never the expected values).
"""

import numpy as np

from .. import variational
from ._harness import run_cases

__all__ = [
    "check_kl_gaussian",
    "check_update_q_tau",
    "check_wishart_expected_log_det",
    "check_gauss_wishart_posterior",
]


def _spd(rng, D, jitter=0.5):
    A = rng.normal(size=(D, D))
    return A @ A.T + jitter * np.eye(D)


def check_kl_gaussian(my_kl_gaussian, verbose=True):
    """Check ``my_kl_gaussian(m1, cov1, m2, cov2) -> float``: KL(𝒩(m1, cov1)
    ‖ 𝒩(m2, cov2)), D ≥ 1.
    """
    rng = np.random.default_rng(0)
    cases = []
    for i in range(8):
        D = int(rng.integers(1, 5))
        same = i == 0
        m1 = rng.normal(size=D)
        S1 = _spd(rng, D)
        m2, S2 = (
            (m1, S1)
            if same
            else (rng.normal(scale=2, size=D), _spd(rng, D))
        )
        cases.append(
            (
                f"D={D}" + (", identical Gaussians" if same else ""),
                dict(m1=m1, cov1=S1, m2=m2, cov2=S2),
            )
        )
    return run_cases(
        my_kl_gaussian,
        variational.kl_gaussian,
        cases,
        title="kl_gaussian",
        verbose=verbose,
        hint="the inverse is of the *second* covariance; a log-determinant "
        "is a sum over the diagonal of a Cholesky factor",
        rtol=1e-8,
        atol=1e-10,
    )


def check_update_q_tau(my_update_q_tau, verbose=True):
    """Check ``my_update_q_tau(x, prior, mu_N, lambda_N) -> (a_N, b_N)``
    (Bishop 10.29-10.30).

    ``prior`` is (μ₀, λ₀, a₀, b₀); q(μ) = 𝒩(mu_N, 1/lambda_N).
    """
    rng = np.random.default_rng(1)
    cases = []
    for _ in range(6):
        N = int(rng.integers(1, 30))
        prior = (
            float(rng.normal()),
            float(rng.uniform(0.1, 3)),
            float(rng.uniform(0.5, 3)),
            float(rng.uniform(0.5, 3)),
        )
        cases.append(
            (
                f"N={N}",
                dict(
                    x=rng.normal(1.0, 2.0, size=N),
                    prior=prior,
                    mu_N=float(rng.normal()),
                    lambda_N=float(rng.uniform(0.5, 20)),
                ),
            )
        )
    return run_cases(
        my_update_q_tau,
        variational.update_q_tau,
        cases,
        title="update_q_tau",
        verbose=verbose,
        hint="a_N counts N + 1 Gaussian factors that contain τ (the N "
        "data and the prior on μ); in b_N, "
        "E[(c − μ)²] = (c − μ_N)² + 1/λ_N — do not forget the variance of "
        "q(μ)",
        rtol=1e-10,
    )


def check_wishart_expected_log_det(
    my_wishart_expected_log_det, verbose=True
):
    """Check ``my_wishart_expected_log_det(W, nu) -> float``: E[log |Λ|]
    under W(Λ | W, ν).
    """
    rng = np.random.default_rng(2)
    cases = []
    for _ in range(6):
        D = int(rng.integers(1, 5))
        cases.append(
            (
                f"D={D}",
                dict(
                    W=_spd(rng, D) / D,
                    nu=float(D - 1 + rng.uniform(0.2, 10)),
                ),
            )
        )
    return run_cases(
        my_wishart_expected_log_det,
        variational.wishart_expected_log_det,
        cases,
        title="wishart_expected_log_det",
        verbose=verbose,
        hint="D digamma terms, one per dimension, plus constants and "
        "log|W| (scipy.special.digamma)",
        rtol=1e-10,
    )


def check_gauss_wishart_posterior(my_gauss_wishart_posterior, verbose=True):
    """Check ``my_gauss_wishart_posterior(nk, xbar, S, alpha0, beta0, m0,
    nu0, W0_inv)``.

    It returns ``(alpha, beta, m, nu, W_inv)`` with shapes (K,), (K,), (K,
    D), (K,), (K, D, D) (Bishop eqs. 10.58, 10.60-10.63).
    """
    rng = np.random.default_rng(3)
    cases = []
    for _ in range(6):
        K, D = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        nk = rng.uniform(0.0, 50, size=K)
        S = np.stack([_spd(rng, D, 0.1) for _ in range(K)])
        cases.append(
            (
                f"K={K}, D={D}",
                dict(
                    nk=nk,
                    xbar=rng.normal(size=(K, D)),
                    S=S,
                    alpha0=float(rng.uniform(0.01, 2)),
                    beta0=float(rng.uniform(0.1, 2)),
                    m0=rng.normal(size=D),
                    nu0=float(D + rng.uniform(0, 3)),
                    W0_inv=_spd(rng, D),
                ),
            )
        )

    def reference(nk, xbar, S, alpha0, beta0, m0, nu0, W0_inv):
        q = variational.gauss_wishart_posterior(
            nk,
            xbar,
            S,
            variational.GMMPrior(alpha0, beta0, m0, nu0, W0_inv),
        )
        return q.alpha, q.beta, q.m, q.nu, q.W_inv

    return run_cases(
        my_gauss_wishart_posterior,
        reference,
        cases,
        title="gauss_wishart_posterior",
        verbose=verbose,
        hint="the prior acts as pseudo-observations; W_k⁻¹ needs a "
        "third term for the distance between x̄_k and m₀",
        rtol=1e-10,
        atol=1e-12,
    )

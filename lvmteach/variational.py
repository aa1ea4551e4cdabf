"""Variational inference: KL divergences, mean-field CAVI and the Bayesian
Gaussian mixture.

Chapter "Variational inference" (book/variational) derives every function
here; each docstring names its equation. One sign convention throughout: we
**maximise** the evidence lower bound

    𝓛(q) = E_q[log p(X, Z)] − E_q[log q(Z)]
         = log p(X) − KL(q ‖ p(Z | X))                     (eq. (vi-elbo)),

and a loss, where one is needed, is −𝓛.

Contents
--------
* Closed-form KL divergences and entropies of the Gaussian, Gamma, Dirichlet
  and Wishart distributions, and the expectations mean-field updates need
  (E[log π_k], E[log |Λ|]).
* ``fit_kl``: the best Gaussian for a 1-D target under KL(p‖q) ("forward",
  mass covering) or KL(q‖p) ("reverse", mode seeking), with
  ``gaussian_expectation``, the adaptive quadrature of E_q[f] and its
  gradient that the reverse fit needs.
* ``cavi_gaussian``: mean field for a correlated Gaussian (Bishop §10.1.2):
  exact means, too small variances; ``cavi_gaussian_rate``, its linear
  convergence rate (ρ² in 2-D).
* ``cavi_univariate_gaussian``: CAVI for the mean and precision of a
  univariate Gaussian (Bishop §10.1.3), with
  ``exact_posterior_univariate_gaussian`` to compare.
* ``BayesianGaussianMixture``: mean-field variational Bayes for the Gaussian
  mixture with a Dirichlet prior on the weights and Gauss-Wishart priors on
  the components (Bishop §10.2), built on the shared coordinate-ascent
  driver ``lvmteach.em.fit_em`` and on the Gaussian pieces of
  ``lvmteach.mixture``.

Parametrisations (Bishop's): Gam(τ | a, b) has shape a and *rate* b (mean
a/b); W(Λ | W, ν) is the Wishart with scale matrix W and ν degrees of
freedom (mean νW), as ``scipy.stats.wishart(df=ν, scale=W)``.
"""

import warnings
from typing import NamedTuple

import numpy as np
from scipy import linalg, optimize
from scipy.special import digamma, gammaln

from .base import BaseEstimator, check_is_fitted
from .em import EMMixin, check_monotone, fit_em
from .exceptions import ConvergenceWarning
from .mixture import (
    KMeans,
    gaussian_log_prob,
    m_step,
    precision_cholesky,
    sufficient_statistics,
)
from .numerics import cholesky_or_raise, log_det_from_cholesky, logsumexp
from .validation import (
    check_array,
    check_in,
    check_n_features,
    check_positive_int,
    check_positive_scalar,
)

__all__ = [
    # KL divergences, entropies, expectations
    "kl_gaussian",
    "kl_gamma",
    "kl_dirichlet",
    "kl_wishart",
    "entropy_gaussian",
    "entropy_gamma",
    "entropy_dirichlet",
    "entropy_wishart",
    "dirichlet_expected_log",
    "wishart_expected_log_det",
    "log_multigamma",
    # the direction of the KL
    "fit_kl",
    "gaussian_expectation",
    # mean field for a Gaussian
    "cavi_gaussian",
    "cavi_gaussian_rate",
    # the univariate Gaussian (Bishop 10.1.3)
    "NormalGamma",
    "exact_posterior_univariate_gaussian",
    "log_evidence_univariate_gaussian",
    "update_q_mu",
    "update_q_tau",
    "elbo_univariate_gaussian",
    "cavi_univariate_gaussian",
    # the Bayesian Gaussian mixture (Bishop 10.2)
    "GMMPrior",
    "GMMPosterior",
    "gauss_wishart_posterior",
    "vb_m_step",
    "expected_log_rho",
    "vb_e_step",
    "kl_to_prior",
    "vb_elbo",
    "BayesianGaussianMixture",
]

LOG_2PI = np.log(2.0 * np.pi)


# --------------------------------------------------------------------------
# Small input checks
# --------------------------------------------------------------------------


def _positive(a, name):
    """``a`` as a float array after checking every entry is finite and >
    0.
    """
    a = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(
            f"{name} must be finite and > 0, got {np.round(a, 6).tolist()}"
        )
    return a


def _spd(A, name):
    """``(A, cholesky(A))`` after checking ``A`` is a square symmetric
    positive definite matrix.
    """
    A = np.asarray(A, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(
            f"{name} must be a square matrix, got shape {A.shape}"
        )
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name} contains NaN or infinity")
    if not np.allclose(
        A, A.T, rtol=1e-10, atol=1e-12 * max(1.0, np.abs(A).max())
    ):
        raise ValueError(f"{name} must be symmetric")
    return A, cholesky_or_raise(
        A, what=name, hint="pass a symmetric positive definite matrix"
    )


def _wishart_dof(nu, D, name):
    nu = _positive(nu, name)
    if np.any(nu <= D - 1):
        raise ValueError(
            f"{name} must be greater than D - 1 = {D - 1} for a {D}x{D} "
            "Wishart, got "
            f"{np.round(nu, 6).tolist()}"
        )
    return nu


# --------------------------------------------------------------------------
# Expectations (chapter section "Mean field for the Bayesian GMM")
# --------------------------------------------------------------------------


def log_multigamma(a, D):
    """log Γ_D(a) = D(D−1)/4 · log π + Σ_{i=1}^{D} log Γ(a + (1 − i)/2),
    elementwise in ``a``.
    """
    a = np.asarray(a, dtype=np.float64)
    i = np.arange(1, D + 1)
    return 0.25 * D * (D - 1) * np.log(np.pi) + gammaln(
        a[..., None] + 0.5 * (1 - i)
    ).sum(axis=-1)


def dirichlet_expected_log(alpha):
    """E[log π_k] = ψ(α_k) − ψ(Σ_j α_j) under Dir(π | α) (Bishop eq. 10.66;
    eq. (vi-elog-pi) in the chapter "Variational inference").
    """
    alpha = _positive(alpha, "alpha")
    return digamma(alpha) - digamma(alpha.sum(axis=-1, keepdims=True))


def _wishart_elogdet(log_det_W, nu, D):
    """E[log |Λ|] from log |W| (works on arrays of components)."""
    i = np.arange(1, D + 1)
    return (
        digamma(0.5 * (np.asarray(nu, dtype=float)[..., None] + 1 - i)).sum(
            axis=-1
        )
        + D * np.log(2.0)
        + log_det_W
    )


def wishart_expected_log_det(W, nu):
    """E[log |Λ|] = Σ_{i=1}^{D} ψ((ν + 1 − i)/2) + D log 2 + log |W| under
    W(Λ | W, ν).

    Bishop eq. (10.65) (eq.
    (vi-elog-det) in the chapter "Variational inference"). ``W`` is (D, D)
    with a scalar ``nu``.
    """
    W, L = _spd(W, "W")
    D = W.shape[0]
    nu = _wishart_dof(nu, D, "nu")
    return float(_wishart_elogdet(log_det_from_cholesky(L), nu, D))


# --------------------------------------------------------------------------
# Entropies and KL divergences with closed forms
# --------------------------------------------------------------------------


def entropy_gaussian(cov):
    """H[𝒩(μ, Σ)] = ½ D (1 + log 2π) + ½ log |Σ| (a scalar ``cov`` is a
    variance).
    """
    cov = np.atleast_2d(np.asarray(cov, dtype=np.float64))
    cov, L = _spd(cov, "cov")
    D = cov.shape[0]
    return float(0.5 * D * (1.0 + LOG_2PI) + 0.5 * log_det_from_cholesky(L))


def kl_gaussian(m1, cov1, m2, cov2):
    """KL(𝒩(m₁, Σ₁) ‖ 𝒩(m₂, Σ₂)) = ½ [tr(Σ₂⁻¹Σ₁) + (m₂−m₁)ᵀΣ₂⁻¹(m₂−m₁) − D +
    log |Σ₂|/|Σ₁|].

    Through Cholesky factors: with Σ = L Lᵀ, tr(Σ₂⁻¹Σ₁) = ‖L₂⁻¹L₁‖²_F and
    the Mahalanobis term is ‖L₂⁻¹(m₂ − m₁)‖². Scalars mean a univariate
    Gaussian with that mean and variance.
    """
    m1, m2 = (
        np.atleast_1d(np.asarray(m1, dtype=float)),
        np.atleast_1d(np.asarray(m2, dtype=float)),
    )
    cov1, L1 = _spd(np.atleast_2d(np.asarray(cov1, dtype=float)), "cov1")
    cov2, L2 = _spd(np.atleast_2d(np.asarray(cov2, dtype=float)), "cov2")
    D = cov1.shape[0]
    if m1.shape != (D,) or m2.shape != (D,) or cov2.shape != (D, D):
        raise ValueError(
            f"shapes do not agree: m1 {m1.shape}, cov1 {cov1.shape}, m2 "
            f"{m2.shape}, cov2 {cov2.shape}"
        )
    A = linalg.solve_triangular(L2, L1, lower=True)
    b = linalg.solve_triangular(L2, m2 - m1, lower=True)
    return float(
        0.5
        * (
            np.sum(A**2)
            + b @ b
            - D
            + log_det_from_cholesky(L2)
            - log_det_from_cholesky(L1)
        )
    )


def entropy_gamma(a, b):
    """H[Gam(a, b)] = a − log b + log Γ(a) + (1 − a) ψ(a) (shape a, rate
    b).
    """
    a, b = _positive(a, "a"), _positive(b, "b")
    return a - np.log(b) + gammaln(a) + (1.0 - a) * digamma(a)


def kl_gamma(a1, b1, a2, b2):
    """KL(Gam(a₁, b₁) ‖ Gam(a₂, b₂)) (shape, rate) = (a₁−a₂)ψ(a₁) − log
    Γ(a₁) + log Γ(a₂) + a₂ (log b₁ − log b₂) + a₁ (b₂ − b₁)/b₁.
    """
    a1, b1, a2, b2 = (
        _positive(v, n)
        for v, n in ((a1, "a1"), (b1, "b1"), (a2, "a2"), (b2, "b2"))
    )
    return (
        (a1 - a2) * digamma(a1)
        - gammaln(a1)
        + gammaln(a2)
        + a2 * (np.log(b1) - np.log(b2))
        + a1 * (b2 - b1) / b1
    )


def _log_dirichlet_norm(alpha):
    """log C(α) = log Γ(Σα) − Σ log Γ(α_k), Bishop eq. (B.23)."""
    return gammaln(alpha.sum(axis=-1)) - gammaln(alpha).sum(axis=-1)


def entropy_dirichlet(alpha):
    """H[Dir(α)] = −log C(α) + (α̂ − K) ψ(α̂) − Σ_k (α_k − 1) ψ(α_k), α̂ = Σ_k
    α_k.
    """
    alpha = _positive(alpha, "alpha")
    a0 = alpha.sum(axis=-1)
    return (
        -_log_dirichlet_norm(alpha)
        + (a0 - alpha.shape[-1]) * digamma(a0)
        - ((alpha - 1) * digamma(alpha)).sum(axis=-1)
    )


def kl_dirichlet(alpha, alpha0):
    """KL(Dir(α) ‖ Dir(α⁰)) = log C(α) − log C(α⁰) + Σ_k (α_k − α⁰_k) E[log
    π_k] (eq. (vi-kl-dir) in the chapter "Variational inference").
    """
    alpha = _positive(alpha, "alpha")
    alpha0 = np.broadcast_to(_positive(alpha0, "alpha0"), alpha.shape)
    return float(
        _log_dirichlet_norm(alpha)
        - _log_dirichlet_norm(alpha0)
        + np.sum((alpha - alpha0) * dirichlet_expected_log(alpha))
    )


def _log_wishart_norm(log_det_W, nu, D):
    """log B(W, ν) = −(ν/2) log |W| − (νD/2) log 2 − log Γ_D(ν/2), Bishop
    eq. (B.79).
    """
    return (
        -0.5 * nu * log_det_W
        - 0.5 * nu * D * np.log(2.0)
        - log_multigamma(0.5 * nu, D)
    )


def _kl_wishart(log_det_W1, nu1, log_det_W2, nu2, trace_W2inv_W1, D):
    """KL(W(W₁, ν₁) ‖ W(W₂, ν₂)) from log-determinants and tr(W₂⁻¹W₁)
    (vectorised).
    """
    elogdet = _wishart_elogdet(log_det_W1, nu1, D)
    return (
        _log_wishart_norm(log_det_W1, nu1, D)
        - _log_wishart_norm(log_det_W2, nu2, D)
        + 0.5 * (nu1 - nu2) * elogdet
        - 0.5 * nu1 * D
        + 0.5 * nu1 * trace_W2inv_W1
    )


def entropy_wishart(W, nu):
    """H[W(W, ν)] = −log B(W, ν) − ½(ν − D − 1) E[log |Λ|] + νD/2 (Bishop
    eq. B.82).
    """
    W, L = _spd(W, "W")
    D = W.shape[0]
    nu = float(_wishart_dof(nu, D, "nu"))
    log_det = log_det_from_cholesky(L)
    return float(
        -_log_wishart_norm(log_det, nu, D)
        - 0.5 * (nu - D - 1) * _wishart_elogdet(log_det, nu, D)
        + 0.5 * nu * D
    )


def kl_wishart(W1, nu1, W2, nu2):
    """KL(W(Λ | W₁, ν₁) ‖ W(Λ | W₂, ν₂)) (eq.
    (vi-kl-wishart) in the chapter "Variational inference").

    = log B(W₁, ν₁) − log B(W₂, ν₂) + ½(ν₁ − ν₂) E₁[log |Λ|] − ν₁D/2 + ½ ν₁
    tr(W₂⁻¹W₁).
    """
    W1, L1 = _spd(W1, "W1")
    W2, L2 = _spd(W2, "W2")
    D = W1.shape[0]
    if W2.shape != (D, D):
        raise ValueError(
            f"W1 has shape {W1.shape} but W2 has shape {W2.shape}"
        )
    nu1, nu2 = (
        float(_wishart_dof(nu1, D, "nu1")),
        float(_wishart_dof(nu2, D, "nu2")),
    )
    trace = np.sum(linalg.solve_triangular(L2, L1, lower=True) ** 2)
    return float(
        _kl_wishart(
            log_det_from_cholesky(L1),
            nu1,
            log_det_from_cholesky(L2),
            nu2,
            trace,
            D,
        )
    )


# --------------------------------------------------------------------------
# Which KL? (chapter section "Why KL(q ‖ p)")
# --------------------------------------------------------------------------


# 8-point Gauss-Legendre on [-1, 1]
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(8)


def gaussian_expectation(
    f, m, s, *, tol=1e-10, half_width=12.0, max_panels=8192
):
    """E_q[f(z)] for q = 𝒩(m, s²) and its gradient in (m, s), by adaptive
    quadrature.

    In the standardised variable u = (z − m)/s, E_q[f] = ∫ φ(u) f(m + s u)
    du, integrated over |u| ≤ ``half_width`` (the Gaussian mass beyond 12 is
    4e-33) by a composite rule: ``P`` equal panels of 8 Gauss-Legendre
    nodes. The gradient comes from differentiating the density of q, not f
    (eq. (vi-score-grad) in the chapter "Variational inference"):
    ∂E_q[f]/∂m = E_u[u f]/s and ∂E_q[f]/∂s = E_u[(u² − 1) f]/s, so f need
    not be differentiable and one set of evaluations gives all three
    integrals.

    The rule is *adaptive*: P doubles from 16 until all three integrals
    change by less than ``tol`` · (1 + |value|). A fixed rule (e.g. 80-node
    Gauss-Hermite) resolves f only on the scale of s: when q is much broader
    than the features of f, its nodes step over them and the integral, and
    the fit that uses it, is wrong. Doubling puts the resolution where it is
    needed. Returns ``(value, d_m, d_s)``; raises ``ValueError`` if
    ``max_panels`` is not enough.
    """
    previous = None
    P = 16
    while P <= max_panels:
        h = half_width / P  # half the width of a panel
        centres = -half_width + h * (2 * np.arange(P) + 1)
        u = (centres[:, None] + h * _GL_NODES[None, :]).ravel()
        wu = (
            np.tile(h * _GL_WEIGHTS, P)
            * np.exp(-0.5 * u**2)
            / np.sqrt(2 * np.pi)
        )
        fu = np.asarray(f(m + s * u), dtype=float)
        if not np.all(np.isfinite(fu)):
            raise ValueError(
                "target_logpdf is not finite everywhere: compute it in the "
                "log domain "
                "(e.g. scipy.special.logsumexp for a mixture)"
            )
        current = np.array(
            [wu @ fu, (wu * u) @ fu / s, (wu * (u**2 - 1.0)) @ fu / s]
        )
        if previous is not None and np.all(
            np.abs(current - previous) <= tol * (1.0 + np.abs(current))
        ):
            return float(current[0]), float(current[1]), float(current[2])
        previous, P = current, 2 * P
    raise ValueError(
        f"E_q[log p] did not settle with {max_panels} quadrature panels: "
        "target_logpdf varies on a "
        "much smaller scale than q; start the fit with a smaller std"
    )


def fit_kl(
    target_logpdf,
    direction="reverse",
    *,
    init=(0.0, 1.0),
    grid=None,
    tol=1e-10,
):
    """The Gaussian q = 𝒩(m, s²) closest to a 1-D density p in one direction
    of the KL.

    Parameters
    ----------
    target_logpdf : callable
        log p(z) for an array of z (normalised; only ``'reverse'`` tolerates
        a missing constant).
    direction : {'forward', 'reverse'}
        ``'forward'`` minimises KL(p ‖ q) = −E_p[log q] + const: the
        minimiser matches the mean and variance of p (eq.
        (vi-forward-moments) in the chapter "Variational inference"),
        computed on ``grid`` by the trapezoidal rule. ``'reverse'``
        minimises KL(q ‖ p) = −H[q] − E_q[log p] by BFGS over (m, log s)
        from ``init``, with E_q[log p] and its gradient from the adaptive
        quadrature of ``gaussian_expectation`` (accurate to ``tol`` however
        broad q is); different starts can land on different modes.
    init : (mean, std)
        Starting point of the reverse fit.
    grid : 1-D array, optional
        Points covering the target's mass, for ``'forward'`` (default
        ``linspace(-15, 15, 3001)``).
    tol : float
        Relative accuracy of the quadrature, for ``'reverse'``.

    Returns
    -------
    (mean, std) : floats
    """
    check_in(direction, "direction", ("forward", "reverse"))
    if not callable(target_logpdf):
        raise ValueError(
            "target_logpdf must be a function returning log p(z) for "
            "an array of z"
        )
    if direction == "forward":
        grid = (
            np.linspace(-15.0, 15.0, 3001)
            if grid is None
            else np.asarray(grid, dtype=float)
        )
        if grid.ndim != 1 or grid.size < 3 or np.any(np.diff(grid) <= 0):
            raise ValueError(
                "grid must be an increasing 1-D array of at least 3 points"
            )
        p = np.exp(target_logpdf(grid))
        mass = np.trapezoid(p, grid)
        if not abs(mass - 1.0) < 1e-3:
            raise ValueError(
                f"the target integrates to {mass:.4g} over the grid, not "
                "1: pass a normalised "
                "target_logpdf and a grid that covers its mass"
            )
        mean = np.trapezoid(grid * p, grid) / mass
        var = np.trapezoid((grid - mean) ** 2 * p, grid) / mass
        return float(mean), float(np.sqrt(var))
    m0, s0 = init
    check_positive_scalar(s0, "init std")
    check_positive_scalar(tol, "tol")

    # KL(q ‖ p) up to log Z: −H[q] − E_q[log p], and its gradient
    def loss_and_grad(theta):
        m, log_s = theta
        s = np.exp(log_s)
        value, d_m, d_s = gaussian_expectation(target_logpdf, m, s, tol=tol)
        loss = -(0.5 * (1.0 + LOG_2PI) + log_s) - value
        return loss, np.array([-d_m, -1.0 - s * d_s])  # ∂H/∂log s = 1

    res = optimize.minimize(
        loss_and_grad,
        np.array([float(m0), np.log(s0)]),
        jac=True,
        method="BFGS",
        options={"gtol": 1e-8},
    )
    if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun):
        raise ValueError(
            "the reverse-KL fit failed (the objective is not finite); "
            "target_logpdf must be finite "
            "everywhere: compute it in the log domain (e.g. "
            "scipy.special.logsumexp for a mixture)"
        )
    return float(res.x[0]), float(np.exp(res.x[1]))


# --------------------------------------------------------------------------
# Mean field for a Gaussian (Bishop §10.1.2; chapter section "What mean
# field loses")
# --------------------------------------------------------------------------


def cavi_gaussian(mu, prec, *, m_init=None, max_iter=1000, tol=1e-10):
    """Mean-field q(z) = Π_j 𝒩(z_j | m_j, Λ_jj⁻¹) for a target 𝒩(z | μ,
    Λ⁻¹), by CAVI.

    Each update is eq. (vi-mf-gauss) in the chapter "Variational inference"
    (Bishop 10.13): m_j = μ_j − Λ_jj⁻¹ Σ_{k≠j} Λ_jk (m_k − μ_k), one
    coordinate at a time. The variances Λ_jj⁻¹ are fixed: they are the
    *conditional* variances, never larger than the marginal variances Σ_jj,
    with equality only when Λ is diagonal.

    Stops when a sweep moves no m_j by more than ``tol``. Returns
    ``(m, var, history)`` with ``history`` the ELBO −KL(q ‖ p) after each
    sweep (the target is normalised, so the log evidence is 0); it never
    decreases.
    """
    prec, L = _spd(prec, "prec")
    D = prec.shape[0]
    mu = np.asarray(mu, dtype=float)
    if mu.shape != (D,):
        raise ValueError(f"mu must have shape ({D},), got {mu.shape}")
    m = np.zeros(D) if m_init is None else np.array(m_init, dtype=float)
    if m.shape != (D,):
        raise ValueError(f"m_init must have shape ({D},), got {m.shape}")
    max_iter = check_positive_int(max_iter, "max_iter")
    var = 1.0 / np.diag(prec)
    cov = linalg.cho_solve((L, True), np.eye(D))
    history = []
    for _ in range(max_iter):
        m_old = m.copy()
        for j in range(D):
            others = np.arange(D) != j
            m[j] = mu[j] - var[j] * prec[j, others] @ (
                m[others] - mu[others]
            )
        history.append(-kl_gaussian(m, np.diag(var), mu, cov))
        check_monotone(history, what="ELBO")
        if np.max(np.abs(m - m_old)) <= tol:
            break
    return m, var, np.asarray(history)


def cavi_gaussian_rate(prec):
    """The linear convergence rate of ``cavi_gaussian``'s means (eq.
    (vi-cavi-rate) in the chapter "Variational inference").

    With errors e = m − μ, one sweep of eq. (vi-mf-gauss) solves Λ_jj e_j +
    Σ_{k<j} Λ_jk e_k(new) + Σ_{k>j} Λ_jk e_k(old) = 0 for j = 1, …, D, that
    is (D + L) e(new) = −U e(old) with Λ = L + D + U split into its strictly
    lower, diagonal and strictly upper parts: CAVI is Gauss-Seidel on Λ e
    = 0. The error shrinks asymptotically by the spectral radius of −(D +
    L)⁻¹ U per sweep, and the ELBO gap, quadratic in e, by its square. For
    D = 2 and correlation ρ the rate is ρ²: strongly correlated latents make
    coordinate ascent crawl.
    """
    prec, _ = _spd(prec, "prec")
    M = -linalg.solve_triangular(
        np.tril(prec), np.triu(prec, 1), lower=True
    )
    return float(np.max(np.abs(np.linalg.eigvals(M))))


# --------------------------------------------------------------------------
# The univariate Gaussian (Bishop §10.1.3; chapter section "A first
# example")
# --------------------------------------------------------------------------


class NormalGamma(NamedTuple):
    """Parameters of p(μ, τ) = 𝒩(μ | mu, (lam·τ)⁻¹) Gam(τ | a, b) (prior or
    exact posterior).

    For a mean-field q(μ) q(τ) the same four numbers mean q(μ) = 𝒩(μ | mu,
    1/lam) and q(τ) = Gam(τ | a, b) (then ``lam`` is a precision of μ by
    itself).
    """

    mu: float
    lam: float
    a: float
    b: float


def _check_univariate(x, prior):
    x = np.asarray(x, dtype=float)
    if x.ndim != 1 or x.size < 1:
        raise ValueError(
            "x must be a non-empty 1-D array of observations, got "
            f"shape {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or infinity")
    prior = NormalGamma(*prior)
    if not np.isfinite(prior.mu):
        raise ValueError(
            f"the prior mean mu0 must be finite, got {prior.mu}"
        )
    for name, v in (
        ("lambda0", prior.lam),
        ("a0", prior.a),
        ("b0", prior.b),
    ):
        check_positive_scalar(v, name)
    return x, prior


def exact_posterior_univariate_gaussian(x, prior):
    """The exact Normal-Gamma posterior p(μ, τ | x) for a conjugate prior
    (eq. (vi-ng-exact) in the chapter "Variational inference").

    μ_N = (λ₀μ₀ + N x̄)/(λ₀ + N), λ_N = λ₀ + N, a_N = a₀ + N/2, b_N = b₀ + ½
    [Σ(x_n − x̄)² + λ₀N(x̄ − μ₀)²/(λ₀ + N)]. Returns a ``NormalGamma``.
    """
    x, (mu0, lam0, a0, b0) = _check_univariate(x, prior)
    N, xbar = x.size, x.mean()
    return NormalGamma(
        (lam0 * mu0 + N * xbar) / (lam0 + N),
        lam0 + N,
        a0 + 0.5 * N,
        b0
        + 0.5
        * (
            np.sum((x - xbar) ** 2)
            + lam0 * N * (xbar - mu0) ** 2 / (lam0 + N)
        ),
    )


def log_evidence_univariate_gaussian(x, prior):
    """log p(x) of the Normal-Gamma model, in closed form (what the ELBO
    bounds).

    log p(x) = log Γ(a_N) − log Γ(a₀) + a₀ log b₀ − a_N log b_N + ½
    log(λ₀/λ_N) − (N/2) log 2π.
    """
    x, prior = _check_univariate(x, prior)
    post = exact_posterior_univariate_gaussian(x, prior)
    return float(
        gammaln(post.a)
        - gammaln(prior.a)
        + prior.a * np.log(prior.b)
        - post.a * np.log(post.b)
        + 0.5 * np.log(prior.lam / post.lam)
        - 0.5 * x.size * LOG_2PI
    )


def update_q_mu(x, prior, E_tau):
    """CAVI update of q(μ) = 𝒩(μ | μ_N, λ_N⁻¹) (Bishop eqs. 10.26-10.27; eq.
    (vi-q-mu) in the chapter "Variational inference").

    μ_N = (λ₀μ₀ + N x̄)/(λ₀ + N),  λ_N = (λ₀ + N) E[τ].
    Returns ``(mu_N, lambda_N)``.
    """
    mu0, lam0 = prior[0], prior[1]
    N = x.size
    return (lam0 * mu0 + N * x.mean()) / (lam0 + N), (lam0 + N) * E_tau


def update_q_tau(x, prior, mu_N, lambda_N):
    """CAVI update of q(τ) = Gam(τ | a_N, b_N) (Bishop eqs. 10.29-10.30; eq.
    (vi-q-tau) in the chapter "Variational inference").

    a_N = a₀ + (N + 1)/2,  b_N = b₀ + ½ E_μ[Σ_n (x_n − μ)² + λ₀(μ − μ₀)²],
    where under q(μ) E[(c − μ)²] = (c − μ_N)² + 1/λ_N. Returns
    ``(a_N, b_N)``.
    """
    mu0, lam0, a0, b0 = prior
    N = x.size
    sq = (
        np.sum((x - mu_N) ** 2)
        + N / lambda_N
        + lam0 * ((mu_N - mu0) ** 2 + 1.0 / lambda_N)
    )
    return a0 + 0.5 * (N + 1), b0 + 0.5 * sq


def elbo_univariate_gaussian(x, prior, q):
    """The ELBO E_q[log p(x, μ, τ)] − E_q[log q(μ) q(τ)] with all constants
    (eq. (vi-elbo) in the chapter "Variational inference").

    ``q`` is a ``NormalGamma`` read as q(μ) = 𝒩(mu, 1/lam), q(τ) = Gam(a,
    b).
    """
    x, prior = _check_univariate(x, prior)
    mu0, lam0, a0, b0 = prior
    mu_N, lam_N, a_N, b_N = q
    N = x.size
    E_tau, E_log_tau = a_N / b_N, digamma(a_N) - np.log(b_N)
    e_sq_data = np.sum((x - mu_N) ** 2) + N / lam_N
    e_sq_prior = (mu_N - mu0) ** 2 + 1.0 / lam_N
    log_lik = 0.5 * N * (E_log_tau - LOG_2PI) - 0.5 * E_tau * e_sq_data
    log_p_mu = (
        0.5 * (np.log(lam0) + E_log_tau - LOG_2PI)
        - 0.5 * lam0 * E_tau * e_sq_prior
    )
    log_p_tau = (
        a0 * np.log(b0) - gammaln(a0) + (a0 - 1) * E_log_tau - b0 * E_tau
    )
    entropy = 0.5 * (1.0 + LOG_2PI - np.log(lam_N)) + entropy_gamma(
        a_N, b_N
    )
    return float(log_lik + log_p_mu + log_p_tau + entropy)


class _CaviResult(NamedTuple):
    q: NormalGamma
    history: np.ndarray
    n_iter: int
    converged: bool


def cavi_univariate_gaussian(
    x,
    prior=(0.0, 1.0, 1.0, 1.0),
    *,
    E_tau_init=None,
    max_iter=100,
    tol=1e-12,
):
    """CAVI for q(μ) q(τ) in the Normal-Gamma model (Bishop §10.1.3;
    algorithm (alg-cavi) in the chapter "Variational inference").

    Alternates ``update_q_mu`` and ``update_q_tau`` from E[τ] =
    ``E_tau_init`` (default a₀/b₀, the prior mean), recording the ELBO
    (``elbo_univariate_gaussian``) after each sweep; stops when a sweep
    changes E[τ] by less than ``tol`` relative (the only quantity the two
    updates pass to each other). ``prior`` is (μ₀, λ₀, a₀, b₀).

    Returns ``(q, history, n_iter, converged)`` with ``q`` a ``NormalGamma``
    (q(μ) = 𝒩(q.mu, 1/q.lam), q(τ) = Gam(q.a, q.b)). Warns with
    ``ConvergenceWarning`` if ``max_iter`` is reached first.
    """
    x, prior = _check_univariate(x, prior)
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_positive_scalar(tol, "tol", allow_zero=True)
    E_tau = (
        prior.a / prior.b
        if E_tau_init is None
        else check_positive_scalar(E_tau_init, "E_tau_init")
    )
    history = []
    for n_iter in range(1, max_iter + 1):
        mu_N, lam_N = update_q_mu(x, prior, E_tau)
        a_N, b_N = update_q_tau(x, prior, mu_N, lam_N)
        E_tau_old, E_tau = E_tau, a_N / b_N
        q = NormalGamma(mu_N, lam_N, a_N, b_N)
        history.append(elbo_univariate_gaussian(x, prior, q))
        check_monotone(history, what="ELBO")
        if abs(E_tau - E_tau_old) <= tol * E_tau:
            return _CaviResult(q, np.asarray(history), n_iter, True)
    warnings.warn(
        f"CAVI did not converge in max_iter={max_iter} sweeps; increase "
        "max_iter or tol",
        ConvergenceWarning,
        stacklevel=2,
    )
    return _CaviResult(q, np.asarray(history), max_iter, False)


# --------------------------------------------------------------------------
# The Bayesian Gaussian mixture (Bishop §10.2; chapter section "The Bayesian
# mixture of Gaussians")
# --------------------------------------------------------------------------


class GMMPrior(NamedTuple):
    """The conjugate prior of the Bayesian GMM (eqs.
    (vi-bgmm-prior) in the chapter "Variational inference"; Bishop
    10.39-10.40).

    p(π) = Dir(π | α₀, …, α₀), p(μ_k, Λ_k) = 𝒩(μ_k | m₀, (β₀Λ_k)⁻¹) W(Λ_k |
    W₀, ν₀). ``W0_inv`` is W₀⁻¹ (scikit-learn's ``covariance_prior``): the
    prior guess of a component's covariance is W₀⁻¹/ν₀.
    """

    alpha0: float
    beta0: float
    m0: np.ndarray
    nu0: float
    W0_inv: np.ndarray


class GMMPosterior(NamedTuple):
    """The mean-field posterior q(π) Π_k q(μ_k, Λ_k) (Bishop 10.57, 10.59).

    q(π) = Dir(π | α), q(μ_k, Λ_k) = 𝒩(μ_k | m_k, (β_kΛ_k)⁻¹) W(Λ_k | W_k,
    ν_k). Shapes: alpha, beta, nu (K,); m (K, D); W_inv (K, D, D) the W_k⁻¹;
    ``prec_chol`` (K, D, D) the Cholesky factors of E[Λ_k] = ν_k W_k
    (scikit-learn's ``precisions_cholesky_``), which the E-step and the ELBO
    use instead of any inverse.
    """

    alpha: np.ndarray
    beta: np.ndarray
    m: np.ndarray
    nu: np.ndarray
    W_inv: np.ndarray
    prec_chol: np.ndarray


def gauss_wishart_posterior(nk, xbar, S, prior):
    """q*(π) and q*(μ_k, Λ_k) from the statistics N_k, x̄_k, S_k (Bishop
    10.58, 10.60-10.63).

    α_k = α₀ + N_k,  β_k = β₀ + N_k,  m_k = (β₀m₀ + N_k x̄_k)/β_k,
    ν_k = ν₀ + N_k,
    W_k⁻¹ = W₀⁻¹ + N_k S_k + β₀N_k/(β₀ + N_k) (x̄_k − m₀)(x̄_k − m₀)ᵀ
    (eqs. (vi-bgmm-m) in the chapter "Variational inference").
    Returns a ``GMMPosterior``.
    """
    alpha0, beta0, m0, nu0, W0_inv = prior
    beta = beta0 + nk
    m = (beta0 * m0 + nk[:, None] * xbar) / beta[:, None]
    nu = nu0 + nk
    diff = xbar - m0
    W_inv = (
        W0_inv
        + nk[:, None, None] * S
        + (beta0 * nk / beta)[:, None, None]
        * diff[:, :, None]
        * diff[:, None, :]
    )
    prec_chol = precision_cholesky(W_inv / nu[:, None, None], "full")
    return GMMPosterior(alpha0 + nk, beta, m, nu, W_inv, prec_chol)


def vb_m_step(X, resp, prior, T=None):
    """The variational "M-step": q*(π, μ, Λ) given the responsibilities
    (eqs. (vi-bgmm-m) in the chapter "Variational inference").

    The statistics N_k = Σ_n r_nk, x̄_k and S_k (Bishop 10.51-10.53) are
    those of the EM M-step, so they come from ``lvmteach.mixture.m_step``
    (with no floor on S_k: the prior W₀⁻¹ keeps every W_k⁻¹ positive
    definite). ``T``: the data's sufficient statistics, see
    ``lvmteach.mixture.gaussian_log_prob`` (centred data only).
    """
    weights, xbar, S = m_step(X, resp, "full", 0.0, T)
    return gauss_wishart_posterior(weights * X.shape[0], xbar, S, prior)


def expected_log_rho(X, q, T=None):
    """log ρ_nk = E[log π_k] + E[log 𝒩(x_n | μ_k, Λ_k⁻¹)], shape (N, K)
    (Bishop 10.46; eq. (vi-log-rho) in the chapter "Variational inference").

    E[log 𝒩] = ½ E[log |Λ_k|] − (D/2) log 2π − ½ [D/β_k + ν_k (x_n −
    m_k)ᵀW_k(x_n − m_k)] (Bishop 10.64-10.66). The first and last terms are
    log 𝒩(x_n | m_k, (ν_kW_k)⁻¹), which
    ``lvmteach.mixture.gaussian_log_prob`` computes from ``q.prec_chol``; it
    includes ½ log |ν_kW_k|, so we add ½ (E[log |Λ_k|] − log |ν_kW_k|) = ½
    (Σ_i ψ((ν_k+1−i)/2) + D log 2 − D log ν_k).
    """
    D = X.shape[1]
    i = np.arange(1, D + 1)
    log_gauss = gaussian_log_prob(X, q.m, q.prec_chol, "full", T)
    correction = 0.5 * (
        digamma(0.5 * (q.nu[:, None] + 1 - i)).sum(axis=1)
        + D * np.log(2.0)
        - D * np.log(q.nu)
        - D / q.beta
    )
    return log_gauss + correction + dirichlet_expected_log(q.alpha)


def vb_e_step(X, q, T=None):
    """The variational E-step: q*(z_n) = Cat(r_n), r_nk = ρ_nk / Σ_j ρ_nj
    (Bishop 10.49).

    Returns ``(log_norm, log_resp)``: log Σ_k ρ_nk (N,) and log r_nk (N, K),
    normalised by a log-sum-exp. With these r, Σ_nk r_nk (log ρ_nk − log
    r_nk) = Σ_n log Σ_k ρ_nk, so the ELBO is ``log_norm.sum() -
    kl_to_prior(q, prior)`` (eq.
    (vi-bgmm-elbo) in the chapter "Variational inference").
    """
    log_rho = expected_log_rho(X, q, T)
    log_norm = logsumexp(log_rho, axis=1)
    return log_norm, log_rho - log_norm[:, None]


def kl_to_prior(q, prior):
    """KL(q(π, μ, Λ) ‖ p(π, μ, Λ)) = KL(Dir(α) ‖ Dir(α₀)) + Σ_k KL(q(μ_k,
    Λ_k) ‖ p(μ_k, Λ_k)).

    Each Gauss-Wishart term is the Wishart KL (``kl_wishart``) plus the
    expected Gaussian KL E_{q(Λ)} KL(𝒩(m_k, (β_kΛ)⁻¹) ‖ 𝒩(m₀, (β₀Λ)⁻¹)) = ½
    [Dβ₀/β_k − D + D log(β_k/β₀)
    + β₀ν_k (m_k − m₀)ᵀW_k(m_k − m₀)] (eq.
      (vi-kl-gw) in the chapter "Variational inference"). Everything is
      computed from the
    Cholesky factors P_k of ν_kW_k: log |W_k| = 2 Σ log P_k,ii − D log ν_k,
    tr(W₀⁻¹W_k) = ‖L₀ᵀP_k‖²_F/ν_k with W₀⁻¹ = L₀L₀ᵀ.
    """
    alpha0, beta0, m0, nu0, W0_inv = prior
    K, D = q.m.shape
    P = q.prec_chol
    log_det_W = log_det_from_cholesky(P) - D * np.log(q.nu)
    L0 = linalg.cholesky(W0_inv, lower=True)
    log_det_W0 = -log_det_from_cholesky(L0)
    trace = np.sum((L0.T @ P) ** 2, axis=(1, 2)) / q.nu
    kl_w = _kl_wishart(log_det_W, q.nu, log_det_W0, nu0, trace, D)
    # (m_k − m₀)ᵀ P_k: ‖y‖² = ν_k (m_k − m₀)ᵀW_k(m_k − m₀)
    y = np.einsum("kd,kde->ke", q.m - m0, P)
    kl_mu = 0.5 * (
        D * beta0 / q.beta
        - D
        + D * np.log(q.beta / beta0)
        + beta0 * np.sum(y**2, axis=1)
    )
    return float(kl_dirichlet(q.alpha, alpha0) + np.sum(kl_w + kl_mu))


def vb_elbo(X, resp, q, prior, T=None):
    """The ELBO of any q(Z) q(π, μ, Λ), with every constant (eq.
    (vi-bgmm-elbo) in the chapter "Variational inference").

    𝓛 = Σ_nk r_nk (log ρ_nk − log r_nk) − KL(q(π, μ, Λ) ‖ p(π, μ, Λ)), which
    is Bishop's eqs. (10.70)-(10.77) regrouped. Entries with r_nk = 0
    contribute 0.
    """
    log_rho = expected_log_rho(X, q, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(resp > 0, resp * (log_rho - np.log(resp)), 0.0)
    return float(terms.sum() - kl_to_prior(q, prior))


class BayesianGaussianMixture(EMMixin, BaseEstimator):
    """Variational Bayesian Gaussian mixture, full covariances (Bishop
    §10.2).

    Mean field q(Z) q(π, μ, Λ) under a Dirichlet prior on the weights and
    Gauss-Wishart priors on the components (``GMMPrior``), fitted by
    coordinate ascent on the ELBO: the shared driver ``lvmteach.em.fit_em``
    alternates ``vb_e_step`` and ``vb_m_step``. With a small
    ``weight_concentration_prior`` the posterior empties unneeded
    components: their expected weight falls to about α₀/(Kα₀ + N).

    The parameters and their defaults are scikit-learn's
    ``BayesianGaussianMixture(weight_concentration_prior_type='dirichlet_distribution',
    covariance_type='full')``, and the fitted attributes have its names and
    meanings, so the two can be compared (tests/test_variational.py does, to
    1e-8).

    Parameters
    ----------
    n_components : int
        K, an upper bound on the number of components used.
    weight_concentration_prior : float > 0, optional
        α₀ (default 1/K).
    mean_precision_prior : float > 0, optional
        β₀ (default 1).
    mean_prior : (D,), optional
        m₀ (default the data mean).
    degrees_of_freedom_prior : float > D − 1, optional
        ν₀ (default D).
    covariance_prior : (D, D) symmetric positive definite, optional
        W₀⁻¹ (default the sample covariance, ``np.cov(X.T)``).
    tol : float
        Stop when the ELBO changes by less than ``tol`` (the total ELBO, not
        per sample, as in scikit-learn).
    max_iter, n_init : int
        Iterations per restart and number of restarts (the highest final
        ELBO wins).
    init_params : {'kmeans', 'random'}
        Initial responsibilities: one-hot k-means labels, or uniform random
        rows normalised to 1 (drawn from our ``Generator``, so not
        scikit-learn's numbers; use ``resp_init`` for those).
    resp_init : (N, K), optional
        Initial responsibilities (rows summing to 1); overrides
        ``init_params``. The first q(π, μ, Λ) is the M-step from them, as in
        scikit-learn.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    weights_ : (K,)
        E[π_k] = α_k / Σ_j α_j.
    means_ : (K, D)
        m_k, the posterior means of μ_k.
    covariances_ : (K, D, D)
        W_k⁻¹/ν_k = E[Λ_k]⁻¹ (scikit-learn's convention).
    precisions_cholesky_, precisions_ : (K, D, D)
        Cholesky factors of E[Λ_k] = ν_kW_k, and E[Λ_k].
    weight_concentration_, mean_precision_, degrees_of_freedom_ : (K,)
        α_k, β_k, ν_k.
    posterior_ : GMMPosterior
        All of q(π, μ, Λ) in one tuple (in the data's coordinates).
    prior_ : GMMPrior
        The prior actually used (defaults filled in); also as scikit-learn's
        ``weight_concentration_prior_`` ... ``covariance_prior_``.
    history_ : (n_iter_,)
        The ELBO **with all constants** (a lower bound on log p(X)) computed
        in each iteration's E-step, i.e. of q(Z) just updated and q(π, μ, Λ)
        from the previous M-step. It never decreases. scikit-learn's
        ``lower_bounds_`` omits constants and is computed after the M-step,
        so compare differences, not values.
    elbo_, lower_bound_ : float
        The last entry of ``history_``.
    n_iter_, converged_
    """

    _estimator_type = "density_estimator"

    def __init__(
        self,
        n_components=1,
        *,
        weight_concentration_prior=None,
        mean_precision_prior=None,
        mean_prior=None,
        degrees_of_freedom_prior=None,
        covariance_prior=None,
        tol=1e-3,
        max_iter=100,
        n_init=1,
        init_params="kmeans",
        resp_init=None,
        random_state=None,
    ):
        self.n_components = n_components
        self.weight_concentration_prior = weight_concentration_prior
        self.mean_precision_prior = mean_precision_prior
        self.mean_prior = mean_prior
        self.degrees_of_freedom_prior = degrees_of_freedom_prior
        self.covariance_prior = covariance_prior
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.resp_init = resp_init
        self.random_state = random_state

    # ------------------------------------------------- checks and the prior

    def _check_prior(self, X):
        """The prior with scikit-learn's defaults filled in; a clear
        ValueError for a bad one.
        """
        N, D = X.shape
        K = self.n_components
        alpha0 = (
            1.0 / K
            if self.weight_concentration_prior is None
            else self.weight_concentration_prior
        )
        check_positive_scalar(alpha0, "weight_concentration_prior")
        beta0 = (
            1.0
            if self.mean_precision_prior is None
            else self.mean_precision_prior
        )
        check_positive_scalar(beta0, "mean_precision_prior")
        if self.mean_prior is None:
            m0 = X.mean(axis=0)
        else:
            m0 = np.asarray(self.mean_prior, dtype=float)
            if m0.shape != (D,) or not np.all(np.isfinite(m0)):
                raise ValueError(
                    f"mean_prior must be {D} finite numbers (one per "
                    f"feature), got shape {m0.shape}"
                )
        nu0 = (
            D
            if self.degrees_of_freedom_prior is None
            else self.degrees_of_freedom_prior
        )
        check_positive_scalar(nu0, "degrees_of_freedom_prior")
        if nu0 <= D - 1:
            raise ValueError(
                "degrees_of_freedom_prior must be greater than D - 1 = "
                f"{D - 1} (the Wishart is "
                f"not normalisable otherwise), got {nu0}; the default is D "
                f"= {D}"
            )
        if self.covariance_prior is None:
            W0_inv = np.atleast_2d(np.cov(X.T))
            if N < 2 or np.any(np.linalg.eigvalsh(W0_inv) <= 0):
                raise ValueError(
                    "the default covariance_prior (the sample covariance) "
                    "is singular: features are "
                    "constant or collinear, or there are too few samples; "
                    "pass covariance_prior"
                )
        else:
            W0_inv = np.asarray(self.covariance_prior, dtype=float)
            if W0_inv.shape != (D, D):
                raise ValueError(
                    f"covariance_prior must have shape ({D}, {D}), "
                    f"got {W0_inv.shape}"
                )
            _spd(W0_inv, "covariance_prior")
        return GMMPrior(
            float(alpha0),
            float(beta0),
            m0.copy(),
            float(nu0),
            W0_inv.copy(),
        )

    def _check_resp_init(self, N, K):
        resp = np.asarray(self.resp_init, dtype=float)
        if resp.shape != (N, K):
            raise ValueError(
                "resp_init must have shape (n_samples, n_components) "
                f"= {(N, K)}, got {resp.shape}"
            )
        if (
            not np.all(np.isfinite(resp))
            or np.any(resp < 0)
            or not np.allclose(resp.sum(axis=1), 1.0)
        ):
            raise ValueError(
                "resp_init must hold non-negative responsibilities "
                "whose rows sum to 1"
            )
        return resp.copy()

    # ---------------------------------------------------------------- fit

    def fit(self, X, y=None):
        """Fit q(Z) q(π, μ, Λ) by coordinate ascent on the ELBO; returns
        self.
        """
        K = check_positive_int(self.n_components, "n_components")
        check_in(self.init_params, "init_params", ("kmeans", "random"))
        X = check_array(X, min_samples=2)
        N, D = X.shape
        if K > N:
            raise ValueError(
                f"n_components={K} exceeds the number of samples {N}; "
                "decrease n_components"
            )
        prior = self._check_prior(X)
        self._resp0 = (
            None if self.resp_init is None else self._check_resp_init(N, K)
        )
        # Coordinate ascent is translation-equivariant: fit on centred data
        # (the prior mean moves with it), so the sufficient-statistics
        # products lose no digits; shift back at the end.
        center = X.mean(axis=0)
        Xc = X - center
        self._prior = prior._replace(m0=prior.m0 - center)
        self._T = sufficient_statistics(Xc)
        try:
            fit_em(self, Xc)
        finally:
            del self._T, self._resp0
        q = self._q._replace(m=self._q.m + center)
        del self._q, self._prior
        self.prior_ = prior
        self.posterior_ = q
        self.n_features_in_ = D
        self.elbo_ = self.lower_bound_
        # scikit-learn's names
        self.weight_concentration_prior_, self.mean_precision_prior_ = (
            prior.alpha0,
            prior.beta0,
        )
        (
            self.mean_prior_,
            self.degrees_of_freedom_prior_,
            self.covariance_prior_,
        ) = prior.m0, prior.nu0, prior.W0_inv
        self.weight_concentration_, self.mean_precision_, self.means_ = (
            q.alpha,
            q.beta,
            q.m,
        )
        self.degrees_of_freedom_ = q.nu
        self.covariances_ = q.W_inv / q.nu[:, None, None]
        self.precisions_cholesky_ = q.prec_chol
        self.precisions_ = q.prec_chol @ q.prec_chol.transpose(0, 2, 1)
        self.weights_ = q.alpha / q.alpha.sum()
        return self

    # The five hooks of lvmteach.em.fit_em

    def _initialize(self, X, rng):
        if self._resp0 is not None:
            resp = self._resp0
        elif self.init_params == "kmeans":
            labels = (
                KMeans(self.n_components, n_init=1, random_state=rng)
                .fit(X)
                .labels_
            )
            resp = np.zeros((X.shape[0], self.n_components))
            resp[np.arange(X.shape[0]), labels] = 1.0
        else:
            resp = rng.uniform(size=(X.shape[0], self.n_components))
            resp /= resp.sum(axis=1, keepdims=True)
        self._m_step(X, resp)

    def _e_step(self, X):
        log_norm, log_resp = vb_e_step(X, self._q, self._T)
        return float(
            log_norm.sum() - kl_to_prior(self._q, self._prior)
        ), np.exp(log_resp)

    def _m_step(self, X, resp):
        self._q = vb_m_step(X, resp, self._prior, self._T)

    def _get_parameters(self):
        return self._q

    def _set_parameters(self, params):
        self._q = params

    # ---------------------------------------------------------------- use

    def _validate_X(self, X):
        check_is_fitted(self, "posterior_")
        return check_n_features(check_array(X), self.n_features_in_)

    def predict_proba(self, X):
        """q(z_n = k): the responsibilities r_nk of new points (eq.
        (vi-log-rho) in the chapter "Variational inference"), (N, K).
        """
        X = self._validate_X(X)
        return np.exp(vb_e_step(X, self.posterior_)[1])

    def predict(self, X):
        """The component with the largest responsibility, for each row."""
        return np.argmax(self.predict_proba(X), axis=1)

    def fit_predict(self, X, y=None):
        return self.fit(X).predict(X)

    def score_samples(self, X):
        """log p(x̂ | X) under the variational posterior: a mixture of
        Student-t's (Bishop 10.81-10.82).

        p(x̂ | X) ≈ Σ_k (α_k/α̂) St(x̂ | m_k, L_k, ν_k + 1 − D), L_k = (ν_k + 1
        − D) β_k / (1 + β_k) · W_k (a precision-like matrix), eq.
        (vi-predictive) in the chapter "Variational inference".
        """
        X = self._validate_X(X)
        q = self.posterior_
        D = X.shape[1]
        dof = q.nu + 1 - D
        # L_k = scale_k · P_k P_kᵀ, with ν_kW_k = P_k P_kᵀ
        scale = dof * q.beta / ((1 + q.beta) * q.nu)
        Y = (
            np.einsum("nd,kde->nke", X, q.prec_chol)
            - np.einsum("kd,kde->ke", q.m, q.prec_chol)[None]
        )
        maha = scale * np.einsum("nke,nke->nk", Y, Y)
        log_det = 0.5 * (
            log_det_from_cholesky(q.prec_chol) + D * np.log(scale)
        )
        log_t = (
            gammaln(0.5 * (dof + D))
            - gammaln(0.5 * dof)
            + log_det
            - 0.5 * D * np.log(dof * np.pi)
            - 0.5 * (dof + D) * np.log1p(maha / dof)
        )
        return logsumexp(log_t + np.log(q.alpha / q.alpha.sum()), axis=1)

    def score(self, X, y=None):
        """Mean log predictive density (1/N) Σ_n log p(x_n | training
        data).
        """
        return float(np.mean(self.score_samples(X)))

"""Variational inference, checked against SciPy, scikit-learn, Monte Carlo, quadrature and closed
forms.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from scipy.special import logsumexp, multigammaln
from sklearn.mixture import BayesianGaussianMixture as SkBGMM

from lvmteach.datasets import load_old_faithful
from lvmteach.em import strict_monotonicity
from lvmteach.exceptions import ConvergenceWarning, ObjectiveDecreasedError
from lvmteach.variational import (
    BayesianGaussianMixture,
    GMMPrior,
    NormalGamma,
    cavi_gaussian,
    cavi_gaussian_rate,
    cavi_univariate_gaussian,
    dirichlet_expected_log,
    elbo_univariate_gaussian,
    entropy_dirichlet,
    entropy_gamma,
    entropy_gaussian,
    entropy_wishart,
    exact_posterior_univariate_gaussian,
    fit_kl,
    gaussian_expectation,
    kl_dirichlet,
    kl_gamma,
    kl_gaussian,
    kl_to_prior,
    kl_wishart,
    log_evidence_univariate_gaussian,
    vb_e_step,
    vb_elbo,
    vb_m_step,
    wishart_expected_log_det,
)


def spd(rng, D, jitter=1.0):
    A = rng.normal(size=(D, D))
    return A @ A.T + jitter * np.eye(D)


def assert_mc(estimate_samples, value, n_se=5.0, max_se=None):
    """``value`` lies within ``n_se`` standard errors of the Monte-Carlo mean."""
    mean = estimate_samples.mean()
    se = estimate_samples.std(ddof=1) / np.sqrt(len(estimate_samples))
    if max_se is not None:
        assert se < max_se, f"Monte-Carlo standard error {se:.3g} too large for a meaningful check"
    assert abs(mean - value) < n_se * se + 1e-12, f"MC {mean:.6f} ± {se:.2g} vs {value:.6f}"


# ------------------------------------------------------------------ entropies against SciPy


def test_entropies_match_scipy():
    rng = np.random.default_rng(0)
    S = spd(rng, 3)
    assert entropy_gaussian(S) == pytest.approx(
        stats.multivariate_normal(np.zeros(3), S).entropy(), rel=1e-12
    )
    assert entropy_gaussian(2.5) == pytest.approx(stats.norm(0, np.sqrt(2.5)).entropy(), rel=1e-12)
    for a, b in [(0.3, 2.0), (4.0, 0.5), (50.0, 7.0)]:
        assert entropy_gamma(a, b) == pytest.approx(
            stats.gamma(a, scale=1 / b).entropy(), rel=1e-12
        )
    alpha = np.array([0.2, 1.0, 3.5, 10.0])
    assert entropy_dirichlet(alpha) == pytest.approx(stats.dirichlet(alpha).entropy(), rel=1e-12)
    for nu in (3.0, 5.5, 40.0):
        assert entropy_wishart(S, nu) == pytest.approx(
            stats.wishart(df=nu, scale=S).entropy(), rel=1e-10
        )


# --------------------------------------------------------------- KL divergences against Monte Carlo


def test_kl_gaussian_matches_monte_carlo():
    rng = np.random.default_rng(1)
    D = 3
    m1, m2, S1, S2 = rng.normal(size=D), rng.normal(size=D), spd(rng, D), spd(rng, D)
    p, q = stats.multivariate_normal(m1, S1), stats.multivariate_normal(m2, S2)
    z = p.rvs(size=200_000, random_state=2)
    assert_mc(p.logpdf(z) - q.logpdf(z), kl_gaussian(m1, S1, m2, S2), max_se=0.01)
    assert kl_gaussian(m1, S1, m1, S1) == pytest.approx(0.0, abs=1e-12)
    # univariate, from scalars
    z1 = stats.norm(0.5, 2.0).rvs(size=200_000, random_state=3)
    mc = stats.norm(0.5, 2.0).logpdf(z1) - stats.norm(-1.0, 1.5).logpdf(z1)
    assert_mc(mc, kl_gaussian(0.5, 4.0, -1.0, 2.25), max_se=0.01)


def test_kl_gamma_matches_monte_carlo():
    p, q = stats.gamma(2.5, scale=1 / 3.0), stats.gamma(1.2, scale=1 / 0.7)
    tau = p.rvs(size=200_000, random_state=4)
    assert_mc(p.logpdf(tau) - q.logpdf(tau), kl_gamma(2.5, 3.0, 1.2, 0.7), max_se=0.01)
    assert kl_gamma(2.0, 1.0, 2.0, 1.0) == pytest.approx(0.0, abs=1e-12)


def test_kl_dirichlet_matches_monte_carlo():
    alpha, alpha0 = np.array([3.0, 0.7, 5.0]), np.array([1.0, 1.0, 0.2])
    p, q = stats.dirichlet(alpha), stats.dirichlet(alpha0)
    pi = p.rvs(size=50_000, random_state=5)
    pi = np.clip(pi, 1e-300, None)
    pi /= pi.sum(axis=1, keepdims=True)
    assert_mc(p.logpdf(pi.T) - q.logpdf(pi.T), kl_dirichlet(alpha, alpha0), max_se=0.02)


def test_kl_wishart_matches_monte_carlo():
    rng = np.random.default_rng(6)
    D = 2
    W1 = spd(rng, D, 0.5)
    W2 = W1 / 2 + np.array([[0.3, 0.1], [0.1, 0.2]])
    p, q = stats.wishart(df=6.0, scale=W1), stats.wishart(df=5.0, scale=W2)
    L = p.rvs(size=20_000, random_state=7).transpose(1, 2, 0)
    assert_mc(p.logpdf(L) - q.logpdf(L), kl_wishart(W1, 6.0, W2, 5.0), max_se=0.02)
    assert kl_wishart(W1, 4.0, W1, 4.0) == pytest.approx(0.0, abs=1e-10)


def test_expectations_match_monte_carlo():
    alpha = np.array([0.5, 2.0, 4.0])
    pi = stats.dirichlet(alpha).rvs(size=200_000, random_state=8)
    for k in range(3):
        assert_mc(np.log(pi[:, k]), dirichlet_expected_log(alpha)[k], max_se=0.01)
    rng = np.random.default_rng(9)
    W = spd(rng, 3) / 4
    L = stats.wishart(df=5.0, scale=W).rvs(size=100_000, random_state=10)
    assert_mc(np.linalg.slogdet(L)[1], wishart_expected_log_det(W, 5.0), max_se=0.01)


# ------------------------------------------------------------------ the direction of the KL


def mixture_logpdf(w=(0.5, 0.5), mu=(-2.0, 2.5), sd=(0.6, 0.8)):
    w, mu, sd = map(np.asarray, (w, mu, sd))
    return lambda z: logsumexp(
        np.log(w) + stats.norm.logpdf(np.asarray(z)[..., None], mu, sd), axis=-1
    )


def test_forward_kl_matches_moments():
    w, mu, sd = np.array([0.3, 0.7]), np.array([-2.0, 2.5]), np.array([0.6, 0.8])
    mean = w @ mu
    var = w @ (sd**2 + mu**2) - mean**2
    m, s = fit_kl(mixture_logpdf(w, mu, sd), "forward")
    assert m == pytest.approx(mean, abs=1e-8)
    assert s == pytest.approx(np.sqrt(var), abs=1e-8)


def test_reverse_kl_seeks_a_mode_and_is_a_local_minimum():
    logp = mixture_logpdf()

    def kl_qp(m, s):  # by SciPy's adaptive quadrature, independent of the rule in fit_kl
        f = lambda z: stats.norm.pdf(z, m, s) * (stats.norm.logpdf(z, m, s) - logp(z))  # noqa: E731
        return integrate.quad(f, m - 12 * s, m + 12 * s, limit=200)[0]

    for start, mode, sd in [((-1.0, 1.0), -2.0, 0.6), ((2.0, 1.0), 2.5, 0.8)]:
        m, s = fit_kl(logp, "reverse", init=start)
        assert abs(m - mode) < 0.05 and abs(s - sd) < 0.05  # sits on one bump
        best = kl_qp(m, s)
        for dm, ds in [(1e-2, 0), (-1e-2, 0), (0, 1e-2), (0, -1e-2)]:
            assert kl_qp(m + dm, s + ds) > best


def quad_kl_and_gradient(logp, m, s):
    """KL(q ‖ p) up to log Z and its gradient in (m, s), by scipy.integrate.quad on the
    definitions.
    """
    def E(g):
        return integrate.quad(lambda z: stats.norm.pdf(z, m, s) * g(z), m - 12 * s, m + 12 * s,
                              limit=400, epsabs=1e-13, epsrel=1e-12)[0]
    neg_entropy = -0.5 * np.log(2 * np.pi * np.e * s**2)
    kl = neg_entropy - E(logp)
    h = 1e-5  # central differences of the quad-integrated KL
    def kl_at(mm, ss):
        return -0.5 * np.log(2 * np.pi * np.e * ss**2) - integrate.quad(
            lambda z: stats.norm.pdf(z, mm, ss) * logp(z), mm - 12 * ss, mm + 12 * ss,
            limit=400, epsabs=1e-13, epsrel=1e-12)[0]

    grad = np.array(
        [
            (kl_at(m + h, s) - kl_at(m - h, s)) / (2 * h),
            (kl_at(m, s + h) - kl_at(m, s - h)) / (2 * h),
        ]
    )
    return kl, grad


@pytest.mark.parametrize("m, s", [(0.0, 0.05), (0.7, 2.65), (-1.0, 6.0), (2.0, 1.0)])
def test_gaussian_expectation_and_its_gradient_match_scipy_quad(m, s):
    """Narrow and broad q over the chapter's two-bump target; gradient against quad's finite
    differences.
    """
    logp = mixture_logpdf((0.4, 0.6), (-3.0, 3.0), (0.8, 1.0))
    value, d_m, d_s = gaussian_expectation(logp, m, s)
    kl, grad = quad_kl_and_gradient(logp, m, s)
    assert -0.5 * np.log(2 * np.pi * np.e * s**2) - value == pytest.approx(kl, abs=1e-9)
    np.testing.assert_allclose([-d_m, -1 / s - d_s], grad, atol=1e-6)


def test_reverse_fit_started_between_the_bumps_reaches_a_mode():
    """The old 80-node Gauss-Hermite rule stopped at (0.686, 2.650), which is not stationary."""
    logp = mixture_logpdf((0.4, 0.6), (-3.0, 3.0), (0.8, 1.0))
    _, grad_old = quad_kl_and_gradient(logp, 0.6862, 2.6503)
    assert np.abs(grad_old).max() > 0.03  # quad says: not a stationary point
    fits = np.array(
        [fit_kl(logp, "reverse", init=start) for start in [(0.0, 1.0), (0.0, 3.0), (0.5, 1.0)]]
    )
    assert np.all(np.abs(fits - [3.0, 1.0]) < 0.01)  # every start ends on the heavier bump
    _, grad = quad_kl_and_gradient(logp, *fits[0])
    assert np.abs(grad).max() < 1e-5  # stationary by an independent integral


def test_gaussian_expectation_is_exact_for_a_quadratic():
    """E[(z − c)²] = (m − c)² + s², ∂/∂m = 2(m − c), ∂/∂s = 2s, for any width of q."""
    for m, s in [(0.3, 0.01), (1.0, 50.0)]:
        v, d_m, d_s = gaussian_expectation(lambda z: (z - 2.0) ** 2, m, s)
        assert (v, d_m, d_s) == pytest.approx(((m - 2) ** 2 + s**2, 2 * (m - 2), 2 * s), rel=1e-9)


def test_both_directions_recover_a_gaussian_target():
    logp = lambda z: stats.norm.logpdf(z, 1.3, 0.7)  # noqa: E731
    for direction in ("forward", "reverse"):
        m, s = fit_kl(logp, direction)
        assert (m, s) == pytest.approx((1.3, 0.7), abs=1e-7)


# ------------------------------------------------------------------ mean field for a Gaussian


@pytest.mark.parametrize("rho", [0.3, 0.9, -0.95])
def test_cavi_rate_is_rho_squared_for_two_correlated_coordinates(rho):
    """Closed form ρ², and the same contraction measured on the iterates, sweep by sweep."""
    Sigma = np.array([[1.0, rho], [rho, 1.0]])
    prec = np.linalg.inv(Sigma)
    assert cavi_gaussian_rate(prec) == pytest.approx(rho**2, rel=1e-12)
    mu = np.array([0.5, -1.0])
    errors = [
        np.abs(cavi_gaussian(mu, prec, m_init=np.array([2.0, 3.0]), max_iter=t, tol=0.0)[0] - mu)[1]
        for t in (2, 3, 4)
    ]
    np.testing.assert_allclose(np.array(errors[1:]) / errors[:-1], rho**2, rtol=1e-8)


def test_cavi_rate_matches_the_measured_contraction_in_four_dimensions():
    rng = np.random.default_rng(5)
    prec = spd(rng, 4, jitter=0.3)
    rate = cavi_gaussian_rate(prec)
    mu = rng.normal(size=4)
    e = [
        np.linalg.norm(cavi_gaussian(mu, prec, m_init=mu + 1.0, max_iter=t, tol=0.0)[0] - mu)
        for t in (40, 41)
    ]
    assert 0.1 < rate < 1 and e[1] / e[0] == pytest.approx(rate, rel=1e-4)


def test_mean_field_gaussian_exact_mean_and_conditional_variances():
    Sigma = np.array([[1.0, 0.9], [0.9, 1.0]])
    prec = np.linalg.inv(Sigma)
    mu = np.array([0.5, -1.0])
    with strict_monotonicity():
        m, var, history = cavi_gaussian(mu, prec, m_init=np.array([3.0, 3.0]))
    np.testing.assert_allclose(m, mu, atol=1e-6)
    np.testing.assert_allclose(var, 1 - 0.9**2, rtol=1e-12)  # conditional variance, < 1 = Σ_jj
    assert np.all(var < np.diag(Sigma))
    assert history[-1] == pytest.approx(-kl_gaussian(mu, np.diag(var), mu, Sigma), abs=1e-10)


def test_mean_field_is_exact_for_a_diagonal_precision():
    prec = np.diag([2.0, 0.5, 4.0])
    m, var, history = cavi_gaussian(np.array([1.0, 2.0, 3.0]), prec)
    np.testing.assert_allclose(m, [1.0, 2.0, 3.0], atol=1e-14)
    np.testing.assert_allclose(var, 1 / np.diag(prec), rtol=1e-14)
    assert history[-1] == pytest.approx(0.0, abs=1e-12)


# ---------------------------------------------------------- the univariate Gaussian (Bishop 10.1.3)

PRIOR = NormalGamma(0.5, 2.0, 1.5, 2.0)


def small_data(seed=0, N=6):
    return np.random.default_rng(seed).normal(1.0, 1.5, size=N)


def test_log_evidence_matches_quadrature():
    """log p(x) = log ∫∫ p(x | μ, τ) p(μ | τ) p(τ) dμ dτ by Simpson's rule on a fine grid (τ =
    e^u).
    """
    x = small_data()
    prior = PRIOR
    mu = np.linspace(-6, 8, 1401)[:, None]
    u = np.linspace(-9, 4, 1301)[None, :]
    tau = np.exp(u)
    log_f = (
        stats.norm.logpdf(x[:, None, None], mu, 1 / np.sqrt(tau)).sum(axis=0)
        + stats.norm.logpdf(mu, prior.mu, 1 / np.sqrt(prior.lam * tau))
        + stats.gamma.logpdf(tau, prior.a, scale=1 / prior.b)
        + u  # dτ = e^u du
    )
    shift = log_f.max()
    value = integrate.simpson(integrate.simpson(np.exp(log_f - shift), x=u[0], axis=1), x=mu[:, 0])
    assert np.log(value) + shift == pytest.approx(
        log_evidence_univariate_gaussian(x, prior), abs=1e-8
    )


def test_cavi_reaches_the_known_fixed_point():
    x = small_data(1, N=10)
    exact = exact_posterior_univariate_gaussian(x, PRIOR)
    with strict_monotonicity():
        q, history, n_iter, converged = cavi_univariate_gaussian(x, PRIOR, E_tau_init=50.0)
    assert converged and n_iter > 3
    # Fixed point: μ_N exact, E_q[τ] = a'/b' exact, λ_N = (λ₀+N) E[τ], a_N = a₀ + (N+1)/2.
    E_tau = exact.a / exact.b
    assert q.mu == pytest.approx(exact.mu, rel=1e-12)
    assert q.a / q.b == pytest.approx(E_tau, rel=1e-9)
    assert q.lam == pytest.approx(exact.lam * E_tau, rel=1e-9)
    assert q.a == pytest.approx(PRIOR.a + (x.size + 1) / 2, rel=1e-14)


def test_cavi_elbo_matches_monte_carlo_and_is_below_the_evidence():
    x = small_data(2)
    q, history, _, _ = cavi_univariate_gaussian(x, PRIOR)
    n = 200_000
    mu = stats.norm(q.mu, 1 / np.sqrt(q.lam)).rvs(size=n, random_state=11)
    tau = stats.gamma(q.a, scale=1 / q.b).rvs(size=n, random_state=12)
    log_joint = (
        stats.norm.logpdf(x[:, None], mu, 1 / np.sqrt(tau)).sum(axis=0)
        + stats.norm.logpdf(mu, PRIOR.mu, 1 / np.sqrt(PRIOR.lam * tau))
        + stats.gamma.logpdf(tau, PRIOR.a, scale=1 / PRIOR.b)
    )
    log_q = stats.norm.logpdf(mu, q.mu, 1 / np.sqrt(q.lam)) + stats.gamma.logpdf(
        tau, q.a, scale=1 / q.b
    )
    elbo = elbo_univariate_gaussian(x, PRIOR, q)
    assert history[-1] == pytest.approx(elbo)
    assert_mc(log_joint - log_q, elbo, max_se=0.01)
    gap = log_evidence_univariate_gaussian(x, PRIOR) - elbo
    assert 0 < gap < 0.5  # the KL(q ‖ p) that mean field cannot remove


def test_cavi_warns_at_max_iter():
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        cavi_univariate_gaussian(small_data(), PRIOR, max_iter=2, tol=0.0)


# ------------------------------------------------------------ the Bayesian GMM against scikit-learn


def two_blobs(rng, N=120, D=2, offset=10.0):
    X = rng.normal(size=(N, D))
    X[: N // 3] += 4.0
    return X + offset


def sklearn_resp(seed, N, K):
    resp = np.random.RandomState(seed).uniform(size=(N, K))
    return resp / resp.sum(axis=1, keepdims=True)


def fit_both(X, K, seed, n_iter, **priors):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.filterwarnings("ignore", message="Best performing initialization")
        sk = SkBGMM(
            n_components=K,
            weight_concentration_prior_type="dirichlet_distribution",
            init_params="random",
            random_state=seed,
            tol=0.0,
            max_iter=n_iter,
            reg_covar=0.0,
            **priors,
        ).fit(X)
        ours = BayesianGaussianMixture(
            K, resp_init=sklearn_resp(seed, len(X), K), tol=0.0, max_iter=n_iter, **priors
        ).fit(X)
    return ours, sk


ATTRIBUTES = [
    "weight_concentration_",
    "mean_precision_",
    "means_",
    "degrees_of_freedom_",
    "covariances_",
    "precisions_cholesky_",
    "weights_",
]


@pytest.mark.parametrize("priors", [
    {},
    dict(weight_concentration_prior=0.01, mean_precision_prior=0.5, mean_prior=[9.0, 11.0],
         degrees_of_freedom_prior=4.5, covariance_prior=[[2.0, 0.3], [0.3, 0.5]]),
])
def test_matches_sklearn_from_same_responsibilities(priors):
    X = two_blobs(np.random.default_rng(0))
    ours, sk = fit_both(X, K=4, seed=3, n_iter=10, **priors)
    worst = max(
        np.max(np.abs(getattr(ours, a) - getattr(sk, a))) / np.max(np.abs(getattr(sk, a)))
        for a in ATTRIBUTES
    )
    assert worst < 1e-8, f"largest relative difference {worst:.3g}"
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.mean_prior_, sk.mean_prior_, rtol=1e-12)
    np.testing.assert_allclose(ours.covariance_prior_, sk.covariance_prior_, rtol=1e-12)


def test_full_elbo_differs_from_sklearns_bound_by_a_constant():
    """scikit-learn's bound, computed after each M-step, omits constants: the differences agree."""
    X = two_blobs(np.random.default_rng(1), N=90) - 10
    K, seed, n_iter = 3, 5, 8
    _, sk = fit_both(X, K, seed, n_iter)
    prior = GMMPrior(1.0 / K, 1.0, X.mean(axis=0), 2.0, np.cov(X.T))  # scikit-learn's defaults
    q = vb_m_step(X, sklearn_resp(seed, len(X), K), prior)
    full = []
    for _ in range(n_iter):
        resp = np.exp(vb_e_step(X, q)[1])
        q = vb_m_step(X, resp, prior)
        full.append(vb_elbo(X, resp, q, prior))
    gap = np.asarray(full) - np.asarray(sk.lower_bounds_)
    assert np.ptp(np.diff(full)) > 1e-3  # the bound really moves, so the check has teeth
    np.testing.assert_allclose(gap, gap[0], atol=1e-8 * abs(full[0]))


def normal_wishart_log_evidence(X, beta0, m0, nu0, W0_inv):
    """log p(X) of a single Gaussian under a Gauss-Wishart prior (Murphy 2007, eq. 266)."""
    N, D = X.shape
    xbar = X.mean(axis=0)
    S = (X - xbar).T @ (X - xbar)
    betaN, nuN = beta0 + N, nu0 + N
    WN_inv = W0_inv + S + beta0 * N / betaN * np.outer(xbar - m0, xbar - m0)
    return (
        -0.5 * N * D * np.log(np.pi) + multigammaln(nuN / 2, D) - multigammaln(nu0 / 2, D)
        + 0.5 * nu0 * np.linalg.slogdet(W0_inv)[1] - 0.5 * nuN * np.linalg.slogdet(WN_inv)[1]
        + 0.5 * D * np.log(beta0 / betaN)
    )


def test_one_component_elbo_is_the_exact_log_evidence():
    """With K = 1 mean field is exact: q(μ, Λ) is the posterior and the ELBO equals log p(X)."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(25, 3)) @ spd(rng, 3) + 5
    priors = dict(
        mean_precision_prior=0.7,
        mean_prior=[4.0, 5.0, 6.0],
        degrees_of_freedom_prior=4.0,
        covariance_prior=spd(rng, 3),
    )
    model = BayesianGaussianMixture(1, max_iter=5, tol=1e-12, **priors).fit(X)
    expected = normal_wishart_log_evidence(
        X, 0.7, np.array([4.0, 5.0, 6.0]), 4.0, priors["covariance_prior"]
    )
    assert model.elbo_ == pytest.approx(expected, rel=1e-11)
    # The predictive density is the exact p(x | X) = p(X, x) / p(X).
    x_new = rng.normal(size=(4, 3)) + 5
    exact = [normal_wishart_log_evidence(np.vstack([X, x]), 0.7, np.array([4.0, 5.0, 6.0]), 4.0,
                                         priors["covariance_prior"]) - expected for x in x_new]
    np.testing.assert_allclose(model.score_samples(x_new), exact, rtol=1e-10)


def _exact_log_evidence_by_enumeration(X, K, alpha0, beta0, m0, nu0, W0_inv):
    """log p(X) of the Bayesian mixture: a sum over all K^N labellings of the Dirichlet-multinomial
    probability of the labels times each cluster's closed-form Gauss-Wishart evidence."""
    import itertools

    from scipy.special import gammaln

    terms = []
    for z in itertools.product(range(K), repeat=len(X)):
        z = np.array(z)
        t = gammaln(K * alpha0) - gammaln(len(X) + K * alpha0)
        for k in range(K):
            nk = np.sum(z == k)
            t += gammaln(nk + alpha0) - gammaln(alpha0)
            if nk:
                t += normal_wishart_log_evidence(X[z == k], beta0, m0, nu0, W0_inv)
        terms.append(t)
    return logsumexp(terms)


@pytest.mark.parametrize("sep", [10.0, 3.0])
def test_elbo_plus_log_k_factorial_against_the_exact_evidence(sep):
    """Bishop §10.2.4: with separated clusters, ELBO + log K! closes the gap to the exact log
    p(X).
    """
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, 5), rng.normal(sep, 1, 5)][:, None]
    priors = dict(mean_precision_prior=0.1, mean_prior=[sep / 2], degrees_of_freedom_prior=2.0,
                  covariance_prior=[[1.0]])
    log_px = _exact_log_evidence_by_enumeration(
        X, 2, 1.0, 0.1, np.array([sep / 2]), 2.0, np.array([[1.0]])
    )
    model = BayesianGaussianMixture(
        2,
        weight_concentration_prior=1.0,
        tol=1e-10,
        max_iter=1000,
        n_init=2,
        random_state=0,
        **priors,
    ).fit(X)
    corrected = model.elbo_ + np.log(2)
    assert corrected < log_px  # still a lower bound
    if sep == 10.0:
        assert log_px - corrected < 1e-3  # the correction closes the whole log 2 gap
    else:
        assert log_px - corrected > 0.1  # overlapping clusters: the copies of q overlap too


def test_predictive_density_is_mixture_of_scipy_student_t():
    rng = np.random.default_rng(3)
    X = two_blobs(rng, N=80, D=3)
    model = BayesianGaussianMixture(3, random_state=0, max_iter=20, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    q, D = model.posterior_, 3
    Xt = rng.normal(size=(7, 3)) + 10
    dens = 0.0
    for k in range(3):
        dof = q.nu[k] + 1 - D
        shape = q.W_inv[k] * (1 + q.beta[k]) / (dof * q.beta[k])
        dens = dens + q.alpha[k] / q.alpha.sum() * stats.multivariate_t(q.m[k], shape, df=dof).pdf(
            Xt
        )
    np.testing.assert_allclose(model.score_samples(Xt), np.log(dens), rtol=1e-10)


def test_vb_elbo_matches_monte_carlo_with_constants():
    """The full ELBO, every constant included, against samples of q and SciPy's log-densities."""
    rng = np.random.default_rng(4)
    X = two_blobs(rng, N=12, D=2, offset=0.0)
    prior = GMMPrior(0.5, 1.0, np.zeros(2), 3.0, np.eye(2))
    resp = rng.dirichlet(np.ones(2), size=12)
    # any q(θ), not the optimum for resp
    q = vb_m_step(X, rng.dirichlet(np.ones(2), size=12), prior)
    n = 1000
    pis = stats.dirichlet(q.alpha).rvs(size=n, random_state=13)
    total = np.zeros(n)
    for k in range(2):
        W = np.linalg.inv(q.W_inv[k])
        Lams = stats.wishart(df=q.nu[k], scale=W).rvs(size=n, random_state=20 + k)
        for s in range(n):
            cov = np.linalg.inv(Lams[s])
            mu = rng.multivariate_normal(q.m[k], cov / q.beta[k])
            total[s] += resp[:, k] @ (
                np.log(pis[s, k])
                + stats.multivariate_normal(mu, cov).logpdf(X)
                - np.log(resp[:, k])
            )
            total[s] += stats.multivariate_normal(prior.m0, cov / prior.beta0).logpdf(
                mu
            ) - stats.multivariate_normal(q.m[k], cov / q.beta[k]).logpdf(mu)
            total[s] += stats.wishart(df=prior.nu0, scale=np.linalg.inv(prior.W0_inv)).logpdf(
                Lams[s]
            ) - stats.wishart(df=q.nu[k], scale=W).logpdf(Lams[s])
    total += stats.dirichlet(np.full(2, prior.alpha0)).logpdf(pis.T) - stats.dirichlet(
        q.alpha
    ).logpdf(pis.T)
    assert_mc(total, vb_elbo(X, resp, q, prior), n_se=5.0, max_se=0.1)


def test_e_step_elbo_equals_general_formula():
    rng = np.random.default_rng(5)
    X = two_blobs(rng, N=50)
    prior = GMMPrior(0.1, 1.0, X.mean(axis=0), 2.0, np.cov(X.T))
    q = vb_m_step(X, rng.dirichlet(np.ones(3), size=50), prior)
    log_norm, log_resp = vb_e_step(X, q)
    assert log_norm.sum() - kl_to_prior(q, prior) == pytest.approx(
        vb_elbo(X, np.exp(log_resp), q, prior), rel=1e-12
    )
    # and the optimal responsibilities beat any other q(Z)
    assert vb_elbo(X, np.exp(log_resp), q, prior) > vb_elbo(
        X, rng.dirichlet(np.ones(3), size=50), q, prior
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    K=st.integers(1, 5),
    D=st.integers(1, 3),
    alpha0=st.sampled_from([1e-3, 0.1, 1.0, 10.0]),
)
def test_elbo_never_decreases(seed, K, D, alpha0):
    rng = np.random.default_rng(seed)
    N = int(rng.integers(max(K, 5), 60))
    X = rng.normal(size=(N, D)) * rng.uniform(0.1, 10) + rng.normal(scale=5, size=D)
    X[: N // 2] += rng.normal(scale=3, size=D)
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = BayesianGaussianMixture(
            K,
            weight_concentration_prior=alpha0,
            init_params="random",
            random_state=seed,
            max_iter=40,
            tol=0.0,
        ).fit(X)
    assert np.all(np.diff(model.history_) >= -1e-9 * np.abs(model.history_[:-1]))


def test_a_wrong_step_is_caught_by_strict_monotonicity(monkeypatch):
    """The monotonicity check has teeth: an off-by-one M-step (ν_k = ν₀ + N_k + 1) makes the ELBO
    fall.
    """
    import lvmteach.variational as v
    from lvmteach.mixture import precision_cholesky

    original = v.gauss_wishart_posterior

    def broken(nk, xbar, S, prior):
        q = original(nk, xbar, S, prior)
        nu = q.nu + 1
        return q._replace(nu=nu, prec_chol=precision_cholesky(q.W_inv / nu[:, None, None], "full"))

    X = two_blobs(np.random.default_rng(0), N=60)
    fit = lambda: BayesianGaussianMixture(  # noqa: E731
        5, weight_concentration_prior=1e-3, init_params="random", random_state=0, max_iter=100
    ).fit(X)
    with strict_monotonicity():
        fit()  # the correct steps pass
    monkeypatch.setattr(v, "gauss_wishart_posterior", broken)
    with strict_monotonicity(), pytest.raises(ObjectiveDecreasedError):
        fit()


def test_old_faithful_keeps_two_components():
    X = load_old_faithful().data
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    with strict_monotonicity():
        model = BayesianGaussianMixture(
            6, weight_concentration_prior=1e-2, max_iter=500, tol=1e-6, random_state=0
        ).fit(X)
    assert model.converged_
    assert np.sum(model.weights_ > 0.01) == 2
    # short vs long eruptions
    np.testing.assert_allclose(np.sort(model.weights_)[-2:], [0.357, 0.643], atol=2e-3)


def test_repr_params_and_predict():
    X = two_blobs(np.random.default_rng(7))
    model = BayesianGaussianMixture(2, random_state=0).fit(X)
    assert set(model.predict(X)) == {0, 1}
    assert model.get_params()["n_components"] == 2
    assert model.score(X) == pytest.approx(model.score_samples(X).mean())


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("params, match", [
    (dict(weight_concentration_prior=0.0), "weight_concentration_prior"),
    (dict(weight_concentration_prior=-1.0), "weight_concentration_prior"),
    (dict(mean_precision_prior=0.0), "mean_precision_prior"),
    (dict(degrees_of_freedom_prior=0.5), "greater than D - 1"),
    (dict(degrees_of_freedom_prior=1.0), "greater than D - 1"),
    (dict(covariance_prior=[[1.0, 2.0], [2.0, 1.0]]), "not positive definite"),
    (dict(covariance_prior=[[1.0, 0.5], [0.0, 1.0]]), "symmetric"),
    (dict(covariance_prior=np.eye(3)), "shape"),
    (dict(mean_prior=[0.0]), "mean_prior"),
    (dict(n_components=0), "n_components"),
    (dict(n_components=500), "exceeds the number of samples"),
    (dict(init_params="kmeans++"), "init_params"),
    (dict(resp_init=np.ones((10, 2))), "resp_init"),
    (dict(resp_init=np.full((120, 2), 0.7)), "rows sum to 1"),
    (dict(max_iter=0), "max_iter"),
])
def test_bad_hyperparameters_raise(params, match):
    X = two_blobs(np.random.default_rng(8))
    params = {"n_components": 2, **params}
    with pytest.raises(ValueError, match=match):
        BayesianGaussianMixture(**params).fit(X)


def test_bad_data_raises():
    X = two_blobs(np.random.default_rng(9))
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        BayesianGaussianMixture(2).fit(X)
    with pytest.raises(ValueError, match="singular"):
        BayesianGaussianMixture(2).fit(np.ones((10, 2)))
    model = BayesianGaussianMixture(2, random_state=0).fit(two_blobs(np.random.default_rng(9)))
    with pytest.raises(ValueError, match="features"):
        model.predict(np.ones((3, 5)))
    with pytest.raises(ValueError, match="not fitted"):
        BayesianGaussianMixture(2).predict(np.ones((3, 2)))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: kl_gamma(0.0, 1.0, 1.0, 1.0), "a1"),
        (lambda: kl_dirichlet([1.0, -1.0], [1.0, 1.0]), "alpha"),
        (lambda: kl_wishart(np.eye(2), 0.5, np.eye(2), 3.0), "nu1"),
        (lambda: kl_wishart(np.eye(2), 3.0, -np.eye(2), 3.0), "W2"),
        (lambda: kl_gaussian(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3)), "shapes"),
        (lambda: entropy_gaussian([[1.0, 2.0], [2.0, 1.0]]), "positive definite"),
        (lambda: wishart_expected_log_det(np.eye(3), 1.5), "greater than D - 1"),
        (lambda: fit_kl(lambda z: z, "sideways"), "direction"),
        (lambda: fit_kl(lambda z: stats.norm.logpdf(z, 0, 30), "forward"), "integrates"),
        (lambda: fit_kl("not a function"), "target_logpdf"),
        (lambda: fit_kl(lambda z: -0.5 * z**2, "reverse", tol=0.0), "tol"),
        (lambda: fit_kl(lambda z: np.where(z > 0, -np.inf, 0.0), "reverse"), "finite"),
        (
            lambda: gaussian_expectation(lambda z: np.sin(1e6 * z), 0.0, 1.0, max_panels=64),
            "did not settle",
        ),
        (lambda: cavi_gaussian_rate(np.array([[1.0, 2.0], [2.0, 1.0]])), "prec"),
        (lambda: cavi_univariate_gaussian(np.array([1.0, 2.0]), (0.0, -1.0, 1.0, 1.0)), "lambda0"),
        (lambda: cavi_univariate_gaussian(np.array([[1.0, 2.0]])), "1-D"),
        (lambda: cavi_univariate_gaussian(np.array([1.0, np.nan])), "NaN"),
        (lambda: cavi_gaussian(np.zeros(2), np.eye(3)), "mu must have shape"),
    ],
)
def test_bad_input_to_helpers_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()

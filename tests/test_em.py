"""The shared EM driver: stopping, restarts, warnings and the monotonicity check."""

import warnings

import numpy as np
import pytest

from lvmteach.base import BaseEstimator
from lvmteach.em import (
    EMMixin,
    em_rate_matrix,
    fit_em,
    fraction_missing_information,
    gaussian_missing_em,
    squarem_step,
    strict_monotonicity,
)
from lvmteach.exceptions import ConvergenceWarning, ObjectiveDecreasedError


class Toy(EMMixin, BaseEstimator):
    """A fake 'EM' whose objective follows a script: lets us test the driver alone."""

    def __init__(
        self, script=(1.0, 2.0, 2.5, 2.5), max_iter=10, tol=1e-3, n_init=1, random_state=0
    ):
        self.script = script
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.random_state = random_state

    def _initialize(self, X, rng):
        self.t_ = 0
        self.offset_ = rng.uniform()  # each restart has its own level

    def _e_step(self, X):
        value = self.script[min(self.t_, len(self.script) - 1)] + self.offset_
        return value, None

    def _m_step(self, X, stats):
        self.t_ += 1

    def _get_parameters(self):
        return (self.t_, self.offset_)

    def _set_parameters(self, params):
        self.t_, self.offset_ = params

    def fit(self, X):
        return fit_em(self, X)


def test_stops_when_change_below_tol_and_records_history():
    toy = Toy().fit(None)
    assert toy.converged_ and toy.n_iter_ == 4
    np.testing.assert_allclose(toy.history_ - toy.offset_, [1.0, 2.0, 2.5, 2.5])
    assert toy.lower_bound_ == toy.history_[-1]


def test_tol_zero_runs_exactly_max_iter_and_warns():
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=6"):
        toy = Toy(tol=0.0, max_iter=6).fit(None)
    assert toy.n_iter_ == 6 and not toy.converged_


def test_keeps_the_best_of_n_init_restarts():
    rng = np.random.default_rng(5)
    offsets = rng.uniform(size=7)
    toy = Toy(n_init=7, random_state=5).fit(None)
    assert toy.offset_ == offsets.max()
    assert toy.lower_bound_ == pytest.approx(2.5 + offsets.max())


def test_monotonicity_check_raises_only_in_checking_mode():
    script = (1.0, 2.0, 1.5, 1.5)  # a decrease: some E- or M-step is wrong
    Toy(script=script).fit(None)  # unchecked: runs
    with strict_monotonicity():
        with pytest.raises(
            ObjectiveDecreasedError,
            match=r"decreased by 0\.5 \(from 2\.6\d+ to 2\.1\d+\) at iteration 3",
        ):
            Toy(script=script).fit(None)


def test_monotonicity_check_tolerates_round_off():
    with strict_monotonicity():
        Toy(script=(1.0, 2.0, 2.0 - 1e-13, 2.0 - 1e-13)).fit(None)


@pytest.mark.parametrize("name, value", [("max_iter", 0), ("n_init", 0), ("tol", -1.0)])
def test_bad_loop_parameters_raise(name, value):
    with pytest.raises(ValueError, match=name):
        Toy(**{name: value}).fit(None)


def test_no_warning_when_converged():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Toy().fit(None)


# ------------------------------------------------------------------ how fast EM converges


def test_missing_mean_rate_is_the_fraction_missing():
    """EM for the mean of 𝒩(μ, 1) with m of n values missing: M(μ) = (Σ obs + m μ)/n, rate m/n."""
    rng = np.random.default_rng(0)
    obs, n = rng.normal(size=7), 10
    em_map = lambda mu: np.array([(obs.sum() + (n - obs.size) * mu[0]) / n])  # noqa: E731
    J = em_rate_matrix(em_map, np.array([0.3]))
    assert J[0, 0] == pytest.approx(0.3, rel=1e-9)
    # complete information n, observed information 7: a fraction 3/10 is missing
    assert fraction_missing_information([[10.0]], [[7.0]]) == pytest.approx([0.3])


def _gmm_1d(sep, N=400, seed=0):
    from scipy import stats

    from lvmteach.mixture import e_step, m_step

    rng = np.random.default_rng(seed)
    X = np.where(rng.random(N) < 0.4, -sep / 2, sep / 2)[:, None] + rng.normal(size=(N, 1))

    def unpack(theta):
        return np.array([theta[0], 1 - theta[0]]), theta[1:3, None], theta[3:5, None]

    def em_map(theta):
        w, m, v = unpack(theta)
        _, log_resp = e_step(X, w, m, 1 / np.sqrt(v), "diag")
        w, m, v = m_step(X, np.exp(log_resp), "diag", reg_covar=0.0)
        return np.array([w[0], m[0, 0], m[1, 0], v[0, 0], v[1, 0]])

    def log_density(theta):  # (N, 2) array of log π_k 𝒩(x_n | μ_k, v_k), by SciPy
        w, m, v = unpack(theta)
        return np.log(w) + stats.norm.logpdf(X, m[:, 0], np.sqrt(v[:, 0]))

    return X, em_map, log_density


def _hessian(f, x, h=1e-4):
    E = np.eye(x.size) * h
    return np.array(
        [
            [(f(x + a + b) - f(x + a - b) - f(x - a + b) + f(x - a - b)) / (4 * h * h) for b in E]
            for a in E
        ]
    )


@pytest.mark.parametrize("sep", [4.0, 2.0])
def test_em_rate_is_the_largest_fraction_of_missing_information(sep):
    """Dempster et al.: J = I_c⁻¹ I_m, with both informations by finite differences of SciPy
    densities, and the rate measured on the iterates; overlapping components converge far more
    slowly."""
    from scipy.special import logsumexp

    X, em_map, log_density = _gmm_1d(sep)
    theta = np.array([0.5, -1.0, 1.0, 1.0, 1.0])
    path = [theta]
    for _ in range(3000):
        path.append(em_map(path[-1]))
    star = path[-1]
    resp = np.exp(log_density(star) - logsumexp(log_density(star), axis=1, keepdims=True))
    I_o = -_hessian(lambda t: logsumexp(log_density(t), axis=1).sum(), star)
    I_c = -_hessian(lambda t: np.sum(resp * log_density(t)), star)
    fractions = fraction_missing_information(I_c, I_o)
    J = em_rate_matrix(em_map, star)
    np.testing.assert_allclose(
        np.sort(np.abs(np.linalg.eigvals(J)))[::-1][:3], fractions[:3], atol=1e-5
    )
    err = np.linalg.norm(np.array(path) - star, axis=1)
    t = int(np.argmax(err < 1e-6))
    assert err[t + 1] / err[t] == pytest.approx(fractions[0], abs=1e-5)
    assert fractions[0] > (0.95 if sep == 2.0 else 0.6)


def test_squarem_reaches_the_em_fixed_point_with_fewer_evaluations():
    X, em_map, log_density = _gmm_1d(2.0)
    from scipy.special import logsumexp

    def ll(t):
        return logsumexp(log_density(t), axis=1).sum()

    star = np.array([0.5, -1.0, 1.0, 1.0, 1.0])
    for _ in range(5000):
        star = em_map(star)
    theta, evals = np.array([0.5, -1.0, 1.0, 1.0, 1.0]), 0
    while np.linalg.norm(theta - star) > 1e-7:
        new, used = squarem_step(em_map, theta)
        evals += used
        if not (np.all(np.isfinite(new)) and 0 < new[0] < 1 and np.all(new[3:] > 0)) or ll(
            new
        ) < ll(theta):
            new, evals = em_map(em_map(theta)), evals + 2
        theta = new
        assert evals < 400
    em_iters = 0
    theta = np.array([0.5, -1.0, 1.0, 1.0, 1.0])
    while np.linalg.norm(theta - star) > 1e-7:
        theta, em_iters = em_map(theta), em_iters + 1
    assert evals < em_iters / 5


# ------------------------------------------------------------------ missing data under MAR


def _mar_bivariate(seed=0, N=300):
    rng = np.random.default_rng(seed)
    X = rng.multivariate_normal([1.0, -0.5], [[1.0, 0.8], [0.8, 1.5]], size=N)
    X[X[:, 0] > 1.3, 1] = np.nan  # x2 missing when x1 is large: MAR (depends on observed x1 only)
    return X


def test_gaussian_missing_em_matches_andersons_closed_form():
    """Monotone pattern: the MLE factors into the x1 marginal and the complete-case regression of x2
    on x1.
    """
    X = _mar_bivariate()
    cc = ~np.isnan(X[:, 1])
    mu1, s11 = X[:, 0].mean(), X[:, 0].var()
    a, b = X[cc, 0], X[cc, 1]
    b1 = np.mean((a - a.mean()) * (b - b.mean())) / a.var()
    b0 = b.mean() - b1 * a.mean()
    resid = b.var() - b1**2 * a.var()
    mean_ref = [mu1, b0 + b1 * mu1]
    cov_ref = [[s11, b1 * s11], [b1 * s11, resid + b1**2 * s11]]
    with strict_monotonicity():
        mean, cov, history = gaussian_missing_em(X, max_iter=2000, tol=0.0)
    np.testing.assert_allclose(mean, mean_ref, atol=1e-7)
    np.testing.assert_allclose(cov, cov_ref, atol=1e-7)
    assert abs(np.nanmean(X[:, 1]) - mean[1]) > 0.1  # complete-case analysis is biased under MAR


def test_gaussian_missing_em_log_likelihood_is_the_observed_data_one():
    """history is (1/N) Σ log 𝒩(x_O | μ_O, Σ_OO), checked with SciPy at the returned parameters."""
    from scipy import stats

    rng = np.random.default_rng(2)
    X = rng.multivariate_normal(
        [0.0, 1.0, 2.0], [[2.0, 0.5, 0.3], [0.5, 1.0, 0.4], [0.3, 0.4, 1.5]], size=150
    )
    X[rng.random(X.shape) < 0.2] = np.nan
    X = X[~np.isnan(X).all(axis=1)]
    with strict_monotonicity():
        mean, cov, history = gaussian_missing_em(X, max_iter=3000)
    _, _, again = gaussian_missing_em(X, max_iter=len(history) + 1, tol=0.0)
    ref = np.mean([stats.multivariate_normal(mean[o], cov[np.ix_(o, o)]).logpdf(x[o])
                   for x in X for o in [~np.isnan(x)]])
    assert again[-1] == pytest.approx(ref, abs=1e-8)


def test_gaussian_missing_em_rejects_a_row_with_nothing_observed():
    X = np.array([[1.0, 2.0], [np.nan, np.nan], [0.5, np.nan]])
    with pytest.raises(ValueError, match="no observed entry"):
        gaussian_missing_em(X)

"""Linear dynamical systems against statsmodels' state-space models and closed forms."""

import warnings

import numpy as np
import pytest
from scipy import linalg

from lvmteach.datasets import load_nile
from lvmteach.em import strict_monotonicity
from lvmteach.exceptions import ConvergenceWarning
from lvmteach.lds import (
    PARAMETERS,
    LinearDynamicalSystem,
    kalman_filter,
    lds_e_step,
    lds_m_step,
    rts_smoother,
)

sm = pytest.importorskip("statsmodels.api")


def random_system(M=2, D=3, seed=0):
    rng = np.random.default_rng(seed)
    A = np.array([[0.9, 0.2], [-0.1, 0.8]])[:M, :M]
    B = rng.normal(size=(M, M))
    E = rng.normal(size=(D, D))
    return dict(
        A=A,
        C=rng.normal(size=(D, M)),
        Q=B @ B.T / M + 0.1 * np.eye(M),
        R=E @ E.T / D + 0.1 * np.eye(D),
        mu0=rng.normal(size=M),
        V0=np.eye(M) * 2.0,
    )


def statsmodels_smoother(X, p):
    M = p["A"].shape[0]
    mod = sm.tsa.statespace.MLEModel(X, k_states=M)
    mod.ssm.initialize_known(p["mu0"], p["V0"])
    mod.ssm["design"], mod.ssm["obs_cov"] = p["C"], p["R"]
    mod.ssm["transition"], mod.ssm["selection"], mod.ssm["state_cov"] = p["A"], np.eye(M), p["Q"]
    return mod.ssm.smooth()


@pytest.mark.parametrize("missing", [False, True])
def test_filter_smoother_and_likelihood_match_statsmodels(missing):
    p = random_system()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3)) + 2.0
    if missing:
        X[[0, 5, 6, 30, 59]] = np.nan
    ref = statsmodels_smoother(X, p)
    args = [p[k] for k in PARAMETERS]
    mu, V, mu_pred, V_pred, log_lik = kalman_filter(X, *args)
    mu_s, V_s, V_cross = rts_smoother(mu, V, mu_pred, V_pred, p["A"])
    # statsmodels' filter differs from ours by round-off amplified over the recursion (~1e-10)
    np.testing.assert_allclose(mu, ref.filtered_state.T, atol=1e-8)
    np.testing.assert_allclose(V, ref.filtered_state_cov.transpose(2, 0, 1), atol=1e-8)
    np.testing.assert_allclose(mu_pred, ref.predicted_state.T[:-1], atol=1e-8)
    np.testing.assert_allclose(log_lik, ref.llf_obs, atol=1e-8)
    np.testing.assert_allclose(mu_s, ref.smoothed_state.T, atol=1e-8)
    np.testing.assert_allclose(V_s, ref.smoothed_state_cov.transpose(2, 0, 1), atol=1e-8)
    np.testing.assert_allclose(
        V_cross, ref.smoothed_state_autocov.transpose(2, 0, 1)[:-1], atol=1e-8
    )


def test_likelihood_equals_the_joint_gaussian_density_of_all_observations():
    """Closed form: x_1..x_T are jointly Gaussian; build their mean and covariance directly."""
    from scipy.stats import multivariate_normal

    p = random_system(M=2, D=2, seed=3)
    p["C"] = p["C"][:2]
    p["R"] = p["R"][:2, :2]
    T, M = 6, 2
    X = np.random.default_rng(0).normal(size=(T, 2))
    powers = [np.linalg.matrix_power(p["A"], k) for k in range(T)]
    means = np.stack([powers[t] @ p["mu0"] for t in range(T)])
    cov_z = np.zeros((T * M, T * M))
    state_cov = [p["V0"]]
    for t in range(1, T):
        state_cov.append(p["A"] @ state_cov[-1] @ p["A"].T + p["Q"])
    for s in range(T):
        for t in range(s, T):
            block = powers[t - s] @ state_cov[s]  # Cov(z_t, z_s) for t >= s
            cov_z[t * M : (t + 1) * M, s * M : (s + 1) * M] = block
            cov_z[s * M : (s + 1) * M, t * M : (t + 1) * M] = block.T
    big_C = np.kron(np.eye(T), p["C"])
    cov_x = big_C @ cov_z @ big_C.T + np.kron(np.eye(T), p["R"])
    expected = multivariate_normal((means @ p["C"].T).ravel(), cov_x).logpdf(X.ravel())
    log_lik = kalman_filter(X, *[p[k] for k in PARAMETERS])[4].sum()
    np.testing.assert_allclose(log_lik, expected, rtol=1e-12)


def expected_complete_log_lik(stats, p):
    """E[log p(X, Z)] under the smoothed posterior, from the expected sufficient statistics."""
    total = 0.0

    def gauss_term(cov, second_moment, n):  # Σ E[-½ log|2π cov| - ½ eᵀ cov⁻¹ e] over n terms
        sign, logdet = np.linalg.slogdet(2 * np.pi * cov)
        return -0.5 * n * logdet - 0.5 * np.trace(np.linalg.solve(cov, second_moment))

    for X, Ez, Ezz, L in stats:
        o = ~np.isnan(X).any(axis=1)
        x, ez, ezz = X[o], Ez[o], Ezz[o]
        C, A = p["C"], p["A"]
        obs = x.T @ x - C @ ez.T @ x - x.T @ ez @ C.T + C @ ezz.sum(0) @ C.T
        trans = Ezz[1:].sum(0) - A @ L.sum(0).T - L.sum(0) @ A.T + A @ Ezz[:-1].sum(0) @ A.T
        init = (
            Ezz[0]
            - np.outer(Ez[0], p["mu0"])
            - np.outer(p["mu0"], Ez[0])
            + np.outer(p["mu0"], p["mu0"])
        )
        total += (
            gauss_term(p["R"], obs, o.sum())
            + gauss_term(p["Q"], trans, len(Ez) - 1)
            + gauss_term(p["V0"], init, 1)
        )
    return total


def test_m_step_maximises_the_expected_complete_data_log_likelihood():
    """Every perturbation of the M-step's output lowers E[log p(X, Z)] (first-order optimality)."""
    p = random_system()
    rng = np.random.default_rng(2)
    sequences = [rng.normal(size=(40, 3)), rng.normal(size=(25, 3))]
    sequences[0][[3, 17]] = np.nan
    stats = [(X, *lds_e_step(X, *[p[k] for k in PARAMETERS])[1:]) for X in sequences]
    new = lds_m_step(stats, p)
    best = expected_complete_log_lik(stats, new)
    assert best > expected_complete_log_lik(stats, p)
    for name in PARAMETERS:
        for _ in range(3):
            D = rng.normal(size=new[name].shape)
            if name in ("Q", "R", "V0"):
                D = D @ D.T if D.ndim == 2 else D
            for eps in (1e-3, -1e-3):
                q = dict(new, **{name: new[name] + eps * D})
                if name in ("Q", "R", "V0") and np.linalg.eigvalsh(q[name]).min() <= 0:
                    continue
                assert expected_complete_log_lik(stats, q) < best, name


def test_em_never_decreases_the_log_likelihood_with_missing_steps():
    p = random_system()
    model = LinearDynamicalSystem(2, em_vars=(), init=p).fit(np.ones((5, 3)))
    X, _ = model.sample(120, random_state=0)
    X[40:50] = np.nan
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = LinearDynamicalSystem(2, max_iter=40, tol=0, random_state=0).fit(
            X, lengths=[70, 50]
        )
    assert fitted.n_iter_ == 40
    # history_[-1] is the objective before the last M-step, which cannot lower it
    assert fitted.lower_bound_ <= fitted.score(X, lengths=[70, 50]) < fitted.lower_bound_ + 1.0
    assert fitted.history_[-1] > fitted.history_[0] + 10.0


def test_local_level_em_reaches_the_statsmodels_maximum_likelihood_on_the_nile():
    y = load_nile().data
    mu0, V0 = 1100.0, 1e5
    ref_model = sm.tsa.UnobservedComponents(y[:, 0], "llevel")
    ref_model.ssm.initialize_known(np.array([mu0]), np.array([[V0]]))
    ref_model.loglikelihood_burn = 0  # count the first year too, as we do
    ref = ref_model.fit(disp=False, method="bfgs", gtol=1e-10)
    init = dict(A=[[1.0]], C=[[1.0]], mu0=[mu0], V0=[[V0]], Q=[[1000.0]], R=[[10000.0]])
    with strict_monotonicity():
        ours = LinearDynamicalSystem(1, em_vars=("Q", "R"), init=init, tol=1e-8, max_iter=1000).fit(
            y
        )
    np.testing.assert_allclose(ours.score(y), ref.llf, rtol=1e-7)
    np.testing.assert_allclose([ours.R_[0, 0], ours.Q_[0, 0]], ref.params, rtol=2e-2)
    np.testing.assert_allclose(
        ours.score(y), ref_model.loglike(np.array([ours.R_[0, 0], ours.Q_[0, 0]])), rtol=1e-10
    )


def test_forecast_matches_statsmodels():
    y = load_nile().data
    init = dict(A=[[1.0]], C=[[1.0]], mu0=[1100.0], V0=[[1e5]], Q=[[1469.0]], R=[[15099.0]])
    ours = LinearDynamicalSystem(1, em_vars=(), init=init).fit(y)
    means, covs = ours.forecast(y, 5)
    mod = sm.tsa.UnobservedComponents(y[:, 0], "llevel")
    mod.ssm.initialize_known(np.array([1100.0]), np.array([[1e5]]))
    fc = mod.smooth(np.array([15099.0, 1469.0])).get_forecast(5)
    np.testing.assert_allclose(means[:, 0], fc.predicted_mean, rtol=1e-10)
    np.testing.assert_allclose(covs[:, 0, 0], fc.var_pred_mean, rtol=1e-10)


def test_imputation_fills_missing_years_with_smoothed_means():
    y = load_nile().data.copy()
    y[[20, 21, 60]] = np.nan
    init = dict(A=[[1.0]], C=[[1.0]], mu0=[1100.0], V0=[[1e5]], Q=[[1469.0]], R=[[15099.0]])
    model = LinearDynamicalSystem(1, em_vars=(), init=init).fit(y)
    filled = model.impute(y)
    ref = statsmodels_smoother(y, {k: np.atleast_1d(np.array(v, float)) for k, v in init.items()})
    np.testing.assert_allclose(
        filled[[20, 21, 60], 0], ref.smoothed_state[0, [20, 21, 60]], rtol=1e-10
    )
    assert not np.isnan(filled).any()


def test_sample_has_the_stationary_variance():
    p = dict(A=[[0.8]], C=[[1.0]], Q=[[0.36]], R=[[0.01]], mu0=[0.0], V0=[[1.0]])
    model = LinearDynamicalSystem(1, em_vars=(), init=p).fit(np.zeros((3, 1)))
    _, Z = model.sample(20000, random_state=0)
    assert abs(Z.var() - 1.0) < 0.05  # 0.36 / (1 - 0.8²) = 1


def test_bad_inputs_raise_value_errors():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="subset of"):
        LinearDynamicalSystem(1, em_vars=("B",)).fit(X)
    with pytest.raises(ValueError, match="partly missing"):
        Xp = X.copy()
        Xp[3, 0] = np.nan
        LinearDynamicalSystem(1).fit(Xp)
    with pytest.raises(ValueError, match="expected"):
        LinearDynamicalSystem(1, init=dict(C=np.ones((3, 1)))).fit(X)
    with pytest.raises(ValueError, match="init must be a dict"):
        LinearDynamicalSystem(1, init=dict(W=1)).fit(X)
    with pytest.raises(ValueError, match="two observed"):
        LinearDynamicalSystem(1).fit(np.full((5, 2), np.nan))


def test_em_for_all_parameters_reaches_the_likelihood_of_the_true_system():
    """The MLE is at least as likely as the parameters that generated the data; EM from the
    PCA start must get there (it cannot recover the parameters themselves: see exercise 5)."""
    true = random_system(M=2, D=3, seed=4)
    gen = LinearDynamicalSystem(2, em_vars=(), init=true).fit(np.ones((3, 3)))
    X = np.vstack([gen.sample(200, random_state=s)[0] for s in range(2)])
    lengths = [200, 200]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = LinearDynamicalSystem(2, tol=1e-2, max_iter=40, random_state=0).fit(X, lengths)
    assert fitted.score(X, lengths) > gen.score(X, lengths)
    # the implied stationary covariance of x_t matches the true one (an identifiable quantity)
    def stationary_obs_cov(m):
        P = linalg.solve_discrete_lyapunov(m.A_, m.Q_)
        return m.C_ @ P @ m.C_.T + m.R_

    np.testing.assert_allclose(
        stationary_obs_cov(fitted), stationary_obs_cov(gen), rtol=0.3, atol=0.3
    )


def test_nile_is_the_classic_series():
    d = load_nile()
    assert d.data.shape == (100, 1) and d.year[0] == 1871 and d.year[-1] == 1970
    assert d.data[0, 0] == 1120 and d.data[-1, 0] == 740  # first and last years of R's Nile
    assert "public domain" in d.DESCR.lower()

"""Tests for lvmteach.factor: PCA, probabilistic PCA and factor analysis.

References we did not write: scikit-learn's PCA and FactorAnalysis, scipy.stats.multivariate_normal,
Tipping and Bishop's closed-form likelihood, and Gaussian conditioning done with dense D x D
algebra (numpy.linalg.solve on the full covariance).
"""

import warnings

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.base import clone
from sklearn.decomposition import PCA as SkPCA
from sklearn.decomposition import FactorAnalysis as SkFA

from lvmteach.em import strict_monotonicity
from lvmteach.exceptions import ConvergenceWarning, NotFittedError
from lvmteach.factor import (
    PCA,
    PPCA,
    FactorAnalysis,
    e_step,
    e_step_missing,
    log_likelihood,
    m_step,
    m_step_missing,
    minka_log_evidence,
    posterior,
    ppca_closed_form,
    principal_components,
)


def make_data(N=400, D=8, q=3, seed=0, isotropic=False):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(D, q))
    psi = np.full(D, 0.5) if isotropic else rng.uniform(0.1, 1.0, size=D)
    mu = rng.normal(size=D)
    X = mu + rng.normal(size=(N, q)) @ W.T + rng.normal(size=(N, D)) * np.sqrt(psi)
    return X, mu, W, psi


def hide(X, fraction, seed=1):
    rng = np.random.default_rng(seed)
    Xm = X.copy()
    Xm[rng.uniform(size=X.shape) < fraction] = np.nan
    keep = ~np.isnan(Xm).all(axis=1)
    return Xm[keep], X[keep]


# ---------------------------------------------------------------------------- PCA


def test_pca_matches_sklearn_up_to_sign_and_variance_convention():
    X, *_ = make_data()
    N = len(X)
    ours = PCA(3).fit(X)
    sk = SkPCA(3, svd_solver="full").fit(X)
    signs = np.sign(np.sum(ours.components_ * sk.components_, axis=1))
    np.testing.assert_allclose(ours.components_ * signs[:, None], sk.components_, atol=1e-10)
    # ours divides by N, scikit-learn by N - 1
    np.testing.assert_allclose(
        ours.explained_variance_ * N / (N - 1), sk.explained_variance_, rtol=1e-10
    )
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, sk.explained_variance_ratio_, rtol=1e-10
    )
    assert not np.allclose(ours.explained_variance_, sk.explained_variance_, rtol=1e-4)


def test_pca_explained_variance_is_eigenvalues_of_mle_covariance():
    X, *_ = make_data()
    S = np.cov(X.T, bias=True)  # divides by N
    np.testing.assert_allclose(
        PCA(8).fit(X).explained_variance_, np.linalg.eigvalsh(S)[::-1], rtol=1e-10
    )


def test_pca_sign_convention_largest_entry_positive():
    X, *_ = make_data(seed=3)
    C = PCA(4).fit(X).components_
    assert np.all(C[np.arange(4), np.argmax(np.abs(C), axis=1)] > 0)
    np.testing.assert_allclose(C, SkPCA(4, svd_solver="full").fit(X).components_, atol=1e-10)


def test_pca_components_are_orthonormal():
    X, *_ = make_data()
    C = PCA(5).fit(X).components_
    np.testing.assert_allclose(C @ C.T, np.eye(5), atol=1e-12)


def test_pca_transform_and_inverse_match_sklearn():
    X, *_ = make_data()
    ours, sk = PCA(3).fit(X), SkPCA(3, svd_solver="full").fit(X)
    Z = ours.transform(X)
    np.testing.assert_allclose(np.abs(Z), np.abs(sk.transform(X)), atol=1e-10)
    np.testing.assert_allclose(
        ours.inverse_transform(Z), sk.inverse_transform(sk.transform(X)), atol=1e-10
    )


def test_pca_reconstruction_error_is_discarded_variance():
    X, *_ = make_data()
    pca = PCA(3).fit(X)
    err = np.mean(np.sum((X - pca.inverse_transform(pca.transform(X))) ** 2, axis=1))
    np.testing.assert_allclose(err, pca.eigenvalues_[3:].sum(), rtol=1e-10)


def test_pca_with_all_components_reconstructs_exactly():
    X, *_ = make_data()
    pca = PCA(8).fit(X)
    np.testing.assert_allclose(pca.inverse_transform(pca.transform(X)), X, atol=1e-10)


# ---------------------------------------------------------------------------- likelihood, posterior


@pytest.mark.parametrize("isotropic", [True, False])
def test_log_likelihood_matches_scipy(isotropic):
    X, mu, W, psi = make_data(isotropic=isotropic)
    ours = log_likelihood(X, mu, W, psi)
    ref = multivariate_normal(mu, W @ W.T + np.diag(psi)).logpdf(X)
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-10)


def test_log_likelihood_accepts_scalar_sigma2():
    X, mu, W, _ = make_data()
    np.testing.assert_allclose(
        log_likelihood(X, mu, W, 0.3), log_likelihood(X, mu, W, np.full(8, 0.3)), rtol=1e-14
    )


def test_posterior_matches_dense_gaussian_conditioning():
    X, mu, W, psi = make_data(N=20)
    C = W @ W.T + np.diag(psi)
    # joint of (z, x): cov(z, x) = Wᵀ; E[z | x] = Wᵀ C⁻¹ (x − μ), Cov = I − Wᵀ C⁻¹ W
    Ez_ref = np.linalg.solve(C, (X - mu).T).T @ W
    cov_ref = np.eye(3) - W.T @ np.linalg.solve(C, W)
    Ez, cov_z = posterior(X, mu, W, psi)
    np.testing.assert_allclose(Ez, Ez_ref, atol=1e-10)
    np.testing.assert_allclose(cov_z, cov_ref, atol=1e-10)


# ---------------------------------------------------------------------------- PPCA closed form


def test_ppca_closed_form_likelihood_equals_tipping_bishop_formula():
    X, *_ = make_data(isotropic=True)
    N, D = X.shape
    q = 3
    lam = np.linalg.eigvalsh(np.cov(X.T, bias=True))[::-1]
    sigma2 = lam[q:].mean()
    formula = -0.5 * (
        D * np.log(2 * np.pi) + np.sum(np.log(lam[:q])) + (D - q) * np.log(sigma2) + D
    )
    model = PPCA(q).fit(X)
    np.testing.assert_allclose(model.sigma2_, sigma2, rtol=1e-10)
    np.testing.assert_allclose(model.score(X), formula, rtol=1e-12)


def test_ppca_closed_form_vs_sklearn_pca_score():
    X, *_ = make_data(isotropic=True)
    N, D = X.shape
    ours = PPCA(3).fit(X)
    sk = SkPCA(3, svd_solver="full").fit(X)
    # scikit-learn's covariance is ours times c = N / (N − 1)
    c = N / (N - 1)
    np.testing.assert_allclose(
        sk.get_covariance(), c * ours.get_covariance(), rtol=1e-10, atol=1e-12
    )
    np.testing.assert_allclose(sk.noise_variance_, c * ours.sigma2_, rtol=1e-10)
    # at the MLE tr(C⁻¹ S) = D, so ℓ_ours − ℓ_sk = (D / 2)(log c + 1/c − 1) exactly
    gap = 0.5 * D * (np.log(c) + 1 / c - 1)
    np.testing.assert_allclose(ours.score(X) - sk.score(X), gap, rtol=1e-6)
    assert gap > 0


def test_ppca_closed_form_is_a_local_maximum():
    X, *_ = make_data(isotropic=True)
    mu, W, s2 = ppca_closed_form(X, 3)
    best = log_likelihood(X, mu, W, s2).mean()
    rng = np.random.default_rng(0)
    for _ in range(20):
        dW = 1e-3 * rng.normal(size=W.shape)
        assert log_likelihood(X, mu, W + dW, s2 * (1 + 1e-3 * rng.normal())).mean() < best


def test_ppca_rotation_leaves_likelihood_unchanged():
    X, mu, W, psi = make_data()
    R, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))
    np.testing.assert_allclose(
        log_likelihood(X, mu, W @ R, psi), log_likelihood(X, mu, W, psi), rtol=1e-12
    )


def test_ppca_closed_form_rejects_noiseless_data():
    X = np.random.default_rng(0).normal(size=(3, 5))  # rank 2 after centring
    with pytest.raises(ValueError, match="decrease n_components"):
        PPCA(2).fit(X)


# ---------------------------------------------------------------------------- PPCA by EM


def test_ppca_em_converges_to_closed_form():
    X, *_ = make_data(isotropic=True)
    cf = PPCA(3).fit(X)
    em = PPCA(3, method="em", tol=1e-13, max_iter=5000, random_state=0).fit(X)
    assert em.converged_
    C_cf = cf.W_ @ cf.W_.T
    np.testing.assert_allclose(em.W_ @ em.W_.T, C_cf, atol=1e-5 * np.abs(C_cf).max())
    np.testing.assert_allclose(em.sigma2_, cf.sigma2_, rtol=1e-6)
    np.testing.assert_allclose(em.score(X), cf.score(X), rtol=1e-11)
    np.testing.assert_allclose(em.mean_, X.mean(axis=0), atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_ppca_em_never_decreases_log_likelihood(seed):
    X, *_ = make_data(N=60, D=6, q=2, seed=seed)
    with strict_monotonicity(rtol=1e-12):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m = PPCA(2, method="em", tol=0, max_iter=200, random_state=seed).fit(X)
    assert np.all(np.diff(m.history_) >= -1e-12 * np.abs(m.history_[:-1]))
    assert m.history_[-1] > m.history_[0]


def test_ppca_em_history_is_the_log_likelihood():
    X, *_ = make_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m1 = PPCA(3, method="em", max_iter=6, tol=0, random_state=0).fit(X)
        m2 = PPCA(3, method="em", max_iter=7, tol=0, random_state=0).fit(X)
    # history_[t] is the likelihood before the (t+1)-th M-step: m2's last entry is m1's model
    np.testing.assert_allclose(m2.history_[-1], m1.score(X), rtol=1e-12)


def test_e_and_m_step_match_bishop_equations():
    X, mu, W, psi = make_data()
    Xc = X - X.mean(axis=0)
    s2 = 0.7
    N = len(X)
    M = W.T @ W + s2 * np.eye(3)
    Ez_ref = Xc @ W @ np.linalg.inv(M).T  # Bishop (12.54)
    Ezz_ref = N * s2 * np.linalg.inv(M) + Ez_ref.T @ Ez_ref  # Σ of (12.55)
    W_ref = (Xc.T @ Ez_ref) @ np.linalg.inv(Ezz_ref)  # (12.56)
    # (12.57)
    s2_ref = (
        np.sum(Xc**2) - 2 * np.sum(Ez_ref * (Xc @ W_ref)) + np.trace(Ezz_ref @ W_ref.T @ W_ref)
    ) / (N * 8)
    log_lik, Ez, Szz = e_step(Xc, np.mean(Xc**2, axis=0), W, np.full(8, s2))
    np.testing.assert_allclose(Ez, Ez_ref, atol=1e-10)
    np.testing.assert_allclose(Szz, Ezz_ref, rtol=1e-10)
    np.testing.assert_allclose(log_lik, log_likelihood(X, X.mean(axis=0), W, s2).mean(), rtol=1e-12)
    W_new, psi_new = m_step(Xc, np.mean(Xc**2, axis=0), Ez, Szz)
    np.testing.assert_allclose(W_new, W_ref, atol=1e-10)
    np.testing.assert_allclose(psi_new.mean(), s2_ref, rtol=1e-10)


# ---------------------------------------------------------------------------- missing data


def test_missing_steps_without_nan_equal_complete_data_steps():
    X, _, W, psi = make_data()
    mean = X.mean(axis=0)
    Xc = X - mean
    var_x = np.mean(Xc**2, axis=0)
    observed = np.ones(X.shape, dtype=bool)
    ll, Ez, Szz = e_step(Xc, var_x, W, psi)
    ll_m, Ez_m, cov_m = e_step_missing(X, observed, mean, W, psi)
    np.testing.assert_allclose(ll_m.mean(), ll, rtol=1e-12)
    np.testing.assert_allclose(Ez_m, Ez, atol=1e-12)
    np.testing.assert_allclose(cov_m.sum(axis=0) + Ez_m.T @ Ez_m, Szz, rtol=1e-10)
    W_c, psi_c = m_step(Xc, var_x, Ez, Szz)
    mean_m, W_m, psi_m = m_step_missing(X, observed, mean, W, psi, Ez_m, cov_m)
    np.testing.assert_allclose(mean_m, mean, atol=1e-10)
    np.testing.assert_allclose(W_m, W_c, atol=1e-10)
    np.testing.assert_allclose(psi_m, psi_c, rtol=1e-9)


def test_observed_data_log_likelihood_matches_scipy_marginal():
    X, mu, W, psi = make_data(N=30)
    Xm, _ = hide(X, 0.3)
    observed = ~np.isnan(Xm)
    ll, _, _ = e_step_missing(Xm, observed, mu, W, psi)
    C = W @ W.T + np.diag(psi)
    for n in range(len(Xm)):
        o = observed[n]
        ref = multivariate_normal(mu[o], C[np.ix_(o, o)]).logpdf(Xm[n, o])
        np.testing.assert_allclose(ll[n], ref, rtol=1e-12)


def test_impute_is_the_conditional_gaussian_mean():
    X, *_ = make_data(isotropic=True)
    Xm, _ = hide(X, 0.2)
    model = PPCA(3).fit(X)
    C, mu = model.get_covariance(), model.mean_
    out = model.impute(Xm)
    for n in range(20):
        o, m = ~np.isnan(Xm[n]), np.isnan(Xm[n])
        if not m.any():
            continue
        ref = mu[m] + C[np.ix_(m, o)] @ np.linalg.solve(C[np.ix_(o, o)], Xm[n, o] - mu[o])
        np.testing.assert_allclose(out[n, m], ref, rtol=1e-10)
        np.testing.assert_array_equal(out[n, o], Xm[n, o])


def test_em_with_no_nan_equals_complete_data_fit():
    X, *_ = make_data(isotropic=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = PPCA(3, method="em", max_iter=30, tol=0, random_state=0).fit(X)
    # force the missing-data path with a fully observed mask
    from lvmteach.factor import _Prepared

    b = PPCA(3, method="em", max_iter=30, tol=0, random_state=0)
    b.n_features_in_ = 8
    data = _Prepared(X, np.ones(X.shape, dtype=bool))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        from lvmteach.em import fit_em

        fit_em(b, data)
    np.testing.assert_allclose(b.history_, a.history_, rtol=1e-10)
    np.testing.assert_allclose(b.W_, a.W_, atol=1e-8)
    np.testing.assert_allclose(b.sigma2_, a.sigma2_, rtol=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_missing_data_em_never_decreases_observed_log_likelihood(seed):
    X, *_ = make_data(N=80, D=6, q=2, seed=seed, isotropic=True)
    Xm, _ = hide(X, 0.3, seed=seed)
    with strict_monotonicity(rtol=1e-12):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m = PPCA(2, method="em", tol=0, max_iter=150, random_state=seed).fit(Xm)
    assert m.history_[-1] > m.history_[0]
    np.testing.assert_allclose(m.score(Xm), m.history_[-1], rtol=1e-6)


def test_impute_beats_mean_imputation_on_model_data():
    X, mu, W, psi = make_data(N=300, D=10, q=3, isotropic=True)
    Xm, Xtrue = hide(X, 0.2)
    miss = np.isnan(Xm)
    model = PPCA(3, method="em", tol=1e-8, random_state=0).fit(Xm)
    rmse = np.sqrt(np.mean((model.impute(Xm) - Xtrue)[miss] ** 2))
    filled = np.where(miss, np.nanmean(Xm, axis=0), Xm)
    rmse_mean = np.sqrt(np.mean((filled - Xtrue)[miss] ** 2))
    # the oracle: conditional means under the true parameters
    from lvmteach.factor import impute_missing

    oracle = impute_missing(np.nan_to_num(Xm), ~miss, mu, W, psi)
    rmse_oracle = np.sqrt(np.mean((oracle - Xtrue)[miss] ** 2))
    assert rmse < 0.7 * rmse_mean
    assert rmse < 1.05 * rmse_oracle


def test_missing_data_fit_is_close_to_complete_data_fit():
    X, *_ = make_data(N=2000, D=8, q=3, isotropic=True)
    Xm, _ = hide(X, 0.1)
    full = PPCA(3).fit(X)
    part = PPCA(3, method="em", tol=1e-8, random_state=0).fit(Xm)
    C = full.get_covariance()
    assert np.abs(part.get_covariance() - C).max() < 0.1 * np.abs(C).max()


def test_score_samples_with_nan_marginalises_missing_entries():
    X, *_ = make_data(N=10, isotropic=True)
    model = PPCA(3).fit(X)
    Xm = X.copy()
    Xm[0, 2] = np.nan
    C, mu = model.get_covariance(), model.mean_
    o = np.arange(8) != 2
    ref = multivariate_normal(mu[o], C[np.ix_(o, o)]).logpdf(X[0, o])
    np.testing.assert_allclose(model.score_samples(Xm)[0], ref, rtol=1e-12)


# ---------------------------------------------------------------------------- factor analysis


def test_factor_analysis_matches_sklearn_at_convergence():
    X, *_ = make_data(N=500)
    ours = FactorAnalysis(3, tol=1e-12, max_iter=20000, random_state=0).fit(X)
    sk = SkFA(3, svd_method="lapack", tol=1e-10, max_iter=20000).fit(X)
    np.testing.assert_allclose(ours.score(X), sk.score(X), rtol=1e-6)
    np.testing.assert_allclose(ours.get_covariance(), sk.get_covariance(), atol=1e-5)
    np.testing.assert_allclose(ours.noise_variance_, sk.noise_variance_, atol=1e-4)
    # both are MLEs: the likelihood at scikit-learn's parameters, by our formula, is the same
    ll_sk = log_likelihood(X, sk.mean_, sk.components_.T, sk.noise_variance_).mean()
    np.testing.assert_allclose(ll_sk, sk.score(X), rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_factor_analysis_em_never_decreases_log_likelihood(seed):
    X, *_ = make_data(N=60, D=6, q=2, seed=seed)
    with strict_monotonicity(rtol=1e-12):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            m = FactorAnalysis(2, tol=0, max_iter=200, random_state=seed).fit(X)
    assert m.history_[-1] > m.history_[0]


def test_factor_analysis_em_step_is_scale_equivariant():
    X, _, W, psi = make_data()
    s = np.array([1, 1, 10, 1, 1, 1, 0.1, 1.0])
    Xc = X - X.mean(axis=0)
    var_x = np.mean(Xc**2, axis=0)
    ll, Ez, Szz = e_step(Xc, var_x, W, psi)
    ll_s, Ez_s, Szz_s = e_step(Xc * s, var_x * s**2, W * s[:, None], psi * s**2)
    np.testing.assert_allclose(ll_s, ll - np.sum(np.log(s)), rtol=1e-12)  # Jacobian of x -> s x
    np.testing.assert_allclose(Ez_s, Ez, atol=1e-12)
    W1, psi1 = m_step(Xc, var_x, Ez, Szz)
    W1_s, psi1_s = m_step(Xc * s, var_x * s**2, Ez_s, Szz_s)
    np.testing.assert_allclose(W1_s, W1 * s[:, None], rtol=1e-10)
    np.testing.assert_allclose(psi1_s, psi1 * s**2, rtol=1e-10)


def test_factor_analysis_is_scale_equivariant_but_ppca_is_not():
    X, *_ = make_data(N=500)
    scale = np.array([1, 1, 10, 1, 1, 1, 0.1, 1.0])
    Xs = X * scale
    fa, fa_s = (
        FactorAnalysis(3, tol=1e-12, max_iter=20000, random_state=0).fit(Y) for Y in (X, Xs)
    )
    # the fits start from different random points, so they agree only as far as EM converged
    np.testing.assert_allclose(fa_s.noise_variance_, fa.noise_variance_ * scale**2, rtol=1e-3)
    np.testing.assert_allclose(
        fa_s.get_covariance(), fa.get_covariance() * np.outer(scale, scale), rtol=1e-3, atol=1e-6
    )
    np.testing.assert_allclose(fa_s.score(Xs), fa.score(X) - np.sum(np.log(scale)), rtol=1e-8)
    pp, pp_s = PPCA(3).fit(X), PPCA(3).fit(Xs)
    assert not np.allclose(
        pp_s.get_covariance(), pp.get_covariance() * np.outer(scale, scale), rtol=1e-2
    )
    assert pp_s.score(Xs) < pp.score(X) - np.sum(np.log(scale)) - 0.1  # PPCA loses likelihood


def test_ppca_equals_fa_when_fa_noise_is_forced_equal():
    """PPCA's σ² M-step is the average of FA's ψ M-step (eq. ppca-em-sigma)."""
    X, _, W, _ = make_data()
    Xc = X - X.mean(axis=0)
    var_x = np.mean(Xc**2, axis=0)
    _, Ez, Szz = e_step(Xc, var_x, W, np.full(8, 0.4))
    W_new, psi = m_step(Xc, var_x, Ez, Szz)
    M = W.T @ W + 0.4 * np.eye(3)
    S = Xc.T @ Xc / len(X)
    # Bishop (12.58)-(12.59), the covariance form of the PPCA EM updates
    W_b = S @ W @ np.linalg.inv(0.4 * np.eye(3) + np.linalg.inv(M) @ W.T @ S @ W)
    s2_b = np.trace(S - S @ W @ np.linalg.inv(M) @ W_b.T) / 8
    np.testing.assert_allclose(W_new, W_b, atol=1e-10)
    np.testing.assert_allclose(psi.mean(), s2_b, rtol=1e-10)


def test_sample_has_the_model_covariance():
    X, *_ = make_data()
    fa = FactorAnalysis(3, random_state=0).fit(X)
    Y = fa.sample(200000, random_state=1)
    C = fa.get_covariance()
    assert np.abs(np.cov(Y.T) - C).max() < 0.03 * np.abs(C).max()
    np.testing.assert_allclose(Y.mean(axis=0), fa.mean_, atol=0.02)


def test_transform_is_the_posterior_mean():
    X, *_ = make_data()
    fa = FactorAnalysis(3, random_state=0).fit(X)
    np.testing.assert_allclose(
        fa.transform(X), posterior(X, fa.mean_, fa.W_, fa.noise_variance_)[0]
    )
    sk = SkFA(3, svd_method="lapack", tol=1e-10, max_iter=20000).fit(X)
    np.testing.assert_allclose(
        posterior(X, sk.mean_, sk.components_.T, sk.noise_variance_)[0], sk.transform(X), atol=1e-10
    )


def test_convergence_warning_when_max_iter_is_too_small():
    X, *_ = make_data()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        FactorAnalysis(3, max_iter=2, random_state=0).fit(X)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        PPCA(3, method="em", max_iter=2, random_state=0).fit(X)


def test_estimators_clone_and_repr():
    for est in (PCA(3), PPCA(3, method="em"), FactorAnalysis(4, tol=1e-3)):
        assert clone(est).get_params() == est.get_params()
    assert repr(PPCA(3, method="em")) == "PPCA(method='em', n_components=3)"


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("make", [lambda: PCA(2), lambda: PPCA(2), lambda: FactorAnalysis(2)])
def test_nan_rejected_where_not_supported(make):
    X, *_ = make_data()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make().fit(X)


def test_ppca_closed_form_with_nan_points_to_em():
    X, *_ = make_data()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="method='em'"):
        PPCA(2).fit(X)


def test_fa_transform_rejects_nan():
    X, *_ = make_data()
    fa = FactorAnalysis(2, random_state=0).fit(X)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fa.transform(X)


def test_all_nan_row_rejected():
    X, *_ = make_data()
    X[5] = np.nan
    with pytest.raises(ValueError, match="row"):
        PPCA(2, method="em").fit(X)


def test_all_nan_column_rejected():
    X, *_ = make_data()
    X[:, 4] = np.nan
    with pytest.raises(ValueError, match="column"):
        PPCA(2, method="em").fit(X)


@pytest.mark.parametrize(
    "make", [lambda q: PPCA(q), lambda q: PPCA(q, method="em"), lambda q: FactorAnalysis(q)]
)
def test_n_components_must_be_less_than_n_features(make):
    X, *_ = make_data()
    with pytest.raises(ValueError, match="n_components=8"):
        make(8).fit(X)
    with pytest.raises(ValueError, match="n_components"):
        make(0).fit(X)


def test_pca_n_components_at_most_n_features():
    X, *_ = make_data()
    with pytest.raises(ValueError, match="n_components=9"):
        PCA(9).fit(X)
    with pytest.raises(ValueError, match="number of samples"):
        PCA(5).fit(X[:4])


def test_unknown_method_rejected():
    with pytest.raises(ValueError, match="method"):
        PPCA(2, method="svd").fit(make_data()[0])


def test_constant_feature_rejected_by_factor_analysis():
    X, *_ = make_data()
    X[:, 3] = 1.0
    with pytest.raises(ValueError, match=r"feature\(s\) \[3\]"):
        FactorAnalysis(2).fit(X)


def test_wrong_number_of_features_and_not_fitted():
    X, *_ = make_data()
    with pytest.raises(NotFittedError):
        PPCA(2).transform(X)
    model = PPCA(2).fit(X)
    with pytest.raises(ValueError, match="features"):
        model.score(X[:, :5])
    with pytest.raises(ValueError, match="2-D"):
        model.transform(X[0])
    with pytest.raises(ValueError, match="columns"):
        PCA(2).fit(X).inverse_transform(np.zeros((3, 4)))


# --------------------------------------------------------------------- choosing q, saddles, Heywood


@pytest.mark.parametrize("seed", [0, 1])
def test_minka_evidence_equals_sklearn_assess_dimension_and_picks_sklearn_mle_q(seed):
    """Minka (2000) as scikit-learn implements it (PCA(n_components='mle')), a reference we did not
    write.
    """
    from sklearn.decomposition._pca import _assess_dimension

    X, *_ = make_data(N=300, D=10, q=3, seed=seed, isotropic=True)
    spectrum = SkPCA(svd_solver="full").fit(X).explained_variance_
    ours = np.array([minka_log_evidence(spectrum, q, len(X)) for q in range(1, 10)])
    ref = np.array([_assess_dimension(spectrum, q, len(X)) for q in range(1, 10)])
    np.testing.assert_allclose(ours, ref, rtol=1e-10)
    mle_q = SkPCA(n_components="mle", svd_solver="full").fit(X).n_components_
    assert 1 + int(np.argmax(ours)) == mle_q == 3  # and it finds the true q


def test_minka_evidence_rejects_bad_q_and_zero_eigenvalues():
    with pytest.raises(ValueError, match="q must be"):
        minka_log_evidence(np.array([3.0, 2.0, 1.0]), 3, 10)
    assert minka_log_evidence(np.array([3.0, 0.0, 0.0]), 2, 10) == -np.inf


def _ppca_at(S_eigvals, S_eigvecs, keep):
    """The Tipping-Bishop stationary point that keeps the eigenvectors ``keep`` (any q of them)."""
    rest = np.setdiff1d(np.arange(len(S_eigvals)), keep)
    sigma2 = S_eigvals[rest].mean()
    return S_eigvecs[:, keep] * np.sqrt(S_eigvals[keep] - sigma2), sigma2


def test_non_principal_stationary_points_are_saddles():
    """Tipping & Bishop (1999) §3.3: keeping a non-leading eigenvector is a stationary point, not a
    maximum.
    """
    rng = np.random.default_rng(2)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    X = rng.normal(size=(2000, 6)) * np.sqrt([10.0, 6.0, 4.0, 1.0, 1.0, 1.0]) @ Q.T
    Xc = X - X.mean(axis=0)
    S = Xc.T @ Xc / len(X)
    lam, U = np.linalg.eigh(S)
    lam, U = lam[::-1], U[:, ::-1]

    def grad(W, s2):  # dense ∂ℓ/∂W / N = C⁻¹ S C⁻¹ W − C⁻¹ W (Tipping & Bishop eq. 13)
        Cinv = np.linalg.inv(W @ W.T + s2 * np.eye(6))
        return Cinv @ S @ Cinv @ W - Cinv @ W

    def loglik(W, s2):
        return multivariate_normal(X.mean(axis=0), W @ W.T + s2 * np.eye(6)).logpdf(X).mean()

    W_ml, s2_ml = _ppca_at(lam, U, [0, 1])
    W_sad, s2_sad = _ppca_at(lam, U, [0, 2])  # u_3 in place of u_2
    assert lam[2] > s2_sad  # the point exists
    for W, s2 in [(W_ml, s2_ml), (W_sad, s2_sad)]:
        np.testing.assert_allclose(grad(W, s2), 0.0, atol=1e-10)  # both stationary
    # Rotating the non-principal column towards the missing principal axis raises the likelihood
    for t in [1e-3, 1e-2, 0.1]:
        W_t = W_sad.copy()
        W_t[:, 1] = np.sqrt(lam[2] - s2_sad) * (np.cos(t) * U[:, 2] + np.sin(t) * U[:, 1])
        assert loglik(W_t, s2_sad) > loglik(W_sad, s2_sad)
    # ... while scaling the columns lowers it: up in one direction, down in another, a saddle
    assert loglik(1.05 * W_sad, s2_sad) < loglik(W_sad, s2_sad)
    assert loglik(W_ml, s2_ml) > loglik(W_sad, s2_sad)


def test_no_heywood_case_flagged_on_well_posed_data():
    X, *_ = make_data(N=500, D=8, q=2, seed=4)
    assert FactorAnalysis(2, random_state=0).fit(X).heywood_features_.size == 0


def test_ppca_is_rotation_equivariant_and_fa_is_not():
    """x -> Q x (Q orthogonal): PPCA's fit rotates with the data, FA's likelihood changes."""
    X, *_ = make_data(N=500, D=6, q=2, seed=3)
    Q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(6, 6)))
    XQ = X @ Q.T
    p, pq = PPCA(2).fit(X), PPCA(2).fit(XQ)
    assert pq.score(XQ) == pytest.approx(p.score(X), abs=1e-10)  # |det Q| = 1: no Jacobian
    np.testing.assert_allclose(pq.get_covariance(), Q @ p.get_covariance() @ Q.T, atol=1e-10)
    f = FactorAnalysis(2, tol=1e-12, max_iter=20000, random_state=0).fit(X)
    fq = FactorAnalysis(2, tol=1e-12, max_iter=20000, random_state=0).fit(XQ)
    sk, skq = SkFA(2, tol=1e-12, max_iter=20000).fit(X), SkFA(2, tol=1e-12, max_iter=20000).fit(XQ)
    assert fq.score(XQ) == pytest.approx(skq.score(XQ), abs=1e-6) and f.score(X) == pytest.approx(
        sk.score(X), abs=1e-6
    )
    assert abs(fq.score(XQ) - f.score(X)) > 1e-2


def test_heywood_case_is_flagged_and_approaches_the_boundary_solution():
    """Correlations 0.8, 0.8, 0.5 need a loading² of 0.8·0.8/0.5 = 1.28 > 1 on feature 0: ψ_0 ->
    0.
    """
    R = np.array([[1.0, 0.8, 0.8], [0.8, 1.0, 0.5], [0.8, 0.5, 1.0]])
    Z = np.random.default_rng(0).normal(size=(500, 3))
    Z -= Z.mean(axis=0)
    Z = Z @ np.linalg.inv(np.linalg.cholesky(Z.T @ Z / 500)).T  # sample covariance exactly I
    X = Z @ np.linalg.cholesky(R).T  # sample covariance exactly R
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fa = FactorAnalysis(1, max_iter=5000, tol=1e-12, random_state=0).fit(X)
    np.testing.assert_array_equal(fa.heywood_features_, [0])
    # The boundary maximiser: x_0 = z exactly, x_1, x_2 regressed on it (loading 0.8, ψ = 0.36)
    np.testing.assert_allclose(np.abs(fa.W_[:, 0]), [1.0, 0.8, 0.8], atol=1e-3)
    np.testing.assert_allclose(fa.noise_variance_[1:], 0.36, atol=1e-3)
    assert fa.noise_variance_[0] < 1e-3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's ConvergenceWarning: it crawls too
        sk = SkFA(1, tol=1e-12, max_iter=5000).fit(X)
    assert sk.noise_variance_[0] < 1e-3  # the same boundary


@pytest.mark.parametrize("N", [60, 400])  # N < 10 D: the SVD; N ≥ 10 D: eigh of S
def test_covariance_eigh_and_centred_svd_agree(N):
    from lvmteach.factor import centred_svd, covariance_eigh

    X, *_ = make_data(N=N, D=8)
    Xc = X - X.mean(axis=0)
    lam_svd, Vt_svd = centred_svd(Xc)
    lam_eig, Vt_eig = covariance_eigh(X, X.mean(axis=0))
    np.testing.assert_allclose(lam_eig, lam_svd, rtol=1e-10)
    # axes up to sign
    dots = np.abs(np.sum(Vt_eig * Vt_svd, axis=1))
    np.testing.assert_allclose(dots, 1.0, atol=1e-10)


def test_ppca_closed_form_matches_sklearn_on_both_routes():
    for N in (60, 400):  # the SVD route and the covariance route
        X, *_ = make_data(N=N, D=8, isotropic=True)
        ours = PPCA(3).fit(X)
        sk = SkPCA(3, svd_solver="full").fit(X)
        c = N / (N - 1)
        np.testing.assert_allclose(
            sk.get_covariance(), c * ours.get_covariance(),
            rtol=1e-10, atol=1e-12,
        )


def test_covariance_eigh_recentres_when_the_mean_dominates():
    # a mean 1e6 spreads away: XᵀX/N − x̄x̄ᵀ alone would lose ~12 digits
    from lvmteach.factor import centred_svd, covariance_eigh

    X, *_ = make_data(N=400, D=8)
    X = X + 1e6
    lam_svd, _ = centred_svd(X - X.mean(axis=0))
    lam_eig, _ = covariance_eigh(X, X.mean(axis=0))
    np.testing.assert_allclose(lam_eig, lam_svd, rtol=1e-8)
    G = X.T @ X / len(X) - np.outer(X.mean(axis=0), X.mean(axis=0))
    naive = np.linalg.eigvalsh(G)[::-1]
    assert np.max(np.abs(naive - lam_svd) / lam_svd) > 1e-6  # the trap

"""k-means, Gaussian and Bernoulli mixtures, each checked against an independent reference."""

import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy import linalg, stats
from sklearn.cluster import KMeans as SkKMeans
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from lvmteach.datasets import load_digits, load_old_faithful
from lvmteach.em import strict_monotonicity
from lvmteach.mixture import (
    BernoulliMixture,
    DegenerateComponentWarning,
    GaussianMixture,
    KMeans,
    bernoulli_log_prob,
    e_step,
    gaussian_log_prob,
    kmeans_plusplus,
    inv_wishart_log_pdf,
    m_step,
    map_m_step,
    precision_cholesky,
    two_nearest,
)
from lvmteach import mixture

COV_TYPES = ["full", "tied", "diag", "spherical"]


def blobs(rng, N=300, D=3, K=3, spread=4.0):
    centers = rng.normal(scale=spread, size=(K, D))
    labels = rng.integers(K, size=N)
    scales = rng.uniform(0.5, 1.5, size=(K, D))
    return centers[labels] + rng.normal(size=(N, D)) * scales[labels]


def random_params(rng, D, K, covariance_type):
    A = rng.normal(size=(K, D, D))
    full = A @ A.transpose(0, 2, 1) + D * np.eye(D)
    covs = {
        "full": full,
        "tied": full[0],
        "diag": rng.uniform(0.5, 2.0, size=(K, D)),
        "spherical": rng.uniform(0.5, 2.0, size=K),
    }[covariance_type]
    return rng.dirichlet(np.ones(K)), rng.normal(size=(K, D)), covs


def dense_cov(covs, covariance_type, k, D):
    """Independent of full_covariances: built case by case from the definitions."""
    if covariance_type == "full":
        return covs[k]
    if covariance_type == "tied":
        return covs
    if covariance_type == "diag":
        return np.diag(covs[k])
    return covs[k] * np.eye(D)


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_full_covariances_expands_every_type(covariance_type):
    from lvmteach.mixture import full_covariances

    _, _, covs = random_params(np.random.default_rng(20), 3, 4, covariance_type)
    expanded = full_covariances(covs, covariance_type, 4, 3)
    assert expanded.shape == (4, 3, 3)
    for k in range(4):
        np.testing.assert_array_equal(expanded[k], dense_cov(covs, covariance_type, k, 3))


# ---------------------------------------------------------------- densities against SciPy


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_log_density_matches_scipy(covariance_type):
    rng = np.random.default_rng(0)
    D, K = 4, 3
    X = rng.normal(size=(50, D)) * 3
    _, means, covs = random_params(rng, D, K, covariance_type)
    got = gaussian_log_prob(X, means, precision_cholesky(covs, covariance_type), covariance_type)
    expected = np.column_stack(
        [
            stats.multivariate_normal(means[k], dense_cov(covs, covariance_type, k, D)).logpdf(X)
            for k in range(K)
        ]
    )
    np.testing.assert_allclose(got, expected, rtol=1e-10)


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_score_samples_is_log_of_weighted_density_sum(covariance_type):
    rng = np.random.default_rng(1)
    X = blobs(rng, N=80)
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    density = sum(
        gm.weights_[k]
        * stats.multivariate_normal(
            gm.means_[k], dense_cov(gm.covariances_, covariance_type, k, 3)
        ).pdf(X)
        for k in range(3)
    )
    np.testing.assert_allclose(gm.score_samples(X), np.log(density), rtol=1e-10)
    np.testing.assert_allclose(gm.predict_proba(X).sum(axis=1), 1.0)
    np.testing.assert_array_equal(gm.predict(X), gm.predict_proba(X).argmax(axis=1))


def test_e_step_survives_points_far_from_every_component():
    # Naively exp(log density) underflows to 0 for all k and the responsibilities become 0/0.
    X = np.array([[1e3, 1e3], [0.0, 0.0]])
    means = np.array([[0.0, 0.0], [1.0, 1.0]])
    covs = np.array([np.eye(2), np.eye(2)]) * 0.01
    log_lik, log_resp = e_step(
        X, np.array([0.5, 0.5]), means, precision_cholesky(covs, "full"), "full"
    )
    assert np.isfinite(log_lik) and np.all(np.isfinite(log_resp))
    np.testing.assert_allclose(np.exp(log_resp).sum(axis=1), 1.0)


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_precisions_are_inverse_covariances(covariance_type):
    X = blobs(np.random.default_rng(2))
    gm = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    if covariance_type in ("full", "tied"):
        np.testing.assert_allclose(
            gm.precisions_ @ gm.covariances_,
            np.broadcast_to(np.eye(3), gm.covariances_.shape),
            atol=1e-10,
        )
    else:
        np.testing.assert_allclose(gm.precisions_ * gm.covariances_, 1.0)


def test_full_prec_chol_is_the_upper_triangular_inverse_transpose_of_the_covariance_cholesky():
    """prec_chol = C⁻ᵀ with Σ = C Cᵀ (scipy's Cholesky): upper triangular, and a square root of
    Λ.
    """
    rng = np.random.default_rng(3)
    A = rng.normal(size=(4, 5, 5))
    covs = A @ A.transpose(0, 2, 1) + 0.1 * np.eye(5)
    U = precision_cholesky(covs, "full")
    for k in range(4):
        C = linalg.cholesky(covs[k], lower=True)
        np.testing.assert_allclose(U[k], linalg.inv(C).T, rtol=1e-10, atol=1e-12)
        assert np.array_equal(U[k], np.triu(U[k]))
        np.testing.assert_allclose(U[k] @ U[k].T, linalg.inv(covs[k]), rtol=1e-8, atol=1e-10)


def test_m_step_is_weighted_mean_and_covariance_far_from_origin():
    # The shifted formula must not lose digits when the data sit far from the origin.
    rng = np.random.default_rng(3)
    X = 1e6 + rng.normal(size=(200, 2))
    resp = rng.dirichlet([1, 1], size=200)
    weights, means, covs = m_step(X, resp, "full", reg_covar=0.0)
    for k in range(2):
        expected = np.cov(X.T, aweights=resp[:, k], bias=True)
        np.testing.assert_allclose(covs[k], expected, rtol=1e-8)
        np.testing.assert_allclose(means[k], np.average(X, axis=0, weights=resp[:, k]), rtol=1e-14)
    np.testing.assert_allclose(weights, resp.mean(axis=0))


# ---------------------------------------------------------------- against scikit-learn


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_matches_sklearn_from_same_start(covariance_type):
    rng = np.random.default_rng(4)
    X = blobs(rng, N=400, D=3, K=3, spread=2.0)
    weights, means, covs = random_params(rng, 3, 3, covariance_type)
    precisions = np.linalg.inv(covs) if covariance_type in ("full", "tied") else 1.0 / covs
    common = dict(
        weights_init=weights, means_init=means, precisions_init=precisions, tol=0.0, max_iter=40
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn: tol=0 never converges, by design
        ours = GaussianMixture(3, covariance_type=covariance_type, **common).fit(X)
        ref = SkGaussianMixture(3, covariance_type=covariance_type, **common).fit(X)
    assert ours.n_iter_ == ref.n_iter_ == 40
    np.testing.assert_allclose(ours.history_, ref.lower_bounds_, rtol=1e-8)
    np.testing.assert_allclose(ours.weights_, ref.weights_, rtol=1e-8)
    np.testing.assert_allclose(ours.means_, ref.means_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.covariances_, ref.covariances_, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.bic(X), ref.bic(X), rtol=1e-8)
    np.testing.assert_allclose(ours.aic(X), ref.aic(X), rtol=1e-8)


def test_kmeans_matches_sklearn_lloyd_from_same_centres():
    rng = np.random.default_rng(5)
    X = blobs(rng, N=500, D=4, K=5)
    init = X[rng.choice(500, 5, replace=False)]
    ours = KMeans(5, init=init, max_iter=300, tol=1e-4).fit(X)
    ref = SkKMeans(5, init=init, n_init=1, algorithm="lloyd", max_iter=300, tol=1e-4).fit(X)
    np.testing.assert_array_equal(ours.labels_, ref.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, ref.cluster_centers_, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-10)
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), rtol=1e-10, atol=1e-10)


def test_old_faithful_two_components_reach_published_maximum():
    """mclust and scikit-learn find log L = -1130.26 for K=2, full covariances, raw units."""
    X = load_old_faithful().data
    gm = GaussianMixture(2, n_init=5, tol=1e-8, max_iter=500, random_state=0).fit(X)
    assert gm.score(X) * len(X) == pytest.approx(-1130.26, abs=0.005)


# ---------------------------------------------------------------- EM never decreases


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    K=st.integers(1, 4),
    covariance_type=st.sampled_from(COV_TYPES),
    init=st.sampled_from(["kmeans", "random"]),
)
def test_gmm_em_never_decreases_log_likelihood(seed, K, covariance_type, init):
    """The theorem holds for exact EM, so reg_covar=0 here (reg_covar > 0 makes the M-step
    slightly suboptimal; see test_reg_covar_can_break_monotonicity_by_a_hair)."""
    rng = np.random.default_rng(seed)
    X = blobs(rng, N=int(rng.integers(20, 120)), D=int(rng.integers(1, 4)), K=3)
    gm = GaussianMixture(
        K,
        covariance_type=covariance_type,
        init_params=init,
        reg_covar=0.0,
        tol=1e-10,
        max_iter=60,
        random_state=seed,
    )
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            gm.fit(X)
        except ValueError as exc:  # a component collapsed onto <= D points: no MLE exists
            assume("singular" not in str(exc))
            raise
    assert np.all(np.diff(gm.history_) >= -1e-9 * np.abs(gm.history_[:-1]).clip(1))


def test_reg_covar_can_break_monotonicity_by_a_hair():
    """A near-singular component: with the reg_covar floor the M-step is not the exact maximiser."""
    rng = np.random.default_rng(1090)
    X = blobs(rng, N=int(rng.integers(20, 120)), D=int(rng.integers(1, 4)), K=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = (
            GaussianMixture(3, init_params="random", tol=1e-10, max_iter=60, random_state=1090)
            .fit(X)
            .history_
        )
        h0 = (
            GaussianMixture(
                3, init_params="random", reg_covar=0.0, tol=1e-10, max_iter=60, random_state=1090
            )
            .fit(X)
            .history_
        )
    assert -1e-6 < np.diff(h).min() < 0
    assert np.diff(h0).min() > -1e-12


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_a_component_collapsed_to_round_off_is_refused(covariance_type):
    """With reg_covar=0 a component can collapse onto one point (here the minimum of 94 points in
    1-D): the likelihood is unbounded and its variance, ~1e-28, is the round-off of its mean. EM
    was no longer monotone there (found by hypothesis, seed 573); now the M-step refuses it."""
    rng = np.random.default_rng(573)
    X = blobs(rng, N=int(rng.integers(20, 120)), D=int(rng.integers(1, 4)), K=3)
    assert X.shape == (94, 1)
    if covariance_type == "tied":  # one shared covariance cannot collapse onto a point
        X = np.c_[X, X]
    gm = GaussianMixture(
        4 if covariance_type != "tied" else 2,
        covariance_type=covariance_type,
        init_params="random",
        reg_covar=0.0,
        tol=1e-10,
        max_iter=60,
        random_state=573,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="singular to within round-off.*increase reg_covar"):
            gm.fit(X)


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_the_round_off_check_ignores_the_units_of_each_feature(covariance_type):
    """Features 1e-150 and 1e150 apart in scale: no variance is near round-off in its own units."""
    X = blobs(np.random.default_rng(3), N=200, D=3, K=2) * np.array([1e-150, 1.0, 1e150])
    gm = GaussianMixture(2, covariance_type=covariance_type, reg_covar=0.0, random_state=0)
    assert np.isfinite(gm.fit(X).score(X))


def test_icl_is_bic_plus_twice_the_entropy_of_the_labels():
    X = blobs(np.random.default_rng(8), K=3, spread=2.0)
    gm = GaussianMixture(3, random_state=0).fit(X)
    entropy = stats.entropy(gm.predict_proba(X), axis=1).sum()  # SciPy's entropy, row by row
    assert gm.icl(X) == pytest.approx(gm.bic(X) + 2 * entropy, rel=1e-12)
    assert gm.icl(X) > gm.bic(X)


def test_inv_wishart_log_pdf_matches_scipy():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(3, 3, 3))
    covs = A @ A.transpose(0, 2, 1) + 0.5 * np.eye(3)
    Psi = np.array([[2.0, 0.3, 0.0], [0.3, 1.0, 0.2], [0.0, 0.2, 0.5]])
    ref = sum(stats.invwishart(df=5.5, scale=Psi).logpdf(c) for c in covs)
    assert inv_wishart_log_pdf(covs, Psi, 5.5) == pytest.approx(ref, rel=1e-12)


def test_map_m_step_maximises_q_plus_log_prior():
    """Perturbing any MAP covariance (symmetrically) lowers Q + log IW, computed with SciPy
    densities.
    """
    rng = np.random.default_rng(6)
    X = blobs(rng, N=60, D=2, K=2)
    resp = rng.dirichlet(np.ones(2), size=60)
    Psi, nu = np.array([[0.5, 0.1], [0.1, 0.3]]), 4.0
    w, mu, cov = map_m_step(X, resp, Psi, nu)

    def objective(cov):
        logp = np.column_stack(
            [stats.multivariate_normal(mu[k], cov[k]).logpdf(X) for k in range(2)]
        )
        return np.sum(resp * (np.log(w) + logp)) + sum(
            stats.invwishart(df=nu, scale=Psi).logpdf(c) for c in cov
        )

    best = objective(cov)
    for _ in range(20):
        E = rng.normal(scale=1e-3, size=(2, 2, 2))
        assert objective(cov + E + E.transpose(0, 2, 1)) < best


@pytest.mark.parametrize("seed", [1090, 3, 7])
def test_map_em_never_decreases_the_log_posterior(seed):
    """The data set where reg_covar breaks monotonicity (seed 1090) among others."""
    rng = np.random.default_rng(seed)
    X = blobs(rng, N=int(rng.integers(20, 120)), D=2, K=3)
    resp = rng.dirichlet(np.ones(3), size=len(X))
    Psi, nu = 1e-3 * np.eye(2), 4.0
    w, mu, cov = map_m_step(X, resp, Psi, nu)
    history = []
    for _ in range(100):
        log_lik, log_resp = e_step(X, w, mu, precision_cholesky(cov, "full"), "full")
        history.append(len(X) * log_lik + inv_wishart_log_pdf(cov, Psi, nu))
        w, mu, cov = map_m_step(X, np.exp(log_resp), Psi, nu)
    assert np.diff(history).min() > -1e-9 * np.abs(history).max()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), K=st.integers(1, 5))
def test_bernoulli_em_never_decreases_log_likelihood(seed, K):
    rng = np.random.default_rng(seed)
    X = (rng.uniform(size=(int(rng.integers(10, 80)), 12)) < rng.uniform(0.1, 0.9, size=12)).astype(
        float
    )
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bm = BernoulliMixture(K, max_iter=50, tol=1e-10, random_state=seed).fit(X)
    assert np.all(np.diff(bm.history_) >= -1e-9 * np.abs(bm.history_[:-1]).clip(1))


# ---------------------------------------------------------------- Bernoulli mixture


def test_bernoulli_log_prob_matches_scipy():
    rng = np.random.default_rng(6)
    X = (rng.uniform(size=(30, 10)) < 0.4).astype(float)
    means = rng.uniform(0.05, 0.95, size=(3, 10))
    expected = np.column_stack([stats.bernoulli(means[k]).logpmf(X).sum(axis=1) for k in range(3)])
    np.testing.assert_allclose(bernoulli_log_prob(X, means), expected, rtol=1e-12)


def test_bernoulli_mixture_recovers_planted_prototypes():
    rng = np.random.default_rng(7)
    prototypes = np.array([[0.9] * 8 + [0.1] * 8, [0.1] * 8 + [0.9] * 8, [0.9, 0.1] * 8])
    z = rng.integers(3, size=3000)
    X = (rng.uniform(size=(3000, 16)) < prototypes[z]).astype(float)
    bm = BernoulliMixture(3, n_init=3, random_state=0).fit(X)
    from scipy.optimize import linear_sum_assignment

    cost = np.abs(bm.means_[:, None, :] - prototypes[None]).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    assert np.abs(bm.means_[rows] - prototypes[cols]).max() < 0.05
    np.testing.assert_allclose(np.sort(bm.weights_), np.sort(np.bincount(z) / 3000), atol=0.03)


def test_bernoulli_mixture_on_digits_has_no_infinite_scores():
    X = load_digits(binarize=True).data
    bm = BernoulliMixture(10, max_iter=20, tol=1e-3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bm.fit(X[:500])
    assert np.all(np.isfinite(bm.score_samples(X[500:])))


# ---------------------------------------------------------------- sampling


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_samples_have_the_model_moments(covariance_type):
    rng = np.random.default_rng(8)
    X = blobs(rng, N=200, D=2, K=2)
    gm = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(X)
    S, z = gm.sample(40000, random_state=1)
    np.testing.assert_allclose(np.bincount(z) / 40000, gm.weights_, atol=0.01)
    for k in range(2):
        np.testing.assert_allclose(
            S[z == k].mean(axis=0), gm.means_[k], atol=0.05 * np.sqrt(np.abs(X).max())
        )
        np.testing.assert_allclose(
            np.cov(S[z == k].T),
            dense_cov(gm.covariances_, covariance_type, k, 2),
            rtol=0.08,
            atol=0.02,
        )


def test_bernoulli_samples_are_binary_with_the_model_means():
    rng = np.random.default_rng(9)
    X = (rng.uniform(size=(100, 6)) < 0.3).astype(float)
    bm = BernoulliMixture(2, random_state=0).fit(X)
    S, z = bm.sample(20000, random_state=2)
    assert set(np.unique(S)) <= {0.0, 1.0}
    np.testing.assert_allclose(S[z == 0].mean(axis=0), bm.means_[0], atol=0.03)


# ---------------------------------------------------------------- k-means


def test_kmeans_inertia_never_increases_and_plusplus_spreads_centres():
    rng = np.random.default_rng(10)
    X = blobs(rng, N=400, D=2, K=4, spread=10)
    km = KMeans(4, init="random", n_init=1, random_state=0).fit(X)
    assert np.all(np.diff(km.history_) <= 1e-9 * km.history_[0])
    centres = kmeans_plusplus(X, 4, np.random.default_rng(0))
    assert len({tuple(c) for c in centres}) == 4
    assert all(any(np.all(c == x) for x in X) for c in centres)


def test_kmeans_exercise_counterexample_by_brute_force():
    """mix-ex-5: Lloyd from centres 0.5 and 7 stops at J = 18.5; the best of all 7 splits is
    26/3.
    """
    import itertools

    X = np.array([[0.0], [1.0], [4.0], [10.0]])
    km = KMeans(2, init=np.array([[0.5], [7.0]])).fit(X)
    assert sorted(map(tuple, [np.flatnonzero(km.labels_ == k) for k in range(2)])) == [
        (0, 1),
        (2, 3),
    ]
    assert km.inertia_ == pytest.approx(18.5)

    def J(labels):
        return sum(((X[labels == k] - X[labels == k].mean()) ** 2).sum() for k in (0, 1))

    splits = [np.array((0,) + rest) for rest in itertools.product((0, 1), repeat=3) if any(rest)]
    assert len(splits) == 7  # every partition into two non-empty clusters, up to relabelling
    assert min(J(z) for z in splits) == pytest.approx(26 / 3)
    # the tempting 0, 2, 3, 10 from centres 1 and 6.5 is not a counterexample: Lloyd finds the
    # optimum
    X = np.array([[0.0], [2.0], [3.0], [10.0]])
    assert KMeans(2, init=np.array([[1.0], [6.5]])).fit(X).inertia_ == pytest.approx(14 / 3)


def test_kmeans_is_the_small_variance_limit_of_a_spherical_gmm():
    rng = np.random.default_rng(11)
    X = blobs(rng, N=300, D=2, K=3, spread=6)
    km = KMeans(3, random_state=0).fit(X)
    var = 1e-4
    gm = GaussianMixture(
        3, covariance_type="spherical", weights_init=np.ones(3) / 3, means_init=km.cluster_centers_,
        precisions_init=np.full(3, 1 / var), max_iter=1, tol=0.0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.fit(X)
    # Responsibilities at the k-means solution are (numerically) hard assignments.
    _, log_resp = e_step(
        X, np.ones(3) / 3, km.cluster_centers_, np.full(3, 1 / np.sqrt(var)), "spherical"
    )
    np.testing.assert_array_equal(log_resp.argmax(axis=1), km.labels_)
    assert np.exp(log_resp).max(axis=1).min() > 1 - 1e-6


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("Model", [GaussianMixture, BernoulliMixture, KMeans])
@pytest.mark.parametrize(
    "X, message",
    [
        (np.array([[0.0, np.nan], [1.0, 0.0], [0.0, 1.0]]), "NaN"),
        (np.array([0.0, 1.0, 1.0]), "1-D"),
    ],
)
def test_bad_data_raises(Model, X, message):
    with pytest.raises(ValueError, match=message):
        Model(2).fit(X)


@pytest.mark.parametrize("Model", [GaussianMixture, BernoulliMixture, KMeans])
def test_fewer_samples_than_components_raises(Model):
    with pytest.raises(ValueError, match="sample"):
        Model(5).fit(np.eye(3))


@pytest.mark.parametrize("Model", [GaussianMixture, BernoulliMixture, KMeans])
def test_zero_components_raises(Model):
    with pytest.raises(ValueError, match="must be an integer >= 1"):
        Model(0).fit(np.eye(3))


def test_non_binary_data_to_bernoulli_mixture_raises():
    with pytest.raises(ValueError, match="binary"):
        BernoulliMixture(2).fit(np.array([[0.0, 0.5], [1.0, 1.0]]))


def test_unknown_covariance_type_and_bad_inits_raise():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="covariance_type"):
        GaussianMixture(2, covariance_type="banded").fit(X)
    with pytest.raises(ValueError, match="weights_init"):
        GaussianMixture(2, weights_init=[0.5, 0.6]).fit(X)
    with pytest.raises(ValueError, match="means_init must have shape"):
        GaussianMixture(2, means_init=np.zeros((3, 2))).fit(X)
    with pytest.raises(ValueError, match="precisions_init must have shape"):
        GaussianMixture(2, covariance_type="diag", precisions_init=np.ones(2)).fit(X)


def test_wrong_width_at_predict_time_raises():
    gm = GaussianMixture(1).fit(np.random.default_rng(0).normal(size=(20, 2)))
    with pytest.raises(ValueError, match="3 features.*fitted with 2"):
        gm.predict(np.zeros((2, 3)))


def test_duplicated_points_give_a_clear_error_or_warning_never_nan():
    X = np.repeat(np.array([[0.0, 0.0], [1.0, 1.0], [5.0, 5.0]]), 10, axis=0)
    with pytest.raises(ValueError, match="increase reg_covar"):
        GaussianMixture(3, reg_covar=0.0, random_state=0).fit(X)
    gm = GaussianMixture(3, random_state=0).fit(X)  # reg_covar=1e-6 keeps it finite
    assert np.all(np.isfinite(gm.score_samples(X)))


def test_collapsed_component_warns_with_advice():
    rng = np.random.default_rng(12)
    X = np.vstack([rng.normal(size=(50, 2)), [[30.0, 30.0]]])  # one outlier grabs a component
    means_init = np.array([[0.0, 0.0], [30.0, 30.0]])
    with pytest.warns(DegenerateComponentWarning, match="collapsed.*Decrease n_components"):
        GaussianMixture(2, means_init=means_init, random_state=0).fit(X)


def test_not_converged_warns():
    from lvmteach.exceptions import ConvergenceWarning

    X = blobs(np.random.default_rng(13))
    with pytest.warns(ConvergenceWarning, match="increase max_iter"):
        GaussianMixture(3, init_params="random", max_iter=2, tol=1e-12, random_state=0).fit(X)


# ---------------------------------------------------------------- imputation


@pytest.mark.parametrize("covariance_type", COV_TYPES)
def test_impute_is_the_conditional_expectation_brute_force(covariance_type):
    rng = np.random.default_rng(30)
    X = blobs(rng, N=150, D=4, K=3)
    gm = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(X)
    X_miss = X[:12].copy()
    X_miss[rng.uniform(size=X_miss.shape) < 0.4] = np.nan
    X_miss[0] = np.nan  # a row with everything missing
    filled = gm.impute(X_miss)
    covs = [dense_cov(gm.covariances_, covariance_type, k, 4) for k in range(3)]
    for n, row in enumerate(X_miss):
        m = np.isnan(row)
        o = ~m
        if not o.any():
            np.testing.assert_allclose(filled[n], gm.weights_ @ gm.means_)
            continue
        # Brute force with SciPy densities and explicit inverses.
        w = np.array(
            [
                gm.weights_[k]
                * stats.multivariate_normal(gm.means_[k, o], covs[k][np.ix_(o, o)]).pdf(row[o])
                for k in range(3)
            ]
        )
        w /= w.sum()
        expected = sum(
            w[k]
            * (
                gm.means_[k, m]
                + covs[k][np.ix_(m, o)]
                @ np.linalg.inv(covs[k][np.ix_(o, o)])
                @ (row[o] - gm.means_[k, o])
            )
            for k in range(3)
        )
        np.testing.assert_allclose(filled[n, m], expected, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(filled[n, o], row[o])


def test_impute_beats_mean_imputation_on_mixture_data():
    rng = np.random.default_rng(31)
    A = rng.normal(size=(5, 5))
    X = np.vstack([rng.normal(size=(400, 5)) @ A + 6, rng.normal(size=(400, 5)) @ A.T - 6])
    gm = GaussianMixture(2, random_state=0).fit(X)
    mask = rng.uniform(size=X.shape) < 0.2
    X_miss = np.where(mask, np.nan, X)
    rmse_gmm = np.sqrt(np.mean((gm.impute(X_miss)[mask] - X[mask]) ** 2))
    rmse_mean = np.sqrt(np.mean((np.nanmean(X_miss, axis=0)[np.nonzero(mask)[1]] - X[mask]) ** 2))
    assert rmse_gmm < 0.5 * rmse_mean


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    N=st.integers(30, 3000),
    K=st.integers(2, 12),
    spread=st.sampled_from([0.3, 1.0, 5.0]),
)
def test_kmeans_with_bounds_and_chunks_follows_sklearn_lloyd_iteration_by_iteration(
    seed, N, K, spread
):
    # Overlapping and well-separated clusters, N across several chunks of lloyd_pass: the
    # distance bounds that skip points (and the incremental sums) must never change an
    # assignment, so every iteration count, label and centre is scikit-learn's Lloyd's.
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(K, 3))
    X = centres[rng.integers(K, size=N)] + rng.normal(size=(N, 3))
    init = X[rng.choice(N, K, replace=False)]
    for max_iter in (3, 300):
        # chunks of 256 rows, so that N spans several
        small_chunks = mock.patch.object(mixture, "_LLOYD_CHUNK", 256)
        with warnings.catch_warnings(), small_chunks:
            warnings.simplefilter("ignore")
            ours = KMeans(K, init=init, max_iter=max_iter, tol=0.0).fit(X)
            ref = SkKMeans(
                K, init=init, n_init=1, algorithm="lloyd", max_iter=max_iter, tol=0.0
            ).fit(X)
        assert ours.n_iter_ == ref.n_iter_
        np.testing.assert_array_equal(ours.labels_, ref.labels_)
        np.testing.assert_allclose(
            ours.cluster_centers_, ref.cluster_centers_, rtol=1e-9, atol=1e-9
        )
        np.testing.assert_allclose(ours.inertia_, ref.inertia_, rtol=1e-9)
        if ours.converged_:  # stopped because no label changed: J of the final centres
            assert ours.history_[-1] == pytest.approx(ref.inertia_, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000), K=st.integers(2, 12), n=st.integers(1, 50)
)
def test_two_nearest_matches_argmin_and_sort(seed, K, n):
    # Scores on a coarse grid, so that ties occur: the label must be
    # np.argmin's (the lowest k), the two values those of a sort along k.
    rng = np.random.default_rng(seed)
    S = rng.integers(0, 4, size=(K, n)).astype(float)
    labels, best, second = np.empty(n, np.intp), np.empty(n), np.empty(n)
    two_nearest(S, labels, best, second)
    np.testing.assert_array_equal(labels, np.argmin(S, axis=0))
    np.testing.assert_array_equal(best, np.sort(S, axis=0)[0])
    np.testing.assert_array_equal(second, np.sort(S, axis=0)[1])


def test_kmeans_tol_scale_from_sums_is_the_mean_variance():
    # The scale of tol comes from Σ‖x_n‖² and Σ x_n (no pass over X); an
    # offset a thousand times the spread still leaves it accurate.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 4)) * [1.0, 2.0, 3.0, 4.0] + 1e3
    x_sq = float(np.einsum("nd,nd->", X, X))
    scale = mixture._mean_variance(x_sq, X.sum(axis=0), *X.shape)
    assert scale == pytest.approx(np.var(X, axis=0).mean(), rel=1e-8)

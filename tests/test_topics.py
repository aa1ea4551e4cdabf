"""Topic models (PLSA, variational LDA, collapsed Gibbs LDA) against independent references."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.special import gammaln, kl_div
from scipy.stats import dirichlet_multinomial

from lvmteach.datasets.text import (
    ENGLISH_STOP_WORDS,
    bars_topics,
    document_term_matrix,
    load_state_of_the_union,
    make_bars,
    tokenize,
)
from lvmteach.em import strict_monotonicity
from lvmteach.exceptions import ConvergenceWarning, NotFittedError
from lvmteach.topics import (
    LDA,
    PLSA,
    GibbsLDA,
    dirichlet_expectation,
    draw_topics,
    gibbs_conditional,
    gibbs_sweep,
    lda_alpha_newton,
    parallel_gibbs_sweep,
    lda_e_step,
    lda_elbo,
    lda_log_evidence,
    log_joint,
    match_topics,
    plsa_e_step,
    plsa_log_likelihood,
    plsa_m_step,
)


@pytest.fixture(scope="module")
def bars():
    return make_bars(500, 100, alpha=1.0, random_state=0)


def lda_corpus(N=300, V=60, K=4, length=80, seed=0):
    """Documents drawn from LDA with sparse, well separated topics."""
    rng = np.random.default_rng(seed)
    topics = rng.dirichlet(np.full(V, 0.1), size=K)
    theta = rng.dirichlet(np.full(K, 0.3), size=N)
    X = np.vstack([rng.multinomial(rng.poisson(length) + 1, t @ topics) for t in theta]).astype(
        float
    )
    return X, topics


def random_counts(rng, N, V, empty_rows=()):
    X = rng.poisson(rng.gamma(0.5, 2.0, size=(N, V))).astype(float)
    X[list(empty_rows)] = 0.0
    return X


# ------------------------------------------------------------------------------------------
# Bars: every method recovers the 10 bars (Hungarian matching, mean TV distance < 0.1)
# ------------------------------------------------------------------------------------------


def test_plsa_recovers_the_bars(bars):
    X, topics, _ = bars
    model = PLSA(10, random_state=0).fit(sp.csr_matrix(X))
    _, tv = match_topics(model.components_, topics)
    assert tv.mean() < 0.1 and tv.max() < 0.15, tv


def test_lda_recovers_the_bars(bars):
    X, topics, _ = bars
    model = LDA(10, alpha=1.0, eta=0.1, random_state=1).fit(sp.csr_matrix(X))
    _, tv = match_topics(model.topic_word_, topics)
    assert tv.mean() < 0.1 and tv.max() < 0.15, tv


def test_gibbs_recovers_the_bars():
    X, topics, _ = make_bars(150, 100, alpha=1.0, random_state=0)
    model = GibbsLDA(10, alpha=1.0, eta=0.1, n_iter=120, random_state=1).fit(X)
    _, tv = match_topics(model.components_, topics)
    assert tv.mean() < 0.1 and tv.max() < 0.15, tv


def test_match_topics_undoes_a_permutation():
    topics = bars_topics()
    perm = np.random.default_rng(0).permutation(10)
    order, tv = match_topics(topics[perm], topics)
    np.testing.assert_array_equal(perm[order], np.arange(10))
    np.testing.assert_allclose(tv, 0.0)


# ------------------------------------------------------------------------------------------
# PLSA
# ------------------------------------------------------------------------------------------


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), K=st.integers(1, 4), sparse=st.booleans())
def test_plsa_log_likelihood_never_decreases(seed, K, sparse):
    rng = np.random.default_rng(seed)
    X = random_counts(rng, 12, 9, empty_rows=[3])
    X = sp.csr_matrix(X) if sparse else X
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = PLSA(K, max_iter=40, random_state=seed).fit(X)
    assert np.all(np.isfinite(model.history_))
    np.testing.assert_allclose(model.doc_topic_[3], 1.0 / K)  # the empty document stays uniform


def test_plsa_objective_equals_kl_nmf_divergence():
    """log p(X | θ, β) = Σ x log x − Σ_d n_d log n_d − D_KL(X ‖ WH) with W = diag(n) θ, H = β."""
    rng = np.random.default_rng(0)
    X = random_counts(rng, 20, 15)
    theta = rng.dirichlet(np.ones(3), size=20)
    beta = rng.dirichlet(np.ones(15), size=3)
    n = X.sum(axis=1)
    divergence = kl_div(X, (n[:, None] * theta) @ beta).sum()  # SciPy: x log(x/y) − x + y
    xlogx = np.sum(X[X > 0] * np.log(X[X > 0]))
    expected = xlogx - np.sum(n * np.log(n)) - divergence
    assert plsa_log_likelihood(X, theta, beta) == pytest.approx(expected, rel=1e-12)


def test_plsa_optimum_is_a_fixed_point_of_sklearn_kl_nmf():
    """PLSA's maximum, rescaled to W = diag(n) θ, H = β, is left in place by scikit-learn's
    KL-NMF.
    """
    from sklearn.decomposition import NMF

    rng = np.random.default_rng(1)
    X = random_counts(rng, 30, 12)
    model = PLSA(3, max_iter=5000, tol=1e-13, random_state=0).fit(X)
    n = X.sum(axis=1)
    W0, H0 = n[:, None] * model.doc_topic_, model.components_.copy()
    nmf = NMF(3, beta_loss="kullback-leibler", solver="mu", init="custom", max_iter=20, tol=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        W = nmf.fit_transform(X, W=W0.copy(), H=H0.copy())
    H = nmf.components_
    scale = H.sum(axis=1)
    theta = (W * scale) / (W * scale).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(H / scale[:, None], H0, atol=1e-6)
    np.testing.assert_allclose(theta, model.doc_topic_, atol=1e-6)
    # scikit-learn's reconstruction_err_ is sqrt(2 D_KL); turn it into our log-likelihood.
    divergence = nmf.reconstruction_err_**2 / 2
    xlogx = np.sum(X[X > 0] * np.log(X[X > 0]))
    log_lik = xlogx - np.sum(n * np.log(n)) - divergence
    assert model.history_[-1] * X.sum() == pytest.approx(log_lik, rel=1e-7)


def test_plsa_em_step_is_the_textbook_update():
    """The compact E/M steps equal the update written with explicit N×V×K responsibilities."""
    rng = np.random.default_rng(2)
    X = random_counts(rng, 7, 5)
    theta = rng.dirichlet(np.ones(3), size=7)
    beta = rng.dirichlet(np.ones(5), size=3)
    q = theta[:, None, :] * beta.T[None, :, :]  # (N, V, K)
    q /= q.sum(axis=2, keepdims=True)
    nq = X[:, :, None] * q
    expected_theta = nq.sum(axis=1) / X.sum(axis=1, keepdims=True)
    expected_beta = (nq.sum(axis=0) / nq.sum(axis=(0, 1))).T
    _, R = plsa_e_step(X, theta, beta)
    new_theta, new_beta = plsa_m_step(R, theta, beta)
    np.testing.assert_allclose(new_theta, expected_theta, rtol=1e-12)
    np.testing.assert_allclose(new_beta, expected_beta, rtol=1e-12)


def test_plsa_dense_and_sparse_agree():
    X = random_counts(np.random.default_rng(3), 15, 8)
    a = PLSA(2, max_iter=30, tol=0, random_state=0)
    b = PLSA(2, max_iter=30, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X)
        b.fit(sp.csr_matrix(X))
    np.testing.assert_allclose(a.components_, b.components_, rtol=1e-10)
    np.testing.assert_allclose(a.history_, b.history_, rtol=1e-12)


# ------------------------------------------------------------------------------------------
# Variational LDA
# ------------------------------------------------------------------------------------------


def sklearn_lda_with(lam, alpha, eta, V):
    from sklearn.decomposition import LatentDirichletAllocation

    K = lam.shape[0]
    sk = LatentDirichletAllocation(
        K,
        doc_topic_prior=alpha,
        topic_word_prior=eta,
        learning_method="batch",
        max_doc_update_iter=2000,
        mean_change_tol=1e-12,
    )
    sk._init_latent_vars(V, np.float64)
    sk.components_ = lam.copy()
    sk.exp_dirichlet_component_ = np.exp(dirichlet_expectation(lam))
    return sk


def test_lda_e_step_and_elbo_match_sklearn():
    """Same λ: our vectorised E-step and ELBO equal scikit-learn's per-document loop and bound."""
    X, _ = lda_corpus(N=40, V=30, K=3, seed=4)
    X[5] = 0.0  # an empty document
    lam = np.random.default_rng(0).gamma(2.0, 5.0, size=(3, 30))
    sk = sklearn_lda_with(lam, 0.2, 0.05, 30)
    gamma_sk, sstats_sk = sk._e_step(X, cal_sstats=True, random_init=False)
    gamma, sstats, log_norm = lda_e_step(
        sp.csr_matrix(X), lam, 0.2, max_doc_iter=2000, doc_tol=1e-12
    )
    # Both stop at a mean change of 1e-12 in γ; the fixed-point iteration converges linearly,
    # so the two stopping points can still differ by ~1e-8 relative.
    np.testing.assert_allclose(gamma, gamma_sk, rtol=1e-6)
    np.testing.assert_allclose(sstats, sstats_sk, rtol=1e-6)
    elbo = lda_elbo(X, gamma, lam, 0.2, 0.05)
    assert elbo == pytest.approx(sk._approx_bound(X, gamma, sub_sampling=False), rel=1e-9)
    assert lda_elbo(X, gamma, lam, 0.2, 0.05, log_norm=log_norm) == pytest.approx(elbo, rel=1e-12)


@pytest.mark.parametrize("group", [200, 16384])
def test_lda_e_step_gamma_of_a_document_does_not_depend_on_the_batch(group, monkeypatch):
    """Each document stops by its own rule, whichever group of documents it is swept with."""
    import lvmteach.topics

    monkeypatch.setattr(lvmteach.topics, "_GROUP", group)  # (document, word) pairs per group
    X = random_counts(np.random.default_rng(3), 120, 40, empty_rows=(5,))
    lam = np.random.default_rng(4).gamma(100.0, 0.01, size=(3, 40))
    gamma, _, _ = lda_e_step(X, lam, 0.2)
    alone = np.vstack([lda_e_step(X[d : d + 1], lam, 0.2)[0] for d in range(0, 120, 7)])
    np.testing.assert_array_equal(gamma[::7], alone)  # same shapes, same rounding
    assert np.all(gamma[5] == 0.2)  # an empty document keeps its prior


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    K=st.integers(1, 4),
    sparse=st.booleans(),
    alpha=st.sampled_from([0.05, 0.5, 2.0]),
)
def test_lda_elbo_never_decreases(seed, K, sparse, alpha):
    rng = np.random.default_rng(seed)
    X = random_counts(rng, 15, 10, empty_rows=[0])
    X = sp.csr_matrix(X) if sparse else X
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LDA(K, alpha=alpha, eta=0.1, max_iter=30, random_state=seed).fit(X)
    assert np.all(np.isfinite(model.history_))
    np.testing.assert_allclose(model.gamma_[0], alpha)  # the empty document keeps its prior
    assert np.all(np.isfinite(model.transform(X)))


def test_lda_matches_sklearn_batch_perplexity_and_topics():
    """Same α, η, K: held-out perplexity within 2 % of scikit-learn's fit, and the same topics."""
    from sklearn.decomposition import LatentDirichletAllocation

    X, true_topics = lda_corpus(N=400, V=60, K=4, seed=5)
    train, test = sp.csr_matrix(X[:300]), sp.csr_matrix(X[300:])
    # Both start from the same λ (scikit-learn's draw for random_state=0): LDA has local optima,
    # and from different starts either package can end in a worse one.
    lam0 = np.random.RandomState(0).gamma(100.0, 0.01, (4, 60))
    ours = LDA(4, alpha=0.3, eta=0.1, max_iter=300, tol=1e-7, components_init=lam0).fit(train)
    sk = LatentDirichletAllocation(
        4,
        doc_topic_prior=0.3,
        topic_word_prior=0.1,
        learning_method="batch",
        max_iter=100,
        random_state=0,
    )
    sk.fit(train)
    theirs = LDA(4, alpha=0.3, eta=0.1)
    theirs._check_params()
    theirs.components_, theirs.n_features_in_ = sk.components_, 60
    p_ours, p_sk = ours.perplexity(test, method="bound"), theirs.perplexity(test, method="bound")
    assert abs(p_ours / p_sk - 1) < 0.02, (p_ours, p_sk)
    _, tv = match_topics(ours.topic_word_, theirs.topic_word_)
    assert tv.max() < 0.05, tv
    _, tv_true = match_topics(ours.topic_word_, true_topics)
    assert tv_true.max() < 0.15, tv_true


def test_lda_dense_and_sparse_agree():
    X, _ = lda_corpus(N=50, V=20, K=2, seed=6)
    a = LDA(2, max_iter=20, tol=0, random_state=0)
    b = LDA(2, max_iter=20, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a.fit(X)
        b.fit(sp.csr_matrix(X))
    np.testing.assert_allclose(a.components_, b.components_, rtol=1e-9)


def test_lda_perplexity_prefers_the_true_topics():
    X, topics = lda_corpus(N=200, V=40, K=3, seed=7)
    model = LDA(3, alpha=0.3, eta=0.1, random_state=0).fit(X[:150])
    shuffled = LDA(3, alpha=0.3, eta=0.1).fit(X[:150])
    shuffled.components_ = (
        np.random.default_rng(0).permutation(model.components_.ravel()).reshape(3, 40)
    )
    assert model.perplexity(X[150:]) < 0.8 * shuffled.perplexity(X[150:])



# Held-out likelihood: a tiny LDA (K = 2, V = 3) whose p(w_d | α, β) we can compute exactly.
TINY_BETA = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
TINY_X = np.array([[3, 0, 1], [0, 2, 4], [1, 1, 1], [5, 0, 0], [0, 1, 0]], dtype=float)


def exact_log_evidence_by_enumeration(counts, beta, alpha):
    """log Σ_z p(z | α) Π_i β_{z_i w_i}: all K^n topic assignments, p(z | α) the
    Dirichlet-multinomial (eq. dirmult).
    """
    import itertools

    K = beta.shape[0]
    tokens = np.repeat(np.arange(beta.shape[1]), counts.astype(int))
    n = len(tokens)
    total = -np.inf
    for z in itertools.product(range(K), repeat=n):
        nk = np.bincount(z, minlength=K)
        log_pz = (
            gammaln(K * alpha)
            - gammaln(n + K * alpha)
            + np.sum(gammaln(nk + alpha) - gammaln(alpha))
        )
        total = np.logaddexp(total, log_pz + np.log(beta[list(z), tokens]).sum())
    return total


def exact_log_evidence_by_quadrature(counts, beta, alpha):
    """log ∫_0^1 Π_w (t β_1w + (1 − t) β_2w)^{x_w} Beta(t | α, α) dt with SciPy's quad (K = 2)."""
    from scipy import integrate, stats

    f = lambda t: (
        np.prod((t * beta[0] + (1 - t) * beta[1]) ** counts) * stats.beta.pdf(t, alpha, alpha)
    )  # noqa: E731
    return np.log(integrate.quad(f, 0, 1, limit=200)[0])


@pytest.mark.parametrize("alpha", [0.3, 1.0])
def test_importance_sampling_log_evidence_matches_exact_enumeration_and_quadrature(alpha):
    exact = np.array([exact_log_evidence_by_enumeration(x, TINY_BETA, alpha) for x in TINY_X])
    quad = np.array([exact_log_evidence_by_quadrature(x, TINY_BETA, alpha) for x in TINY_X])
    np.testing.assert_allclose(exact, quad, rtol=1e-7)  # the two exact references agree
    lam = 1e9 * TINY_BETA  # q(β) = Dir(λ) concentrated on β: the E-step's γ for this β
    gamma, _, _ = lda_e_step(TINY_X, lam, alpha, max_doc_iter=500, doc_tol=1e-10)
    est = lda_log_evidence(TINY_X, TINY_BETA, alpha, gamma, n_samples=40_000, random_state=0)
    np.testing.assert_allclose(est, exact, atol=0.01)
    # Any proposal centre gives a consistent estimate (here the prior itself, plain Monte Carlo)
    est_prior = lda_log_evidence(
        TINY_X, TINY_BETA, alpha, np.full((5, 2), alpha), n_samples=40_000, random_state=1
    )
    np.testing.assert_allclose(est_prior, exact, atol=0.02)


def test_document_elbo_is_below_the_exact_log_evidence():
    """The bound the "bound" perplexity uses is below the truth, and importance sampling is not a
    bound.
    """
    alpha = 0.3
    lam = 1e9 * TINY_BETA
    gamma, _, log_norm = lda_e_step(TINY_X, lam, alpha, max_doc_iter=500, doc_tol=1e-10)
    model = LDA(2, alpha=alpha, eta=0.1)
    model._check_params()
    model.components_, model.n_features_in_ = lam, 3
    exact = sum(exact_log_evidence_by_enumeration(x, TINY_BETA, alpha) for x in TINY_X)
    log_p_bound = -np.log(model.perplexity(TINY_X, method="bound")) * TINY_X.sum()
    log_p_is = -np.log(model.perplexity(TINY_X, n_samples=40_000)) * TINY_X.sum()
    assert log_p_bound < exact - 0.05  # a strict bound, with visible slack
    assert log_p_is == pytest.approx(exact, abs=0.03)


def test_importance_sampling_perplexity_is_below_the_bound_on_real_fits():
    X, _ = lda_corpus(N=200, V=40, K=3, seed=7)
    model = LDA(3, alpha=0.3, eta=0.1, random_state=0).fit(X[:150])
    assert model.perplexity(X[150:]) < model.perplexity(X[150:], method="bound")
    with pytest.raises(ValueError, match="method"):
        model.perplexity(X[150:], method="elbo")
    assert lda_log_evidence(np.zeros((2, 40)), model.topic_word_, 0.3, np.ones((2, 3)))[0] == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alpha_newton_matches_scipy_optimiser_of_the_same_objective(seed):
    """Newton's linear-time step (Blei et al. A.4.2) reaches the maximiser SciPy's L-BFGS-B
    finds.
    """
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    K, N = 5, 200
    true_alpha = rng.gamma(2.0, 0.5, size=K)
    gamma = rng.dirichlet(true_alpha, size=N) * 50 + 0.1  # some variational parameters
    s = dirichlet_expectation(gamma).sum(axis=0)

    def neg_objective(log_a):  # L(α) of eq. lda-alpha-objective, over log α so that α > 0
        a = np.exp(log_a)
        return -(N * (gammaln(a.sum()) - gammaln(a).sum()) + (a - 1) @ s)

    ref = np.exp(
        minimize(
            neg_objective, np.zeros(K), method="L-BFGS-B", options={"gtol": 1e-12, "ftol": 1e-15}
        ).x
    )
    alpha = lda_alpha_newton(s, N, 1.0)
    np.testing.assert_allclose(alpha, ref, rtol=1e-4)
    assert -neg_objective(np.log(alpha)) >= -neg_objective(np.log(ref)) - 1e-9
    # the gradient vanishes at Newton's answer
    from scipy.special import digamma

    np.testing.assert_allclose(N * (digamma(alpha.sum()) - digamma(alpha)) + s, 0.0, atol=1e-6)


def test_alpha_newton_recovers_the_generating_alpha_from_exact_log_theta():
    """With E[log θ_d] replaced by log θ_d of Dirichlet draws, the update is the Dirichlet MLE."""
    from scipy.stats import dirichlet

    rng = np.random.default_rng(3)
    true_alpha = np.array([0.3, 1.0, 2.5])
    theta = rng.dirichlet(true_alpha, size=5000)
    alpha = lda_alpha_newton(np.log(theta).sum(axis=0), 5000, 0.5)
    np.testing.assert_allclose(alpha, true_alpha, rtol=0.1)
    # it maximises SciPy's Dirichlet log-likelihood: nearby points are worse
    ll = lambda a: dirichlet.logpdf(theta.T, a).sum()  # noqa: E731
    assert all(ll(alpha) > ll(alpha * f) for f in (0.98, 1.02))

# ------------------------------------------------------------------------------------------
# Collapsed Gibbs
# ------------------------------------------------------------------------------------------


def test_log_joint_of_counts_is_the_direct_sum_of_log_gammas():
    """Integer counts go through a table of log Γ(j + a), other values the direct sum: both agree
    with the formula to round-off in the order of the additions."""
    rng = np.random.default_rng(14)
    ndk = rng.poisson(3.0, size=(40, 5)).astype(float)
    nwk = rng.poisson(20.0, size=(30, 5)).astype(float)
    N, K = ndk.shape
    V = nwk.shape[0]

    def direct(ndk, nwk, alpha, eta):
        return float(
            N * (gammaln(K * alpha) - K * gammaln(alpha))
            - gammaln(ndk.sum(1) + K * alpha).sum()
            + gammaln(ndk + alpha).sum()
            + K * (gammaln(V * eta) - V * gammaln(eta))
            - gammaln(nwk.sum(0) + V * eta).sum()
            + gammaln(nwk + eta).sum()
        )

    for shift in (0.0, 0.5):  # counts; not counts
        expected = direct(ndk + shift, nwk, 0.1, 0.01)
        assert log_joint(ndk + shift, nwk, 0.1, 0.01) == pytest.approx(expected, rel=1e-15)


def test_log_joint_matches_scipy_dirichlet_multinomial():
    """p(z | α) per document is SciPy's Dirichlet-multinomial of the counts over the multinomial
    coefficient.
    """
    rng = np.random.default_rng(8)
    ndk = rng.integers(0, 6, size=(5, 3)).astype(float)
    nwk = rng.integers(0, 6, size=(7, 3)).astype(float)
    alpha, eta = 0.4, 0.2

    def log_seq(counts, a):  # log p of one ordered sequence with these counts
        n = counts.sum()
        if n == 0:
            return 0.0
        log_coef = gammaln(n + 1) - gammaln(counts + 1).sum()
        return dirichlet_multinomial.logpmf(counts, np.full(len(counts), a), n) - log_coef

    expected = sum(log_seq(row, alpha) for row in ndk) + sum(log_seq(col, eta) for col in nwk.T)
    assert log_joint(ndk, nwk, alpha, eta) == pytest.approx(expected, rel=1e-12)


def test_gibbs_conditional_is_the_ratio_of_joints():
    """p(z_i = k | z_−i, w) ∝ p(w, z with z_i = k): compare with log_joint for every k."""
    rng = np.random.default_rng(9)
    ndk = rng.integers(0, 5, size=(4, 3)).astype(float)
    nwk = rng.integers(0, 5, size=(6, 3)).astype(float)
    ndk[1, 0] += 1  # make sure the counts without token i are non-negative: token i is (d=1, w=2)
    d, w, alpha, eta = 1, 2, 0.3, 0.1
    joints = []
    for k in range(3):
        a, b = ndk.copy(), nwk.copy()
        a[d, k] += 1
        b[w, k] += 1
        joints.append(log_joint(a, b, alpha, eta))
    expected = np.exp(np.array(joints) - max(joints))
    p = gibbs_conditional(ndk[d], nwk[w], nwk.sum(0), alpha, eta, 6)
    np.testing.assert_allclose(p / p.sum(), expected / expected.sum(), rtol=1e-12)


@pytest.mark.parametrize("sampler", ["exact", "parallel"])
def test_gibbs_incremental_log_joint_equals_recomputation(sampler):
    X, _, _ = make_bars(30, 40, random_state=1)
    model = GibbsLDA(10, alpha=0.5, eta=0.1, n_iter=30, random_state=0, sampler=sampler).fit(X)
    recomputed = log_joint(model.doc_topic_counts_, model.word_topic_counts_, 0.5, 0.1)
    assert model.log_joint_[-1] == pytest.approx(recomputed, rel=1e-11, abs=1e-8)
    assert model.log_joint_[-1] > model.log_joint_[0] + 100  # the chain moved towards the mode


@pytest.mark.parametrize("sampler", ["exact", "parallel"])
def test_gibbs_sweep_keeps_counts_consistent_with_z(sampler):
    X, _, _ = make_bars(20, 30, random_state=2)
    model = GibbsLDA(10, n_iter=3, random_state=0, sampler=sampler).fit(X)
    ndk = np.zeros((20, 10))
    nwk = np.zeros((25, 10))
    np.add.at(ndk, (model.docs_, model.z_), 1)
    np.add.at(nwk, (model.words_, model.z_), 1)
    np.testing.assert_array_equal(ndk, model.doc_topic_counts_)
    np.testing.assert_array_equal(nwk, model.word_topic_counts_)
    np.testing.assert_array_equal(ndk.sum(1), X.sum(1))


@pytest.mark.parametrize("sweep", [gibbs_sweep, parallel_gibbs_sweep], ids=["exact", "parallel"])
def test_gibbs_sweep_samples_the_conditional_for_a_single_token(sweep):
    """With one token, a sweep is one draw from gibbs_conditional: check the frequencies
    (chi-square).

    For the parallel sweep one token means one document: no stale counts, so it is exact too.
    """
    from scipy.stats import chisquare

    rng = np.random.default_rng(10)
    ndk0, nwk0 = np.array([[2.0, 0.0, 1.0]]), np.array([[1.0, 0.0, 0.0], [0.0, 3.0, 2.0]])
    # token 0 is (d=0, w=0) in topic 0; the other counts belong to phantom tokens
    p = gibbs_conditional(
        ndk0[0] - [1, 0, 0], nwk0[0] - [1, 0, 0], nwk0.sum(0) - [1, 0, 0], 0.5, 0.3, 2
    )
    draws = np.zeros(3)
    for _ in range(3000):
        z = np.array([0])
        ndk, nwk = ndk0.copy(), nwk0.copy()
        sweep(np.array([0]), np.array([0]), z, ndk, nwk, nwk.sum(0), 0.5, 0.3, rng)
        draws[z[0]] += 1
    assert chisquare(draws, 3000 * p / p.sum()).pvalue > 1e-3


def test_gibbs_transform_recovers_known_proportions():
    topics = bars_topics()
    rng = np.random.default_rng(11)
    theta = rng.dirichlet(np.ones(10), size=20)
    X = np.vstack([rng.multinomial(2000, t @ topics) for t in theta]).astype(float)
    model = GibbsLDA(10, alpha=1.0, eta=0.1, n_iter=2, random_state=0).fit(X)
    model.components_ = topics * 0.99 + 0.01 / 25
    estimate = model.transform(X, n_iter=20)
    np.testing.assert_allclose(estimate.sum(1), 1.0)
    assert np.abs(estimate - theta).mean() < 0.02


# ------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------

MODELS = [lambda: PLSA(2, max_iter=5), lambda: LDA(2, max_iter=5), lambda: GibbsLDA(2, n_iter=2)]


@pytest.mark.parametrize("make", MODELS, ids=["PLSA", "LDA", "GibbsLDA"])
def test_rejects_negative_counts(make):
    with pytest.raises(ValueError, match="negative counts"):
        make().fit(np.array([[1.0, -1.0], [2.0, 0.0]]))


@pytest.mark.parametrize("make", MODELS, ids=["PLSA", "LDA", "GibbsLDA"])
def test_rejects_non_integer_counts(make):
    with pytest.raises(ValueError, match="non-integer"):
        make().fit(sp.csr_matrix(np.array([[1.5, 0.0], [2.0, 1.0]])))


@pytest.mark.parametrize("make", MODELS, ids=["PLSA", "LDA", "GibbsLDA"])
def test_rejects_empty_vocabulary(make):
    with pytest.raises(ValueError, match="empty vocabulary"):
        make().fit(np.zeros((3, 0)))


@pytest.mark.parametrize("make", MODELS, ids=["PLSA", "LDA", "GibbsLDA"])
def test_rejects_nan(make):
    with pytest.raises(ValueError, match="NaN"):
        make().fit(np.array([[1.0, np.nan]]))


@pytest.mark.parametrize("make", MODELS, ids=["PLSA", "LDA", "GibbsLDA"])
def test_all_empty_documents_give_finite_results(make):
    X = np.zeros((3, 4))
    X[0, 1] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make().fit(X)
    assert np.all(np.isfinite(model.components_))
    assert np.all(np.isfinite(model.transform(np.zeros((2, 4)))))


@pytest.mark.parametrize(
    "model, match",
    [
        (PLSA(0), "n_topics"),
        (LDA(2, alpha=0.0), "alpha"),
        (LDA(2, eta=-1.0), "eta"),
        (LDA(2, max_doc_iter=0), "max_doc_iter"),
        (LDA(2, components_init=np.ones((3, 4))), "components_init"),
        (GibbsLDA(2, n_iter=0), "n_iter"),
        (GibbsLDA(2, n_iter=5, burn_in=5), "burn_in"),
        (GibbsLDA(2, alpha=np.inf), "alpha"),
    ],
)
def test_rejects_bad_hyperparameters(model, match):
    with pytest.raises(ValueError, match=match):
        model.fit(np.ones((3, 4)))


@pytest.mark.parametrize("make", MODELS, ids=["PLSA", "LDA", "GibbsLDA"])
def test_transform_checks_fitted_and_vocabulary_size(make):
    model = make()
    with pytest.raises(NotFittedError):
        model.transform(np.ones((2, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(np.ones((3, 4)))
    with pytest.raises(ValueError, match="features"):
        model.transform(np.ones((2, 5)))


# ------------------------------------------------------------------------------------------
# Text data
# ------------------------------------------------------------------------------------------


def test_tokenize_rules():
    assert tokenize("The Nation's economy grew 3% in 1999 -- don't panic! Café") == [
        "the", "nation", "economy", "grew", "don't", "panic", "cafe",
    ]  # fmt: skip
    assert tokenize("a an to of", min_length=1) == ["a", "an", "to", "of"]
    with pytest.raises(ValueError, match="str"):
        tokenize(None)


def test_tokenize_keeps_typographic_apostrophes():
    # U+2019 (and U+02BC) have no ASCII decomposition, so the folding would delete them:
    # they must become "'" first, and tokenize the same as the ASCII spelling.
    for apostrophe in ("\u2019", "\u02bc"):
        text = f"We don{apostrophe}t panic; the Nation{apostrophe}s caf\u00e9"
        assert tokenize(text) == tokenize("We don't panic; the Nation's cafe")
        assert tokenize(text) == ["don't", "panic", "the", "nation", "cafe"]


def test_document_term_matrix_counts_and_vocabulary():
    X, vocab = document_term_matrix(["Taxes and taxes, the budget.", "The budget!", "and the"])
    assert sp.isspmatrix_csr(X) or sp.issparse(X)
    assert list(vocab) == ["budget", "taxes"]
    # the last document is empty
    np.testing.assert_array_equal(X.toarray(), [[1, 2], [1, 0], [0, 0]])
    X2, _ = document_term_matrix(["budget budget war"], vocabulary=vocab)
    np.testing.assert_array_equal(X2.toarray(), [[2, 0]])
    _, vocab3 = document_term_matrix(
        ["a b c war war", "war peace", "peace"], min_df=2, stop_words=None, min_length=1
    )
    assert list(vocab3) == ["peace", "war"]
    with pytest.raises(ValueError, match="single string"):
        document_term_matrix("just one text")
    with pytest.raises(ValueError, match="no word is left"):
        document_term_matrix(["the and of", "it is"])
    assert "the" in ENGLISH_STOP_WORDS and "war" not in ENGLISH_STOP_WORDS


def test_state_of_the_union_loads():
    data = load_state_of_the_union()
    assert len(data.text) == 2000 == len(data.year) == len(data.president)
    assert data.year.min() >= 1900 and data.year.max() <= 2026
    assert np.all(np.diff(data.year) >= 0)
    assert "public domain" in data.DESCR
    lengths = [len(t.split()) for t in data.text]
    assert min(lengths) >= 60 and max(lengths) <= 250


def test_make_bars_is_lda_with_bar_topics():
    X, topics, theta = make_bars(50, 30, random_state=0)
    np.testing.assert_array_equal(X.sum(axis=1), 30)
    np.testing.assert_allclose(topics.sum(axis=1), 1.0)
    assert topics.shape == (10, 25) and theta.shape == (50, 10)
    assert np.all((topics > 0).sum(axis=1) == 5)
    with pytest.raises(ValueError, match="width"):
        make_bars(5, width=1)


def test_log_evidence_rejects_a_gamma_of_the_wrong_shape():
    with pytest.raises(ValueError, match="gamma must have shape"):
        lda_log_evidence(TINY_X, TINY_BETA, 0.3, np.ones((5, 1)))


# ------------------------------------------------------------------------------------------
# Approximate, document-parallel Gibbs (AD-LDA)
# ------------------------------------------------------------------------------------------


def test_parallel_gibbs_recovers_the_bars():
    X, topics, _ = make_bars(150, 100, alpha=1.0, random_state=0)
    # With 25 words, a round of 150 tokens holds each word about 6 times, so its stale counts
    # collide far more than on real text; the worst topic is recovered less well than by the
    # exact sampler (0.15), hence the looser bound on it.
    model = GibbsLDA(10, alpha=1.0, eta=0.1, n_iter=120, random_state=1, sampler="parallel").fit(X)
    _, tv = match_topics(model.components_, topics)
    assert tv.mean() < 0.1 and tv.max() < 0.25, tv


def test_parallel_gibbs_reaches_the_exact_samplers_log_joint():
    # The stale counts perturb the chain only slightly: after burn-in, its log p(w, z) per token,
    # averaged over four seeds, is within 2.5 % of the exact sampler's (one chain's moves by
    # about 1 % from seed to seed here, so a single seed is no test; the random start is about
    # 20 % lower).
    X, _, _ = make_bars(100, 100, alpha=1.0, random_state=3)
    n_tokens = X.sum()

    def log_joints(sampler):  # (seeds, sweeps + 1)
        fit = lambda seed: GibbsLDA(  # noqa: E731
            10, alpha=1.0, eta=0.1, n_iter=60, random_state=seed, sampler=sampler
        ).fit(X)
        return np.array([fit(seed).log_joint_ for seed in range(4)])

    exact, approx = log_joints("exact"), log_joints("parallel")
    assert approx[:, 30:].mean() / n_tokens == pytest.approx(
        exact[:, 30:].mean() / n_tokens, rel=2.5e-2
    )
    assert approx[:, 30:].mean() - approx[:, 0].mean() > 0.5 * (
        exact[:, 30:].mean() - exact[:, 0].mean()
    )


@pytest.mark.parametrize("seed", [None, 15])
def test_token_rounds_hold_the_jth_token_of_every_longer_document_longest_first(seed):
    """The rounds visit every token once; round j holds one token of each document longer than
    j, longest document first, so that they are the first columns the parallel sweep reads."""
    from lvmteach.topics import _token_rounds

    rng = np.random.default_rng(16)
    n_d = rng.integers(0, 12, size=30)
    docs = np.repeat(np.arange(30), n_d)
    order, rounds = _token_rounds(docs, 30, None if seed is None else np.random.default_rng(seed))
    np.testing.assert_array_equal(np.sort(order), np.arange(len(docs)))
    longest_first = np.argsort(-n_d, kind="stable")
    for j, r in enumerate(rounds):
        np.testing.assert_array_equal(docs[order[r]], longest_first[: (n_d > j).sum()])
    assert len(rounds) == n_d.max()
    # each document's visits in order: its own order without a generator, shuffled with one
    by_document = order[np.argsort(docs[order], kind="stable")]
    assert np.array_equal(by_document, np.arange(len(docs))) == (seed is None)


def test_parallel_round_draws_every_token_from_the_counts_at_its_start():
    """Two documents with one token each, of the same word and topic, make one round: each draw
    is from gibbs_conditional without its own token but with the other's assignment (stale), and
    the two are independent, so the joint frequencies are the product of the two conditionals
    (chi-square). The exact sampler's second draw sees the first, which this test rejects.
    """
    from scipy.stats import chisquare

    rng = np.random.default_rng(12)
    alpha, eta = 0.5, 0.3
    # tokens 0 and 1 are word 0 in topic 0, in documents 0 and 1; other counts are phantoms
    ndk0 = np.array([[2.0, 0.0, 1.0], [1.0, 2.0, 0.0]])
    nwk0 = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 2.0]])
    own = np.array([1.0, 0.0, 0.0])
    p = [
        gibbs_conditional(ndk0[d] - own, nwk0[0] - own, nwk0.sum(0) - own, alpha, eta, 2)
        for d in (0, 1)
    ]
    expected = np.outer(p[0] / p[0].sum(), p[1] / p[1].sum())
    draws = np.zeros((3, 3))
    for _ in range(4000):
        z = np.array([0, 0])
        ndk, nwk = ndk0.copy(), nwk0.copy()
        parallel_gibbs_sweep(
            np.array([0, 1]), np.array([0, 0]), z, ndk, nwk, nwk.sum(0), alpha, eta, rng
        )
        draws[z[0], z[1]] += 1
    assert chisquare(draws.ravel(), 4000 * expected.ravel()).pvalue > 1e-3


@pytest.mark.parametrize("K", [1, 3, 50, 200])
def test_draw_topics_inverts_each_columns_cdf(K):
    """Against bisect on each column's cumulative sums: the first topic whose cumulative sum
    reaches u times the total (zero weights included, which are never drawn but at u = 0)."""
    from bisect import bisect_left

    rng = np.random.default_rng(13)
    p = rng.random((K, 300)) * (rng.random((K, 300)) < 0.7)
    p[0, :5] = 0.0
    u = rng.random(300)
    expected = []
    for j in range(300):
        cdf = np.cumsum(p[:, j])
        expected.append(min(bisect_left(cdf.tolist(), u[j] * cdf[-1]), K - 1))
    np.testing.assert_array_equal(draw_topics(p.copy(), u), expected)

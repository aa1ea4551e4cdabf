"""Issue 18: the defects found by scikit-learn's checks, its ported unit tests and a fuzzer.

One test per reproducer of the issue, named for the behaviour it now guarantees.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import multivariate_normal

from lvmteach import nn
from lvmteach.boltzmann import DBN, RBM, BoltzmannMachine, contrastive_divergence, free_energy
from lvmteach.exceptions import ConvergenceWarning, NotFittedError
from lvmteach.factor import PCA, PPCA, FactorAnalysis
from lvmteach.flows import RealNVP
from lvmteach.ica import FastICA, MaximumLikelihoodICA, fastica_deflation, fastica_parallel
from lvmteach.mixture import BernoulliMixture, GaussianMixture, KMeans, kmeans_plusplus, m_step
from lvmteach.nmf import NMF, initialize_nmf
from lvmteach.numerics import softmax
from lvmteach.sparse import DictionaryLearning
from lvmteach.topics import LDA, PLSA, GibbsLDA, match_topics
from lvmteach.vae import VAE
from lvmteach.variational import BayesianGaussianMixture

RNG = np.random.default_rng(18)
REAL = RNG.normal(size=(40, 3))
BINARY = (RNG.random((40, 6)) < 0.4).astype(float)
COUNTS = RNG.poisson(2.0, size=(30, 8)).astype(float)


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# ------------------------------------------------------------------ crashes


@pytest.mark.parametrize(
    "model, X",
    [
        (GaussianMixture(1, random_state=0), REAL[:3]),
        (BernoulliMixture(1, random_state=0), BINARY[:3]),
    ],
)
def test_single_component_weight_is_exactly_one_and_sample_works(model, X):
    """scikit-learn's regression test for its issue #23032: (N_k + 10 eps) / N exceeded 1
    (visibly so for small N)."""
    model.fit(X)
    assert model.weights_.sum() <= 1.0 and model.weights_[0] == 1.0
    assert model.sample(5, random_state=0)[0].shape == (5, X.shape[1])


# ------------------------------------------------------------------ fit_transform


TRANSFORMERS = [
    (RealNVP(2, (4,), n_epochs=2, random_state=0), REAL),
    (VAE(1, (4,), likelihood="gaussian", n_epochs=2, random_state=0), REAL),
    (DBN((4, 2), n_epochs=2, random_state=0), BINARY),
    (PLSA(2, max_iter=20, random_state=0), COUNTS),
    (LDA(2, max_iter=10, random_state=0), COUNTS),
    (GibbsLDA(2, n_iter=10, random_state=0), COUNTS),
    (DictionaryLearning(3, max_iter=5, random_state=0), REAL),
    (NMF(2, max_iter=30, random_state=0), COUNTS),
]


@pytest.mark.parametrize(
    "model, X", TRANSFORMERS, ids=lambda v: type(v).__name__ if hasattr(v, "fit") else ""
)
def test_fit_transform_equals_fit_then_transform(model, X):
    np.testing.assert_array_equal(model.fit_transform(X), model.fit(X).transform(X))


def test_nmf_keeps_the_training_activations_that_match_its_history():
    model = NMF(2, tol=0, max_iter=7, random_state=0).fit(COUNTS)
    W = model.activations_
    assert model.history_[-1] == pytest.approx(
        0.5 * np.linalg.norm(COUNTS - W @ model.components_) ** 2, rel=1e-10
    )
    assert not np.allclose(W, model.transform(COUNTS))  # transform solves for W again


# ------------------------------------------------------------------ LDA and PLSA folding-in


@pytest.mark.parametrize(
    "model",
    [LDA(3, max_iter=20, random_state=0), PLSA(3, max_iter=20, random_state=0)],
    ids=["LDA", "PLSA"],
)
def test_a_documents_topics_do_not_depend_on_the_rest_of_the_batch(model):
    model.fit(COUNTS)
    alone = np.vstack([model.transform(COUNTS[i : i + 1]) for i in range(len(COUNTS))])
    np.testing.assert_array_equal(alone, model.transform(COUNTS))


def test_lda_training_doc_topic_equals_transform_of_the_training_data():
    model = LDA(3, max_iter=20, random_state=0).fit(COUNTS)
    np.testing.assert_array_equal(model.doc_topic_, model.transform(COUNTS))
    np.testing.assert_allclose(model.doc_topic_.sum(axis=1), 1.0)


# ------------------------------------------------------------------ VAE and RealNVP


def test_vae_scores_are_seeded_and_do_not_depend_on_the_batch():
    vae = VAE(1, (4,), likelihood="gaussian", n_epochs=2, random_state=0).fit(REAL)
    full = vae.score_samples(REAL)
    np.testing.assert_array_equal(full, vae.score_samples(REAL))
    np.testing.assert_array_equal(full[:3], vae.score_samples(REAL[:3]))
    assert vae.score(REAL) == vae.score(REAL)
    assert vae.score(REAL, random_state=1) != vae.score(REAL)  # the seed is used


def test_realnvp_before_fit_raises_not_fitted_and_accepts_an_int_hidden_size():
    for method in ("transform", "inverse_transform", "score_samples", "score", "sample"):
        with pytest.raises(NotFittedError):
            getattr(RealNVP(), method)(REAL) if method != "sample" else RealNVP().sample(2)
    model = RealNVP(2, hidden_sizes=4, n_epochs=1, random_state=0).fit(REAL)
    assert model.score_samples(REAL).shape == (len(REAL),)


# ----------------------------------------------------------------- input types, for every estimator


ALL_MODELS = [
    (KMeans(2, n_init=1, random_state=0), REAL),
    (GaussianMixture(2, random_state=0), REAL),
    (BernoulliMixture(2, random_state=0), BINARY),
    (BayesianGaussianMixture(2, max_iter=20, random_state=0), REAL),
    (PCA(1), REAL),
    (PPCA(1), REAL),
    (FactorAnalysis(1, random_state=0), REAL),
    (FastICA(random_state=0), REAL),
    (MaximumLikelihoodICA(max_iter=20, random_state=0), REAL),
    (NMF(2, random_state=0), COUNTS),
    (DictionaryLearning(2, max_iter=5, random_state=0), REAL),
    (BoltzmannMachine(max_iter=5, random_state=0), BINARY),
    (RBM(3, n_epochs=1, random_state=0), BINARY),
    (DBN((3,), n_epochs=1, random_state=0), BINARY),
    (VAE(1, (4,), likelihood="gaussian", n_epochs=1, random_state=0), REAL),
    (RealNVP(2, (4,), n_epochs=1, random_state=0), REAL),
    (PLSA(2, max_iter=5, random_state=0), COUNTS),
    (LDA(2, max_iter=5, random_state=0), COUNTS),
    (GibbsLDA(2, n_iter=4, random_state=0), COUNTS),
]
_IDS = [type(m).__name__ for m, _ in ALL_MODELS]
_TOPICS = (PLSA, LDA, GibbsLDA)


@pytest.mark.parametrize("model, X", ALL_MODELS, ids=_IDS)
def test_complex_input_is_refused_not_truncated(model, X):
    with pytest.raises(ValueError, match="Complex data not supported"):
        model.fit(X + 1e-3j)


@pytest.mark.parametrize("model, X", ALL_MODELS, ids=_IDS)
def test_numeric_strings_are_refused_not_parsed(model, X):
    with pytest.raises(ValueError, match="contains strings"):
        model.fit(X.astype(str))
    with pytest.raises(ValueError, match="contains strings"):
        model.fit(X.astype(str).astype(object))


@pytest.mark.parametrize("model, X", ALL_MODELS, ids=_IDS)
def test_sparse_input_is_refused_with_a_hint_or_used_by_the_topic_models(model, X):
    if isinstance(model, _TOPICS):
        np.testing.assert_allclose(
            model.fit(sp.csr_matrix(X)).components_, model.fit(X).components_
        )
    else:
        with pytest.raises(ValueError, match=r"sparse.*X\.toarray\(\)"):
            model.fit(sp.csr_matrix(X))


_SEEDED = [(m, X) for m, X in ALL_MODELS if "random_state" in m.get_params()]


@pytest.mark.parametrize("model, X", _SEEDED, ids=[type(m).__name__ for m, _ in _SEEDED])
def test_a_negative_random_state_is_refused_in_our_words(model, X):
    with pytest.raises(ValueError, match="random_state must be None, an int >= 0"):
        model.set_params(random_state=-1).fit(X)


# ------------------------------------------------------------------ factor analysis and PPCA


def test_fa_detects_a_float_constant_column_by_relative_variance():
    X = np.c_[REAL, np.full(len(REAL), 0.1)]  # var() is 1.9e-34, not 0
    with pytest.raises(ValueError, match=r"feature\(s\) \[3\] of X are constant"):
        FactorAnalysis(1).fit(X)


@pytest.mark.parametrize(
    "model",
    [FactorAnalysis(1, random_state=0), PPCA(1, method="em", random_state=0)],
    ids=["FA", "PPCA-EM"],
)
@pytest.mark.parametrize(
    "X",
    [np.full((10, 3), 0.1), np.tile([1.5, -2.0, 7.0], (10, 1))],
    ids=["constant", "identical-rows"],
)
def test_degenerate_data_are_refused_not_fitted_to_a_collapsing_objective(model, X):
    with pytest.raises(ValueError, match="constant"):
        model.fit(X)


def test_ppca_em_refuses_data_in_a_subspace_as_the_closed_form_does():
    X = np.c_[REAL[:, 0], 2 * REAL[:, 0], np.full(len(REAL), 3.0)]
    for method in ("closed_form", "em"):
        with pytest.raises(ValueError, match="noise variance sigma2 is 0"):
            PPCA(1, method=method, random_state=0).fit(X)


def test_ppca_closed_form_validates_the_em_settings_and_sets_n_iter():
    for bad in ({"max_iter": 0}, {"tol": -1.0}, {"n_init": 0}, {"random_state": "x"}):
        with pytest.raises(ValueError):
            PPCA(1, **bad).fit(REAL)
    model = PPCA(1).fit(REAL)
    assert model.n_iter_ == 1 and model.converged_


# ------------------------------------------------------------------ NMF and dictionary learning


def test_nmf_loss_history_never_goes_negative_by_cancellation():
    model = NMF(1, random_state=5).fit([[216329587.07]])  # was 9e13, -4, 8, 8, ...
    h = model.history_
    assert (h >= 0).all()
    assert (np.diff(h) <= 1e-12 * h[0]).all()


@pytest.mark.parametrize("scale", [4e150, 1e-160])
def test_nmf_and_dictionary_learning_at_extreme_scales_are_finite_or_refused(scale):
    X = COUNTS[:6] * scale + scale
    for model in (NMF(2, random_state=0), DictionaryLearning(2, max_iter=5, random_state=0)):
        try:
            model.fit(X)
        except ValueError as exc:
            assert "Rescale" in str(exc)
        else:
            assert np.isfinite(model.components_).all() and np.isfinite(model.history_).all()


def test_dictionary_learning_objective_at_1e150_never_silently_increases():
    with pytest.raises(ValueError, match="Rescale"):
        DictionaryLearning(2, max_iter=5, random_state=0).fit(REAL * 1e154)


def test_nmf_allows_more_components_than_min_n_d():
    model = NMF(5, random_state=0, max_iter=50).fit(COUNTS[:3, :4])
    assert (
        model.components_.shape == (5, 4)
        and (np.diff(model.history_) <= 1e-12 * model.history_[0]).all()
    )


def test_dictionary_learning_allows_an_overcomplete_dictionary():
    model = DictionaryLearning(6, alpha=0.1, max_iter=20, random_state=0).fit(REAL[:4])
    assert model.components_.shape == (6, 3)
    np.testing.assert_allclose(np.linalg.norm(model.components_, axis=1), 1.0)
    assert (np.diff(model.history_) <= 1e-12 * model.history_[0]).all()


# ------------------------------------------------------------------ invalid settings


@pytest.mark.parametrize(
    "fit, match",
    [
        (
            lambda: GaussianMixture(1, means_init=[[np.nan, 0.0, 0.0]]).fit(REAL),
            "means_init contains 1 NaN",
        ),
        (
            lambda: GaussianMixture(1, precisions_init=[-np.eye(3)]).fit(REAL),
            "precisions_init must hold symmetric positive definite",
        ),
        (
            lambda: GaussianMixture(
                1, covariance_type="diag", precisions_init=[[1.0, 0.0, 1.0]]
            ).fit(REAL),
            "positive numbers",
        ),
        (lambda: BernoulliMixture(2, eps=2.0).fit(BINARY), r"eps must lie in \(0, 0.5\)"),
        (
            lambda: FastICA(w_init=np.zeros((3, 3))).fit(REAL),
            "w_init must have linearly independent, non-zero rows",
        ),
        (lambda: GibbsLDA(2).fit(COUNTS * 1e150), "Gibbs sampling keeps a topic per token"),
        (
            lambda: GibbsLDA(2, n_iter=4, random_state=0).fit(COUNTS).transform(COUNTS, n_iter=0),
            "n_iter must be an integer >= 2",
        ),
        (
            lambda: PLSA(2, max_iter=4).fit(COUNTS).transform(COUNTS, max_iter=0),
            "max_iter must be an integer >= 1",
        ),
        (lambda: LDA(2, max_iter=0).fit(COUNTS), "max_iter must be an integer >= 1"),
        (
            lambda: nn.mlp([2, 3, 1], activation="banana"),
            r"activation must be one of \['tanh'.*got 'banana'",
        ),
        (lambda: initialize_nmf(COUNTS, 2, init="banana"), "init must be one of.*got 'banana'"),
        (
            lambda: m_step(REAL, np.ones((len(REAL), 1)), "banana", 1e-6),
            "covariance_type must be one of.*got 'banana'",
        ),
        (lambda: KMeans(2, random_state=-1).fit(REAL), "random_state must be None, an int >= 0"),
    ],
)
def test_invalid_settings_raise_a_value_error_that_names_them(fit, match):
    with pytest.raises(ValueError, match=match):
        fit()


# ------------------------------------------------------------------ KMeans and RBM


def test_kmeans_warns_when_fewer_distinct_points_than_clusters():
    X = np.repeat([[0.0, 0.0], [1.0, 1.0]], 3, axis=0)
    with pytest.warns(ConvergenceWarning, match="only 2 distinct cluster"):
        KMeans(3, random_state=0).fit(X)


def test_kmeans_distance_of_a_centre_to_itself_is_zero():
    model = KMeans(2, n_init=1, random_state=0).fit(REAL + 100.0)  # was 2.7e-6
    assert np.all(np.diag(model.transform(model.cluster_centers_)) == 0.0)


def test_rbm_scores_the_unit_interval_data_fit_accepts():
    """The flipped unit is 1 - v_d; compared with free energies of explicitly flipped rows."""
    V = RNG.random((5, 4))
    rbm = RBM(3, n_epochs=1, random_state=0).fit(V)
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    F = free_energy(V, W, b, c)
    expected = np.zeros(len(V))
    for d in range(V.shape[1]):
        flipped = V.copy()
        flipped[:, d] = 1.0 - flipped[:, d]
        expected += -np.log1p(np.exp(-(free_energy(flipped, W, b, c) - F)))
    np.testing.assert_allclose(rbm.score_samples(V), expected, rtol=1e-12)


# ------------------------------------------------------------------ step functions the book quotes


def test_step_functions_refuse_what_they_cannot_do():
    Z = RNG.normal(size=(2, 50))
    with pytest.raises(ValueError, match="max_iter must be an integer >= 1"):
        fastica_deflation(Z, np.eye(2), max_iter=0)
    with pytest.raises(ValueError, match="non-zero rows"):
        fastica_parallel(Z, np.zeros((2, 2)))
    W = RNG.normal(size=(3, 4))
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        contrastive_divergence(BINARY[:5, :4], W, np.zeros(4), np.zeros(3), RNG, k=0)
    with pytest.raises(ValueError, match="0 sample"):
        match_topics(np.zeros((0, 3)), np.eye(3))
    with pytest.raises(ValueError, match="only 1 learned"):
        match_topics(np.ones((1, 3)) / 3, np.eye(3))
    with pytest.raises(ValueError, match="K must be an integer >= 1"):
        kmeans_plusplus(REAL, 0, RNG)
    with pytest.raises(ValueError, match="only -inf"):
        softmax(np.array([[-np.inf, -np.inf], [0.0, 1.0]]))
    np.testing.assert_allclose(softmax(np.array([[-np.inf, 0.0]])), [[0.0, 1.0]])


def test_numerical_gradient_for_fortran_ordered_and_refuses_integer_arrays():
    x = np.asfortranarray(RNG.normal(size=(3, 2)))
    np.testing.assert_allclose(
        nn.numerical_gradient(lambda: float(np.sum(x**3)), x), 3 * x**2, rtol=1e-8
    )
    xi = np.arange(3)
    with pytest.raises(ValueError, match="floating-point"):
        nn.numerical_gradient(lambda: float(np.sum(xi**2)), xi)
    assert (
        nn.layer_gradient_error(nn.Dense(2, 3, random_state=0), np.arange(6).reshape(3, 2)) < 1e-7
    )


# --------------------------------------------------------------- score() where scikit-learn has one


def test_pca_score_is_the_ppca_log_likelihood_of_the_axes():
    N = len(REAL)
    full = PCA(3).fit(REAL)  # q = D: the Gaussian with the (1/N) sample covariance
    expected = multivariate_normal(REAL.mean(axis=0), np.cov(REAL.T, bias=True)).logpdf(REAL)
    np.testing.assert_allclose(full.score_samples(REAL), expected, rtol=1e-10)
    from sklearn.decomposition import PCA as SkPCA

    sk = SkPCA(1).fit(REAL)  # scikit-learn's covariance divides by N - 1
    C = sk.get_covariance() * (N - 1) / N
    expected = multivariate_normal(sk.mean_, C).logpdf(REAL)
    np.testing.assert_allclose(PCA(1).fit(REAL).score_samples(REAL), expected, rtol=1e-8)


def test_lda_score_is_minus_log_perplexity_and_rises_with_training():
    short = LDA(3, max_iter=1, random_state=0).fit(COUNTS)
    long = LDA(3, max_iter=50, random_state=0).fit(COUNTS)
    assert long.score(COUNTS) == pytest.approx(
        -np.log(long.perplexity(COUNTS, method="bound")), rel=1e-12
    )
    assert long.score(COUNTS) > short.score(COUNTS)


# ------------------------------------------------------------------ tags


def test_tags_declare_what_the_models_do():
    from sklearn.utils import get_tags

    assert get_tags(NMF()).input_tags.positive_only
    for model in (PLSA(), LDA(), GibbsLDA()):
        tags = get_tags(model)
        assert tags.input_tags.positive_only and tags.input_tags.sparse
    assert get_tags(GibbsLDA()).non_deterministic and not get_tags(LDA()).non_deterministic
    assert (
        get_tags(PPCA(method="em")).input_tags.allow_nan
        and not get_tags(PPCA()).input_tags.allow_nan
    )
    assert not get_tags(GaussianMixture()).input_tags.allow_nan
    assert (
        get_tags(PCA()).transformer_tags is not None
        and get_tags(GaussianMixture()).transformer_tags is None
    )

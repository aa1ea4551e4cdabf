"""Property tests over scale (1e-150 to 1e150), shape and degenerate data, for every family.

The property (issue 18): an estimator given awkward data either refuses it with a clean
``ValueError`` (saying what to do), or returns finite results, and its objective history
moves the right way (EM/VI never decrease under ``strict_monotonicity``; losses never
increase). Anything else (NaN, inf, a LinAlgError, an objective that goes the wrong way, a
RuntimeWarning from inside the package, which pytest turns into an error) fails.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lvmteach.boltzmann import RBM, BoltzmannMachine
from lvmteach.em import strict_monotonicity
from lvmteach.exceptions import ConvergenceWarning
from lvmteach.factor import PCA, PPCA, FactorAnalysis
from lvmteach.flows import RealNVP
from lvmteach.ica import FastICA
from lvmteach.mixture import BernoulliMixture, DegenerateComponentWarning, GaussianMixture, KMeans
from lvmteach.nmf import NMF
from lvmteach.sparse import DictionaryLearning
from lvmteach.topics import LDA, PLSA, GibbsLDA
from lvmteach.vae import VAE
from lvmteach.variational import BayesianGaussianMixture

SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

KINDS = ["normal", "constant-column", "duplicated-rows", "identical-rows", "one-hot", "zeros"]


@st.composite
def real_data(draw, min_rows=2, nonnegative=False):
    """(N, D) data at a scale 10^e, e in [-150, 150], sometimes degenerate."""
    N = draw(st.integers(min_rows, 12))
    D = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    kind = draw(st.sampled_from(KINDS))
    X = rng.normal(size=(N, D))
    if kind == "constant-column":
        X[:, -1] = 0.1
    elif kind == "duplicated-rows":
        X[N // 2 :] = X[: N - N // 2]
    elif kind == "identical-rows":
        X[:] = X[0]
    elif kind == "one-hot":
        X = np.eye(N, D)
    elif kind == "zeros":
        X[:] = 0.0
    if nonnegative:
        X = np.abs(X)
    return X * 10.0 ** draw(st.integers(-150, 150))


@st.composite
def count_data(draw, max_exponent=150):
    N, V = draw(st.integers(1, 8)), draw(st.integers(1, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.poisson(draw(st.sampled_from([0.05, 1.0, 5.0])), size=(N, V)).astype(float)
    return X * 10.0 ** draw(st.integers(0, max_exponent))


@st.composite
def binary_data(draw):
    N, D = draw(st.integers(1, 10)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = (rng.random((N, D)) < draw(st.sampled_from([0.0, 0.3, 1.0]))).astype(float)
    return X


def _fit_or_refuse(model, X):
    """Fit under strict monotonicity; return the model, or None if it refused with ValueError."""
    try:
        with warnings.catch_warnings(), strict_monotonicity():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", DegenerateComponentWarning)
            return model.fit(X)
    except ValueError as exc:
        assert str(exc), "a ValueError must say what was wrong"
        return None


def _assert_finite_outputs(model, X, *methods):
    for name in methods:
        if not hasattr(model, name):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                out = getattr(model, name)(X)
        except ValueError:
            continue  # e.g. a score that refuses data outside the model's support, cleanly
        assert np.all(np.isfinite(out)), f"{type(model).__name__}.{name} returned non-finite values"


def _check(model, X, methods, increasing=None):
    """The property: refused with a ValueError, or finite outputs and a monotone history."""
    model = _fit_or_refuse(model, X)
    if model is not None:
        _assert_finite_outputs(model, X, *methods)
        if increasing is not None:
            _assert_history(model, increasing)
    return model


def _assert_history(model, increasing):
    history = np.asarray(getattr(model, "history_", []), dtype=float)
    assert np.all(np.isfinite(history))
    if history.size > 1:
        step = np.diff(history) if increasing else -np.diff(history)
        # EM objectives are log-likelihoods per sample: round-off as in em.check_monotone; a
        # loss is compared with its own scale (it may be 1e-300 or 1e300).
        scale = max(1.0, np.max(np.abs(history))) if increasing else np.max(np.abs(history))
        assert np.all(step >= -1e-9 * scale), "the objective went the wrong way"


@pytest.mark.parametrize(
    "make",
    [
        lambda: KMeans(2, n_init=1, max_iter=20, random_state=0),
        lambda: GaussianMixture(2, max_iter=20, random_state=0),
        lambda: BayesianGaussianMixture(2, max_iter=20, random_state=0),
    ],
    ids=["KMeans", "GaussianMixture", "BayesianGaussianMixture"],
)
@SETTINGS
@given(X=real_data())
def test_mixtures_refuse_or_stay_finite_and_monotone(make, X):
    model = make()
    _check(
        model,
        X,
        ("predict", "score_samples", "transform"),
        increasing=not isinstance(model, KMeans),
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: PCA(1),
        lambda: PPCA(1),
        lambda: PPCA(1, method="em", max_iter=100, random_state=0),
        lambda: FactorAnalysis(1, max_iter=100, random_state=0),
    ],
    ids=["PCA", "PPCA", "PPCA-EM", "FactorAnalysis"],
)
@SETTINGS
@given(X=real_data())
def test_factor_models_refuse_or_stay_finite_and_monotone(make, X):
    _check(make(), X, ("transform", "score_samples"), increasing=True)


@SETTINGS
@given(X=real_data(min_rows=3))
def test_fastica_refuses_or_stays_finite(X):
    model = _check(FastICA(max_iter=50, random_state=0), X, ("transform",))
    assert model is None or np.all(np.isfinite(model.components_))


@pytest.mark.parametrize(
    "make",
    [
        lambda: NMF(2, max_iter=50, random_state=0),
        lambda: NMF(2, beta_loss="kullback-leibler", max_iter=50, random_state=0),
        lambda: DictionaryLearning(2, max_iter=5, random_state=0),
    ],
    ids=["NMF-frobenius", "NMF-KL", "DictionaryLearning"],
)
@SETTINGS
@given(X=real_data(nonnegative=True))
def test_factorisations_refuse_or_stay_finite_with_a_loss_that_never_increases(make, X):
    model = _check(make(), X, ("transform",), increasing=False)
    assert model is None or np.all(np.isfinite(model.components_))


@pytest.mark.parametrize(
    "make",
    [lambda: PLSA(2, max_iter=20, random_state=0), lambda: LDA(2, max_iter=10, random_state=0)],
    ids=["PLSA", "LDA"],
)
@SETTINGS
@given(X=count_data())
def test_topic_models_refuse_or_stay_finite_and_monotone(make, X):
    _check(make(), X, ("transform", "score"), increasing=True)


@settings(max_examples=8, deadline=None, derandomize=True)
@given(X=count_data(max_exponent=1))  # a sampler's time grows with the number of tokens
def test_gibbs_lda_refuses_or_stays_finite(X):
    model = _fit_or_refuse(GibbsLDA(2, n_iter=4, random_state=0), X)
    if model is not None:
        assert np.all(np.isfinite(model.components_)) and np.all(
            np.isfinite(model.transform(X, n_iter=4))
        )


@pytest.mark.parametrize(
    "make",
    [
        lambda: BernoulliMixture(2, max_iter=20, random_state=0),
        lambda: BoltzmannMachine(max_iter=5, random_state=0),
        lambda: RBM(3, n_epochs=2, random_state=0),
    ],
    ids=["BernoulliMixture", "BoltzmannMachine", "RBM"],
)
@SETTINGS
@given(X=binary_data())
def test_binary_models_refuse_or_stay_finite(make, X):
    model = make()
    _check(
        model,
        X,
        ("score_samples", "transform", "predict"),
        increasing=True if isinstance(model, BernoulliMixture) else None,
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: VAE(1, (4,), likelihood="gaussian", n_epochs=2, random_state=0),
        lambda: RealNVP(2, (4,), n_epochs=2, random_state=0),
    ],
    ids=["VAE", "RealNVP"],
)
@settings(max_examples=8, deadline=None, derandomize=True)
@given(X=real_data())
def test_neural_models_refuse_or_stay_finite(make, X):
    _check(make(), X, ("transform", "score_samples"))

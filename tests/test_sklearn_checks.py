"""scikit-learn's own estimator checks (``parametrize_with_checks``), run on every estimator.

These are conventions we did not write: clone, get/set_params, pickling, no mutation of the
input or the parameters, determinism, NotFittedError before fit, the number of features,
clear errors for complex, sparse, empty or 1-D input, ``fit_transform == fit().transform()``.

Each estimator gets small settings so the whole module runs in seconds. A check that fails
for a reason that is not a defect is listed in :data:`EXPECTED_FAILURES` with that reason;
no entry hides a real violation (each reason says which domain or design choice the check's
data or assertion conflicts with).
"""

import pickle

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn", minversion="1.6")
from sklearn.base import clone  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from lvmteach.exceptions import NotFittedError  # noqa: E402

from lvmteach.boltzmann import DBN, RBM, BoltzmannMachine  # noqa: E402
from lvmteach.factor import PCA, PPCA, FactorAnalysis  # noqa: E402
from lvmteach.flows import PlanarFlow, RealNVP  # noqa: E402
from lvmteach.hmm import HiddenMarkovModel  # noqa: E402
from lvmteach.ica import FastICA, MaximumLikelihoodICA  # noqa: E402
from lvmteach.lds import LinearDynamicalSystem  # noqa: E402
from lvmteach.mixture import BernoulliMixture, GaussianMixture, KMeans  # noqa: E402
from lvmteach.nmf import NMF  # noqa: E402
from lvmteach.sparse import DictionaryLearning  # noqa: E402
from lvmteach.topics import LDA, PLSA, GibbsLDA  # noqa: E402
from lvmteach.vae import VAE  # noqa: E402
from lvmteach.variational import BayesianGaussianMixture  # noqa: E402

ESTIMATORS = [
    KMeans(n_clusters=2, n_init=1, max_iter=20, random_state=0),
    GaussianMixture(2, max_iter=20, random_state=0),
    BernoulliMixture(2, max_iter=20, random_state=0),
    BayesianGaussianMixture(2, max_iter=20, random_state=0),
    PCA(1),
    PPCA(1),
    PPCA(1, method="em", max_iter=50, random_state=0),
    FactorAnalysis(1, max_iter=50, random_state=0),
    FastICA(max_iter=50, random_state=0),
    MaximumLikelihoodICA(max_iter=50, random_state=0),
    NMF(2, max_iter=50, random_state=0),
    DictionaryLearning(2, max_iter=5, random_state=0),
    PLSA(2, max_iter=20, random_state=0),
    LDA(2, max_iter=10, random_state=0),
    GibbsLDA(2, n_iter=10, random_state=0),
    BoltzmannMachine(max_iter=10, random_state=0),
    RBM(4, n_epochs=2, random_state=0),
    DBN((4, 2), n_epochs=2, random_state=0),
    VAE(1, (4,), likelihood="gaussian", n_epochs=2, random_state=0),
    RealNVP(2, (4,), n_epochs=2, random_state=0),
    PlanarFlow(2, n_iter=20, random_state=0),
    HiddenMarkovModel(2, max_iter=10, random_state=0),
    LinearDynamicalSystem(1, max_iter=10),
]

# Why a check fails without a defect. Each reason names the conflict; the conventions that the
# domain reasons skip are re-checked on valid data by test_conventions_on_domain_data below.
NOT_FITTED = (
    "predict before fit raises lvmteach.exceptions.NotFittedError, an AttributeError and "
    "ValueError like scikit-learn's, but the check wants scikit-learn's own class, which would "
    "make scikit-learn a run-time dependency (the NotFittedError itself is tested in test_base)"
)
BINARY = (
    "domain: binary (0/1) data; the check feeds real-valued data, which fit refuses with a "
    "ValueError saying how to binarise"
)
UNIT_INTERVAL = (
    "domain: data in [0, 1] (binary or probabilities); the check feeds real-valued data, which "
    "fit refuses with a ValueError saying how to rescale"
)
COUNTS = (
    "domain: integer word counts; the check feeds real-valued (or, with positive_only, "
    "non-integer) data, which fit refuses with a ValueError ('pass word counts, not frequencies')"
)
NO_DATA = (
    "PlanarFlow.fit(target) fits q to an unnormalised density given by name or function; it "
    "takes no data X, so checks that fit it on data do not apply"
)
PPCA_NAN = (
    "a fitted PPCA marginalises NaN (missing) entries in transform/score by design, while its "
    "closed-form fit needs complete data; the allow_nan tag cannot say 'in transform only'"
)

# Checks that fit on scikit-learn's real-valued data (the same list for every data domain).
_DATA_CHECKS = [
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_estimators_dtypes",
    "check_dtype_object",
    "check_pipeline_consistency",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
]
_TRANSFORMER_CHECKS = [
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
]
# Sparse-input checks: the topic models accept scipy.sparse counts (tag sparse=True), but the
# sparse matrices these checks build hold non-integer values.
_SPARSE_CHECKS = [
    "check_estimator_sparse_tag",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
]
# The binary models are not positive_only (0/1 is narrower), so the check expects them to
# accept negative data.
_NEGATIVE = ["check_positive_only_tag_during_fit"]


def _all(checks, reason):
    return {check: reason for check in checks}


def _but(checks, *passing):
    return [check for check in checks if check not in passing]


LENGTHS = (
    "sequence model: the second positional argument of fit and score is `lengths`, the lengths of "
    "the sequences stacked in X (hmmlearn's API, which users of HMMs expect), not y; the check "
    "passes y there, which the lengths validation refuses with a ValueError naming it"
)
_SEQUENCE_CHECKS = [
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_dtype_object",
    "check_estimators_dtypes", "check_estimators_fit_returns_self", "check_estimators_nan_inf",
    "check_estimators_overwrite_params", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_fit2d_1feature", "check_fit2d_predict1d",
    "check_fit_check_is_fitted", "check_fit_idempotent", "check_fit_score_takes_y",
    "check_methods_sample_order_invariance", "check_methods_subset_invariance",
    "check_n_features_in", "check_n_features_in_after_fitting", "check_pipeline_consistency",
    "check_readonly_memmap_input", "check_positive_only_tag_during_fit",
]

EXPECTED_FAILURES = {
    "HiddenMarkovModel": {
        "check_estimators_unfitted": NOT_FITTED,
        **_all(_SEQUENCE_CHECKS, LENGTHS),
    },
    "LinearDynamicalSystem": {
        "check_fit2d_1sample": "a time series needs two time steps; the message says so in "
        "those words, not the '1 sample' the check looks for",
        **_all(_SEQUENCE_CHECKS, LENGTHS),
    },
    "KMeans": {"check_estimators_unfitted": NOT_FITTED},
    "GaussianMixture": {"check_estimators_unfitted": NOT_FITTED},
    "BayesianGaussianMixture": {"check_estimators_unfitted": NOT_FITTED},
    "BernoulliMixture": {
        "check_estimators_unfitted": NOT_FITTED,
        **_all(_DATA_CHECKS + _NEGATIVE, BINARY),
    },
    "BoltzmannMachine": _all(_DATA_CHECKS + _NEGATIVE, BINARY),
    # (the checks of dtype object, NaN/inf and fit_score_takes_y pass: their data lie in [0, 1].)
    "RBM": _all(
        _but(
            _DATA_CHECKS,
            "check_dtype_object",
            "check_estimators_nan_inf",
            "check_fit_score_takes_y",
        )
        + _NEGATIVE
        + _TRANSFORMER_CHECKS,
        UNIT_INTERVAL,
    ),
    "DBN": _all(
        _but(
            _DATA_CHECKS,
            "check_dtype_object",
            "check_estimators_nan_inf",
            "check_fit_score_takes_y",
        )
        + _NEGATIVE
        + _TRANSFORMER_CHECKS,
        UNIT_INTERVAL,
    ),
    "PLSA": _all(
        _DATA_CHECKS + _TRANSFORMER_CHECKS + _SPARSE_CHECKS + ["check_transformer_n_iter"], COUNTS
    ),
    "LDA": _all(
        _DATA_CHECKS + _TRANSFORMER_CHECKS + _SPARSE_CHECKS + ["check_transformer_n_iter"], COUNTS
    ),
    "GibbsLDA": _all(_DATA_CHECKS + _TRANSFORMER_CHECKS + _SPARSE_CHECKS, COUNTS),
    "PlanarFlow": _all(
        _DATA_CHECKS
        + _NEGATIVE
        + _SPARSE_CHECKS
        + ["check_complex_data", "check_estimators_empty_data_messages", "check_fit1d"],
        NO_DATA,
    ),
}


def expected_failures(estimator):
    if isinstance(estimator, PPCA) and estimator.method == "closed_form":
        return {"check_estimators_nan_inf": PPCA_NAN}
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# --------------------------------------------------------------- the same conventions on valid data

_rng = np.random.default_rng(0)
_BINARY = (_rng.random((40, 6)) < 0.4).astype(float)
_COUNTS = _rng.poisson(2.0, size=(30, 8)).astype(float)
DOMAIN_MODELS = [
    (BernoulliMixture(2, max_iter=20, random_state=0), _BINARY),
    (BoltzmannMachine(max_iter=10, random_state=0), _BINARY),
    (RBM(4, n_epochs=2, random_state=0), _BINARY),
    (DBN((4, 2), n_epochs=2, random_state=0), _BINARY),
    (PLSA(2, max_iter=20, random_state=0), _COUNTS),
    (LDA(2, max_iter=10, random_state=0), _COUNTS),
    (GibbsLDA(2, n_iter=10, random_state=0), _COUNTS),
]
_OUTPUTS = ("predict", "transform", "score_samples")


def _outputs(model, X):
    return {name: getattr(model, name)(X) for name in _OUTPUTS if hasattr(model, name)}


@pytest.mark.parametrize(
    "model, X", DOMAIN_MODELS, ids=lambda v: type(v).__name__ if hasattr(v, "fit") else ""
)
def test_conventions_on_domain_data(model, X):
    """What the domain-skipped checks test, on binary or count data the model accepts."""
    X_before = X.copy()
    params = clone(model).get_params()
    with pytest.raises(NotFittedError):
        _outputs(clone(model), X)
    fitted = clone(model)
    assert fitted.fit(X) is fitted
    assert np.array_equal(X, X_before)  # fit does not mutate its input
    assert fitted.get_params() == params  # nor its hyperparameters
    out = _outputs(fitted, X)
    assert out
    again = _outputs(clone(model).fit(X), X)  # fit is reproducible given random_state
    restored = _outputs(pickle.loads(pickle.dumps(fitted)), X)
    for name in out:
        np.testing.assert_allclose(again[name], out[name], err_msg=name)
        np.testing.assert_allclose(restored[name], out[name], err_msg=name)
    if hasattr(fitted, "transform"):
        np.testing.assert_allclose(clone(model).fit_transform(X), out["transform"])
    if not isinstance(model, GibbsLDA):  # a sampler draws for the whole batch at once
        perm = np.random.default_rng(1).permutation(len(X))
        for name, value in _outputs(fitted, X[perm]).items():
            np.testing.assert_allclose(value, out[name][perm], atol=1e-12, err_msg=name)
        for name, value in _outputs(fitted, X[:5]).items():
            np.testing.assert_allclose(value, out[name][:5], atol=1e-12, err_msg=name)
    for name in out:
        with pytest.raises(ValueError, match="X has 1 features, but it is expecting"):
            getattr(fitted, name)(X[:, :1])
        with pytest.raises(ValueError, match="Reshape your data"):
            getattr(fitted, name)(X[0])

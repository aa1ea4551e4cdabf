"""The estimator base class: scikit-learn's clone, get_params/set_params, repr."""

import numpy as np
import pytest
from sklearn.base import clone

from lvmteach.base import BaseEstimator, check_is_fitted
from lvmteach.exceptions import NotFittedError
from lvmteach.mixture import BernoulliMixture, GaussianMixture, KMeans

ESTIMATORS = [
    KMeans(n_clusters=3, random_state=1),
    GaussianMixture(n_components=2, covariance_type="diag", reg_covar=1e-4, random_state=0),
    BernoulliMixture(n_components=4, max_iter=7),
]


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_sklearn_clone_gives_equal_unfitted_copy(est):
    twin = clone(est)
    assert twin is not est
    assert twin.get_params() == est.get_params()
    assert not hasattr(twin, "n_iter_")


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_get_params_set_params_round_trip(est):
    params = est.get_params()
    other = type(est)().set_params(**params)
    assert other.get_params() == params


def test_set_params_rejects_unknown_name_listing_valid_ones():
    with pytest.raises(ValueError, match="invalid parameter 'n_clusterz'.*n_clusters"):
        KMeans().set_params(n_clusterz=3)


def test_init_stores_parameters_unchanged():
    init = np.array([[0.0, 1.0]])
    km = KMeans(n_clusters=1, init=init, tol="not validated here")
    assert km.init is init and km.tol == "not validated here"


def test_repr_shows_only_non_default_parameters():
    assert (
        repr(GaussianMixture(n_components=3, random_state=0))
        == "GaussianMixture(n_components=3, random_state=0)"
    )
    assert repr(KMeans()) == "KMeans()"


def test_nested_parameters_reach_inner_estimator():
    class Wrapper(BaseEstimator):
        def __init__(self, inner=None, scale=1.0):
            self.inner = inner
            self.scale = scale

    w = Wrapper(inner=KMeans(n_clusters=2))
    assert w.get_params()["inner__n_clusters"] == 2
    w.set_params(inner__n_clusters=5, scale=2.0)
    assert w.inner.n_clusters == 5 and w.scale == 2.0
    assert clone(w).inner.n_clusters == 5


def test_varargs_init_is_refused():
    class Bad(BaseEstimator):
        def __init__(self, *args):
            self.args = args

    with pytest.raises(TypeError, match="explicitly"):
        Bad().get_params()


def test_methods_before_fit_raise_not_fitted():
    with pytest.raises(NotFittedError, match="call fit"):
        GaussianMixture().predict(np.zeros((3, 2)))
    with pytest.raises(NotFittedError):
        check_is_fitted(KMeans(), "cluster_centers_")


def test_works_in_sklearn_pipeline():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = np.random.default_rng(0).normal(size=(60, 3))
    pipe = make_pipeline(StandardScaler(), GaussianMixture(2, random_state=0)).fit(X)
    assert pipe.predict(X).shape == (60,)
    assert np.isfinite(pipe.score(X))

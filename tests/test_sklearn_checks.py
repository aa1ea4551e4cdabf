"""scikit-learn's own estimator checks (``parametrize_with_checks``), run on every estimator.

These are conventions we did not write: clone, get/set_params, pickling, no mutation of the
input or the parameters, determinism, NotFittedError before fit, the number of features,
clear errors for complex, sparse, empty or 1-D input, ``fit_transform == fit().transform()``.

Each estimator gets small settings so the whole module runs in seconds. A check that fails
for a reason that is not a defect is listed in :data:`EXPECTED_FAILURES` with that reason;
no entry hides a real violation (each reason says which domain or design choice the check's
data or assertion conflicts with).
"""

import pytest

sklearn = pytest.importorskip("sklearn", minversion="1.6")
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from lvmteach.boltzmann import DBN, RBM, BoltzmannMachine  # noqa: E402
from lvmteach.factor import PCA, PPCA, FactorAnalysis  # noqa: E402
from lvmteach.flows import PlanarFlow, RealNVP  # noqa: E402
from lvmteach.ica import FastICA, MaximumLikelihoodICA  # noqa: E402
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
]

EXPECTED_FAILURES = {}


def expected_failures(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)

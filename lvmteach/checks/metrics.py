"""Checks for the exercises of the Applications part (reduce, impute, detect
anomalies, generate).

Each ``check_<name>(fn)`` runs your function on random cases against the
reference in ``lvmteach.metrics`` (or ``lvmteach.mixture.GaussianMixture``
for the conditional Gaussian) and prints what is off, never the expected
values.
"""

import numpy as np

from .. import metrics
from ..mixture import GaussianMixture
from ._harness import run_cases

__all__ = [
    "check_roc_auc",
    "check_roc_curve",
    "check_imputation_rmse",
    "check_gaussian_impute",
    "check_nearest_neighbor_accuracy",
    "check_nearest_neighbor_distance",
]


def _score_cases(seed=0):
    rng = np.random.default_rng(seed)
    cases = []
    for i, (n, ties) in enumerate(
        [(6, False), (40, False), (50, True), (200, True), (9, False)]
    ):
        y = (rng.random(n) < 0.4).astype(int)
        y[:2] = [0, 1]
        scores = rng.normal(size=n) + y
        if ties:
            scores = np.round(scores, 0)  # a handful of levels: many ties
        if i == 4:
            scores = -scores  # a score that does worse than chance
        cases.append(
            (
                f"N={n}"
                + (", tied scores" if ties else "")
                + (", AUC < 0.5" if i == 4 else ""),
                {"y_true": y, "scores": scores},
            )
        )
    return cases


def check_roc_auc(fn, verbose=True):
    """Check ``fn(y_true, scores) -> float``, the area under the ROC curve
    (eq. anom-auc).
    """
    return run_cases(
        fn,
        metrics.roc_auc,
        _score_cases(),
        title="check_roc_auc",
        hint="compare every anomaly with every normal point: count 1 "
        "when the anomaly scores "
        "higher and 1/2 for a tie, then divide by the number of pairs",
        rtol=1e-10,
        atol=1e-12,
        verbose=verbose,
    )


def check_roc_curve(fn, verbose=True):
    """Check ``fn(y_true, scores) -> (fpr, tpr)``: one point per distinct
    score, starting at (0, 0).
    """
    return run_cases(
        fn,
        lambda y_true, scores: metrics.roc_curve(y_true, scores)[:2],
        _score_cases(seed=1),
        title="check_roc_curve",
        hint="sort the scores in decreasing order, take cumulative "
        "counts of anomalies and normal "
        "points, keep only the last position of each run of equal scores, "
        "and prepend (0, 0)",
        rtol=1e-10,
        atol=1e-12,
        verbose=verbose,
    )


def check_imputation_rmse(fn, verbose=True):
    """Check ``fn(X_true, X_imputed, missing) -> float`` (eq. imp-rmse)."""
    rng = np.random.default_rng(2)
    cases = []
    for N, D, frac in [(10, 3, 0.3), (50, 8, 0.1), (5, 4, 0.6)]:
        X = rng.normal(size=(N, D))
        _, missing = metrics.mask_missing(X, frac, random_state=rng)
        # wrong everywhere, observed entries too
        X_imputed = X + rng.normal(size=(N, D))
        cases.append(
            (
                f"N={N}, D={D}, {missing.sum()} hidden",
                {"X_true": X, "X_imputed": X_imputed, "missing": missing},
            )
        )
    return run_cases(
        fn,
        metrics.imputation_rmse,
        cases,
        title="check_imputation_rmse",
        hint="average the squared errors over the hidden entries only "
        "(where missing is True), then take the square root",
        rtol=1e-10,
        verbose=verbose,
    )


def _gaussian_impute(X, mean, cov):
    gm = GaussianMixture(1, covariance_type="full")
    gm.weights_, gm.means_, gm.covariances_ = (
        np.ones(1),
        mean[None, :],
        cov[None, :, :],
    )
    gm.n_features_in_ = len(mean)
    return gm.impute(X)


def check_gaussian_impute(fn, verbose=True):
    """Check ``fn(X, mean, cov) -> X_filled``: NaN entries replaced by
    E[x_m | x_o] under 𝒩(mean, cov).
    """
    rng = np.random.default_rng(3)
    cases = []
    for N, D, frac in [(6, 3, 0.3), (30, 6, 0.4), (8, 5, 0.2)]:
        A = rng.normal(size=(D, D))
        cov = A @ A.T + 0.5 * np.eye(D)
        mean = rng.normal(size=D)
        X = rng.multivariate_normal(mean, cov, size=N)
        X_missing, _ = metrics.mask_missing(X, frac, random_state=rng)
        cases.append(
            (f"N={N}, D={D}", {"X": X_missing, "mean": mean, "cov": cov})
        )
    return run_cases(
        fn,
        _gaussian_impute,
        cases,
        title="check_gaussian_impute",
        hint="condition the Gaussian on each row's observed coordinates "
        "(a solve, not an inverse); keep the observed entries",
        rtol=1e-8,
        atol=1e-10,
        verbose=verbose,
    )


def check_nearest_neighbor_accuracy(fn, verbose=True):
    """Check ``fn(Z, y) -> float``: leave-one-out 1-nearest-neighbour
    accuracy (eq. dr-knn).
    """
    rng = np.random.default_rng(4)
    cases = []
    for N, q, K in [(20, 2, 2), (100, 3, 4), (60, 1, 3)]:
        y = rng.integers(0, K, size=N)
        Z = rng.normal(size=(N, q)) + 1.5 * y[:, None]
        cases.append((f"N={N}, q={q}, {K} classes", {"Z": Z, "y": y}))
    return run_cases(
        fn,
        metrics.nearest_neighbor_accuracy,
        cases,
        title="check_nearest_neighbor_accuracy",
        hint="a point is not its own neighbour: set the diagonal of "
        "the distance matrix to infinity before the argmin",
        rtol=1e-12,
        verbose=verbose,
    )


def check_nearest_neighbor_distance(fn, verbose=True):
    """Check ``fn(X, X_ref) -> (N,)``: Euclidean distance to the nearest row
    of X_ref (eq. gen-nn).
    """
    rng = np.random.default_rng(5)
    cases = []
    for N, M, D in [(5, 7, 2), (40, 30, 6), (10, 1, 3)]:
        X_ref = rng.normal(size=(M, D))
        X = rng.normal(size=(N, D))
        X[0] = X_ref[-1]  # an exact copy: distance 0
        cases.append(
            (
                f"N={N}, M={M}, D={D}, one copy of a reference point",
                {"X": X, "X_ref": X_ref},
            )
        )
    return run_cases(
        fn,
        metrics.nearest_neighbor_distance,
        cases,
        title="check_nearest_neighbor_distance",
        hint="the distance, not its square; the minimum over the rows "
        "of X_ref for each row of X",
        rtol=1e-8,
        atol=1e-7,
        verbose=verbose,
    )

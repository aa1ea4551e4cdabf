"""The Applications exercise checks accept correct answers and reject broken ones."""

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from lvmteach import metrics
from lvmteach.checks.metrics import (
    check_gaussian_impute,
    check_imputation_rmse,
    check_nearest_neighbor_accuracy,
    check_nearest_neighbor_distance,
    check_roc_auc,
    check_roc_curve,
)

# ------------------------------------------------------------------ independent correct answers


def pairs_auc(y_true, scores):
    pos, neg = scores[y_true == 1], scores[y_true == 0]
    diff = pos[:, None] - neg[None, :]
    return np.mean((diff > 0) + 0.5 * (diff == 0))


def loop_roc_curve(y_true, scores):
    fpr, tpr = [0.0], [0.0]
    for t in sorted(set(scores.tolist()), reverse=True):
        flagged = scores >= t
        tpr.append(np.mean(flagged[y_true == 1]))
        fpr.append(np.mean(flagged[y_true == 0]))
    return np.array(fpr), np.array(tpr)


def loop_gaussian_impute(X, mean, cov):
    out = X.copy()
    for n in range(len(X)):
        m = np.isnan(X[n])
        o = ~m
        if m.any():
            out[n, m] = mean[m] + cov[np.ix_(m, o)] @ np.linalg.solve(
                cov[np.ix_(o, o)], X[n, o] - mean[o]
            )
    return out


def cdist_loo_accuracy(Z, y):
    D = cdist(Z, Z)
    np.fill_diagonal(D, np.inf)
    return np.mean(y[D.argmin(axis=1)] == y)


def test_checks_accept_the_package_functions():
    assert check_roc_auc(metrics.roc_auc, verbose=False)
    assert check_roc_curve(
        lambda y_true, scores: metrics.roc_curve(y_true, scores)[:2], verbose=False
    )
    assert check_imputation_rmse(metrics.imputation_rmse, verbose=False)
    assert check_nearest_neighbor_accuracy(metrics.nearest_neighbor_accuracy, verbose=False)
    assert check_nearest_neighbor_distance(metrics.nearest_neighbor_distance, verbose=False)


def test_checks_accept_independent_correct_answers():
    assert check_roc_auc(pairs_auc, verbose=False)
    assert check_roc_curve(loop_roc_curve, verbose=False)
    assert check_imputation_rmse(
        lambda X_true, X_imputed, missing: np.sqrt(np.mean((X_true - X_imputed)[missing] ** 2)),
        verbose=False,
    )
    assert check_gaussian_impute(loop_gaussian_impute, verbose=False)
    assert check_nearest_neighbor_accuracy(cdist_loo_accuracy, verbose=False)
    assert check_nearest_neighbor_distance(
        lambda X, X_ref: cdist(X, X_ref).min(axis=1), verbose=False
    )


def test_check_prints_a_message(capsys):
    check_roc_auc(pairs_auc)
    assert "all 5 cases pass" in capsys.readouterr().out


# ------------------------------------------------------------------ reject


@pytest.mark.parametrize(
    "broken",
    [
        # ties as 0
        lambda y_true, scores: np.mean(scores[y_true == 1][:, None] > scores[y_true == 0][None, :]),
        # ties as 1
        lambda y_true, scores: np.mean(
            scores[y_true == 1][:, None] >= scores[y_true == 0][None, :]
        ),
        # flips bad scores
        lambda y_true, scores: max(pairs_auc(y_true, scores), 1 - pairs_auc(y_true, scores)),
        lambda y_true, scores: pairs_auc(1 - y_true, scores),
    ],
)
def test_check_roc_auc_rejects_broken(broken):
    assert not check_roc_auc(broken, verbose=False)


def no_origin(y_true, scores):
    fpr, tpr = loop_roc_curve(y_true, scores)
    return fpr[1:], tpr[1:]


def one_point_per_sample(y_true, scores):
    order = np.argsort(-scores, kind="mergesort")
    y = y_true[order]
    return np.r_[0, np.cumsum(1 - y) / np.sum(1 - y)], np.r_[0, np.cumsum(y) / np.sum(y)]


@pytest.mark.parametrize(
    "broken",
    [
        no_origin,
        one_point_per_sample,  # wrong with ties
        lambda y_true, scores: loop_roc_curve(y_true, scores)[::-1],  # (tpr, fpr)
        lambda y_true, scores: loop_roc_curve(y_true, -scores),
    ],
)
def test_check_roc_curve_rejects_broken(broken):
    assert not check_roc_curve(broken, verbose=False)


@pytest.mark.parametrize(
    "broken",
    [
        # every entry
        lambda X_true, X_imputed, missing: np.sqrt(np.mean((X_true - X_imputed) ** 2)),
        lambda X_true, X_imputed, missing: np.mean((X_true - X_imputed)[missing] ** 2),  # MSE
        lambda X_true, X_imputed, missing: np.mean(np.abs(X_true - X_imputed)[missing]),  # MAE
        lambda X_true, X_imputed, missing: np.sqrt(
            np.sum((X_true - X_imputed)[missing] ** 2) / X_true.size
        ),
    ],
)
def test_check_imputation_rmse_rejects_broken(broken):
    assert not check_imputation_rmse(broken, verbose=False)


@pytest.mark.parametrize(
    "broken",
    [
        lambda X, mean, cov: np.where(np.isnan(X), mean, X),  # mean imputation
        # ignores correlations
        lambda X, mean, cov: loop_gaussian_impute(X, mean, np.diag(np.diag(cov))),
        lambda X, mean, cov: loop_gaussian_impute(X, mean, cov.T @ cov),
        lambda X, mean, cov: np.nan_to_num(loop_gaussian_impute(X, 0 * mean, cov)),
    ],
)
def test_check_gaussian_impute_rejects_broken(broken):
    assert not check_gaussian_impute(broken, verbose=False)


def self_included_accuracy(Z, y):
    return np.mean(y[cdist(Z, Z).argmin(axis=1)] == y)


@pytest.mark.parametrize(
    "broken",
    [
        self_included_accuracy,  # every point is its own neighbour: accuracy 1
        # second-nearest other point
        lambda Z, y: np.mean(y[np.argsort(cdist(Z, Z), axis=1)[:, 2]] == y),
        lambda Z, y: 1 - cdist_loo_accuracy(Z, y),
    ],
)
def test_check_nearest_neighbor_accuracy_rejects_broken(broken):
    assert not check_nearest_neighbor_accuracy(broken, verbose=False)


@pytest.mark.parametrize(
    "broken",
    [
        lambda X, X_ref: cdist(X, X_ref, "sqeuclidean").min(axis=1),  # squared
        lambda X, X_ref: cdist(X_ref, X).min(axis=0)[::-1],
        lambda X, X_ref: (
            cdist(X, X_ref).min(axis=0) if len(X) == len(X_ref) else cdist(X, X_ref).mean(axis=1)
        ),
        lambda X, X_ref: cdist(X, X_ref, "cityblock").min(axis=1),
    ],
)
def test_check_nearest_neighbor_distance_rejects_broken(broken):
    assert not check_nearest_neighbor_distance(broken, verbose=False)

"""lvmteach.metrics against scikit-learn, SciPy and brute force."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist
from sklearn import metrics as skm
from sklearn.neighbors import KNeighborsClassifier

from lvmteach.metrics import (
    imputation_rmse,
    mask_missing,
    nearest_neighbor_accuracy,
    nearest_neighbor_distance,
    roc_auc,
    roc_curve,
)


def labelled_scores(seed, n=200, ties=False):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    y[:2] = [0, 1]
    scores = rng.normal(size=n) + 1.2 * y
    if ties:
        scores = np.round(scores, 1)
    return y, scores


def brute_force_auc(y, scores):
    """P(score of an anomaly > score of a normal point) + P(tie) / 2, over all pairs."""
    pos, neg = scores[y == 1], scores[y == 0]
    diff = pos[:, None] - neg[None, :]
    return np.mean((diff > 0) + 0.5 * (diff == 0))


# ------------------------------------------------------------------ ROC / AUC


@pytest.mark.parametrize("ties", [False, True])
def test_roc_curve_matches_sklearn(ties):
    y, s = labelled_scores(0, ties=ties)
    fpr, tpr, thr = roc_curve(y, s)
    fpr_sk, tpr_sk, thr_sk = skm.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, fpr_sk, rtol=0, atol=1e-15)
    np.testing.assert_allclose(tpr, tpr_sk, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(thr[1:], thr_sk[1:])
    assert thr[0] == np.inf


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 60), levels=st.integers(1, 8))
def test_roc_auc_matches_sklearn_and_brute_force(seed, n, levels):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    y[:2] = [0, 1]
    s = rng.integers(0, levels, size=n).astype(float)  # few levels: many ties
    auc = roc_auc(y, s)
    assert auc == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert auc == pytest.approx(brute_force_auc(y, s), abs=1e-12)


def test_roc_auc_continuous_scores():
    y, s = labelled_scores(1, n=1000)
    assert roc_auc(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12)
    assert roc_auc(y.astype(bool), s) == roc_auc(y, s)


def test_roc_auc_perfect_reversed_and_constant():
    y = np.array([0, 0, 1, 1])
    assert roc_auc(y, [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert roc_auc(y, [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert roc_auc(y, [3.0, 3.0, 3.0, 3.0]) == 0.5


def test_roc_auc_is_invariant_to_monotone_transforms():
    y, s = labelled_scores(2)
    assert roc_auc(y, np.exp(s)) == pytest.approx(roc_auc(y, s), abs=1e-15)


@pytest.mark.parametrize(
    "y, s, match",
    [
        ([0, 0, 0], [1.0, 2.0, 3.0], "both classes"),
        ([1, 1], [1.0, 2.0], "both classes"),
        ([0, 2, 1], [1.0, 2.0, 3.0], "only 0"),
        ([0, 1, 1], [1.0, 2.0], "one score per label"),
        ([0, 1], [1.0, np.nan], "NaN"),
        ([0, 1], [1.0, np.inf], "infinity"),
        ([[0, 1]], [[1.0, 2.0]], "1-D"),
    ],
)
def test_roc_bad_input_raises(y, s, match):
    with pytest.raises(ValueError, match=match):
        roc_auc(y, s)
    with pytest.raises(ValueError, match=match):
        roc_curve(y, s)


# ------------------------------------------------------------------ mask_missing


def test_mcar_hides_about_the_requested_fraction_and_keeps_values():
    X = np.random.default_rng(0).normal(size=(2000, 10))
    Xm, missing = mask_missing(X, 0.2, random_state=0)
    assert missing.dtype == bool and missing.shape == X.shape
    assert abs(missing.mean() - 0.2) < 0.01  # binomial sd is 0.0028
    np.testing.assert_array_equal(np.isnan(Xm), missing)
    np.testing.assert_array_equal(Xm[~missing], X[~missing])


def test_mcar_is_independent_of_column_and_value():
    X = np.random.default_rng(1).normal(size=(5000, 4))
    _, missing = mask_missing(X, 0.3, random_state=1)
    assert np.all(np.abs(missing.mean(axis=0) - 0.3) < 0.025)
    # missing completely at random: hidden and observed values have the same mean
    assert abs(X[missing].mean() - X[~missing].mean()) < 0.05


def test_mcar_never_hides_a_whole_row():
    X = np.zeros((500, 2))
    _, missing = mask_missing(X, 0.9, random_state=3)
    assert not missing.all(axis=1).any()
    assert missing.sum(axis=1).mean() > 0.95  # almost every row still loses one of its two entries


def test_block_hides_one_contiguous_run_per_row():
    X = np.arange(300.0).reshape(30, 10)
    Xm, missing = mask_missing(X, 0.3, mode="block", random_state=0)
    assert np.all(missing.sum(axis=1) == 3)
    starts = np.argmax(missing, axis=1)
    for row, s in zip(missing, starts):
        np.testing.assert_array_equal(np.flatnonzero(row), np.arange(s, s + 3))
    assert len(np.unique(starts)) > 1  # the position varies


def test_mask_missing_is_reproducible():
    X = np.ones((20, 5))
    a = mask_missing(X, 0.4, random_state=7)[1]
    b = mask_missing(X, 0.4, random_state=np.random.default_rng(7))[1]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, mask_missing(X, 0.4, random_state=8)[1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"fraction": 0.0}, "strictly between 0 and 1"),
        ({"fraction": 1.0}, "strictly between 0 and 1"),
        ({"fraction": "a"}, "strictly between 0 and 1"),
        ({"fraction": 0.2, "mode": "rows"}, "mode must be one of"),
        ({"fraction": 0.01, "mode": "block"}, "between 1 and D - 1"),
        ({"fraction": 0.99, "mode": "block"}, "between 1 and D - 1"),
    ],
)
def test_mask_missing_bad_input_raises(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mask_missing(np.ones((5, 10)), **kwargs)


def test_mask_missing_rejects_data_with_nan():
    with pytest.raises(ValueError, match="NaN"):
        mask_missing([[1.0, np.nan]], 0.5)


# ------------------------------------------------------------------ imputation_rmse


def test_imputation_rmse_counts_only_hidden_entries():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 6))
    _, missing = mask_missing(X, 0.25, random_state=0)
    X_hat = X + 100.0 * ~missing  # the observed entries are wrong, they must not count
    X_hat[missing] += rng.normal(size=missing.sum())
    expected = np.sqrt(skm.mean_squared_error(X[missing], X_hat[missing]))
    assert imputation_rmse(X, X_hat, missing) == pytest.approx(expected, rel=1e-12)
    assert imputation_rmse(X, X, missing) == 0.0


@pytest.mark.parametrize(
    "case, match",
    [
        ("shape", "same shape"),
        ("int_mask", "boolean mask"),
        ("empty_mask", "nothing was hidden"),
        ("nan_left", "still has 1 NaN"),
    ],
)
def test_imputation_rmse_bad_input_raises(case, match):
    X = np.ones((4, 3))
    missing = np.zeros((4, 3), dtype=bool)
    missing[0, 0] = True
    X_hat = X.copy()
    if case == "shape":
        X_hat = np.ones((4, 2))
    elif case == "int_mask":
        missing = missing.astype(int)
    elif case == "empty_mask":
        missing[:] = False
    else:
        X_hat[0, 0] = np.nan
    with pytest.raises(ValueError, match=match):
        imputation_rmse(X, X_hat, missing)


# ------------------------------------------------------------------ nearest neighbours


def test_nearest_neighbor_accuracy_matches_sklearn_on_a_test_set():
    rng = np.random.default_rng(0)
    Z, Z_test = rng.normal(size=(300, 3)), rng.normal(size=(120, 3))
    y, y_test = (
        (Z[:, 0] > 0).astype(int) + (Z[:, 1] > 0),
        (Z_test[:, 0] > 0).astype(int) + (Z_test[:, 1] > 0),
    )
    knn = KNeighborsClassifier(n_neighbors=1).fit(Z, y)
    assert nearest_neighbor_accuracy(Z, y, Z_test=Z_test, y_test=y_test) == pytest.approx(
        knn.score(Z_test, y_test), abs=1e-15
    )


def test_nearest_neighbor_accuracy_leave_one_out_matches_brute_force():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(2500, 2))  # more rows than one chunk
    y = rng.integers(0, 3, size=len(Z))  # labels unrelated to Z: about 1/3 agree
    D = cdist(Z, Z)
    np.fill_diagonal(D, np.inf)
    expected = np.mean(y[np.argmin(D, axis=1)] == y)
    assert nearest_neighbor_accuracy(Z, y) == pytest.approx(expected, abs=1e-15)
    # and not the trivial answer 1.0 that keeping each point as its own neighbour would give
    assert 0.25 < expected < 0.42


def test_nearest_neighbor_accuracy_bad_input_raises():
    Z, y = np.zeros((5, 2)), np.zeros(5)
    with pytest.raises(ValueError, match="one label per row of Z"):
        nearest_neighbor_accuracy(Z, np.zeros(4))
    with pytest.raises(ValueError, match="both Z_test and y_test"):
        nearest_neighbor_accuracy(Z, y, Z_test=Z)
    with pytest.raises(ValueError, match="columns"):
        nearest_neighbor_accuracy(Z, y, Z_test=np.zeros((3, 3)), y_test=np.zeros(3))
    with pytest.raises(ValueError, match="one label per row of Z_test"):
        nearest_neighbor_accuracy(Z, y, Z_test=np.zeros((3, 2)), y_test=np.zeros(2))


def test_nearest_neighbor_distance_matches_scipy():
    rng = np.random.default_rng(2)
    X, X_ref = rng.normal(size=(1500, 5)), rng.normal(size=(400, 5))
    np.testing.assert_allclose(
        nearest_neighbor_distance(X, X_ref), cdist(X, X_ref).min(axis=1), rtol=1e-10, atol=1e-12
    )
    D = cdist(X_ref, X_ref)
    np.fill_diagonal(D, np.inf)
    np.testing.assert_allclose(
        nearest_neighbor_distance(X_ref, X_ref, exclude_self=True), D.min(axis=1), rtol=1e-10
    )
    assert np.all(nearest_neighbor_distance(X_ref, X_ref) == 0.0)  # a copy is memorised


def test_nearest_neighbor_distance_bad_input_raises():
    with pytest.raises(ValueError, match="features"):
        nearest_neighbor_distance(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="X must be X_ref"):
        nearest_neighbor_distance(np.zeros((2, 2)), np.ones((2, 2)), exclude_self=True)
    with pytest.raises(ValueError, match="at least 2 rows"):
        nearest_neighbor_distance(np.zeros((1, 2)), np.zeros((1, 2)), exclude_self=True)

"""Small evaluation tools for the Applications part: ROC/AUC, imputation
error, neighbours.

The chapters "Dimensionality reduction", "Imputation", "Anomaly detection"
and "Data generation" compare the book's models on the same data. What they
compare with lives here, so a reader can reuse it without copying code from
a notebook:

* ``roc_curve`` and ``roc_auc`` turn anomaly scores into a ROC curve and its
  area (eqs.
  (anom-roc) in the chapter "Anomaly detection with density models" and
  (anom-auc));
* ``mask_missing`` hides entries completely at random or in blocks, and
  ``imputation_rmse`` scores an imputation on the hidden entries only (eq.
  (imp-rmse) in the chapter "Imputing missing values");
* ``nearest_neighbor_accuracy`` measures how well a latent space keeps the
  labels together (eq. (dr-knn) in the chapter "Dimensionality reduction:
  one data set, seven models"), and ``nearest_neighbor_distance`` how far
  generated samples lie from the training set (eq. (gen-nn) in the chapter
  "Generating data: samples side by side").

Everything is vectorised NumPy; scikit-learn is used only in the tests, as
the reference.
"""

import numpy as np

from .mixture import squared_distances
from .validation import check_array, check_in, check_random_state

__all__ = [
    "roc_curve",
    "roc_auc",
    "mask_missing",
    "imputation_rmse",
    "nearest_neighbor_accuracy",
    "nearest_neighbor_distance",
]


# --------------------------------------------------------------------------
# ROC curve and AUC (chapter "Anomaly detection")
# --------------------------------------------------------------------------


def _check_labels_scores(y_true, scores):
    y_true = np.asarray(y_true)
    scores = check_array(scores, name="scores", ensure_2d=False)
    if y_true.ndim != 1 or scores.ndim != 1:
        raise ValueError(
            f"y_true and scores must be 1-D, got shapes {y_true.shape} and "
            f"{scores.shape}; "
            "pass one label and one score per sample"
        )
    if y_true.shape != scores.shape:
        raise ValueError(
            f"y_true has {y_true.size} entries but scores has "
            f"{scores.size}; pass one score per label"
        )
    if y_true.dtype == bool:
        y_true = y_true.astype(int)
    if not np.isin(y_true, (0, 1)).all():
        raise ValueError(
            "y_true must hold only 0 (normal) and 1 (anomaly); got the "
            "values "
            f"{np.unique(y_true)[:5].tolist()}"
        )
    n_pos = int(np.sum(y_true == 1))
    if n_pos == 0 or n_pos == y_true.size:
        raise ValueError(
            "y_true must contain both classes (some 0s and some 1s); a ROC "
            "curve is undefined "
            f"with only {'anomalies' if n_pos else 'normal points'}"
        )
    return y_true.astype(int), scores


def roc_curve(y_true, scores):
    """ROC curve of an anomaly score (eq.
    (anom-roc) in the chapter "Anomaly detection with density models").

    A point is flagged as an anomaly when its score is ``>= t``. Sweeping
    the threshold ``t`` down through every distinct score traces the
    false-positive rate (normal points flagged) against the true-positive
    rate (anomalies flagged).

    Parameters
    ----------
    y_true : array of shape (N,)
        1 for an anomaly, 0 for a normal point (bool is accepted).
    scores : array of shape (N,)
        Larger means more anomalous, e.g. the negative log-likelihood
        ``-log p(x_n)``.

    Returns
    -------
    fpr, tpr, thresholds : arrays of shape (T + 1,)
        ``T`` is the number of distinct scores; the first point is (0, 0) at
        ``t = +inf``. The same as ``sklearn.metrics.roc_curve(...,
        drop_intermediate=False)``.
    """
    y_true, scores = _check_labels_scores(y_true, scores)
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], y_true[order]
    # Last index of each run of equal scores: every point with that score is
    # flagged at once.
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    tpr = np.r_[0.0, tp / tp[-1]]
    fpr = np.r_[0.0, fp / fp[-1]]
    return fpr, tpr, np.r_[np.inf, s[last]]


def roc_auc(y_true, scores):
    """Area under the ROC curve (eq.
    (anom-auc) in the chapter "Anomaly detection with density models"), by
    the trapezoidal rule.

    Equals the probability that a random anomaly scores higher than a random
    normal point, counting ties as one half (the Mann-Whitney statistic):
    0.5 is chance, 1 is perfect.
    """
    fpr, tpr, _ = roc_curve(y_true, scores)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1])) / 2.0)


# --------------------------------------------------------------------------
# Missing data (chapter "Imputation")
# --------------------------------------------------------------------------


def mask_missing(X, fraction, *, mode="mcar", random_state=None):
    """Hide entries of ``X`` to test an imputation method; returns
    ``(X_missing, missing)``.

    Parameters
    ----------
    X : array of shape (N, D)
        Complete data.
    fraction : float in (0, 1)
        Share of entries to hide.
    mode : {'mcar', 'block'}
        ``'mcar'``: each entry is hidden independently with probability
        ``fraction`` (missing completely at random); a row that would lose
        every entry keeps one, chosen at random, so every row carries some
        information. ``'block'``: each row loses one run of
        ``L = round(fraction * D)`` consecutive features starting at a
        random position (for the 8x8 digits, a band of pixels in reading
        order), which needs ``1 <= L < D``.
    random_state : None, int or numpy.random.Generator

    Returns
    -------
    X_missing : array of shape (N, D)
        A copy of ``X`` with NaN at the hidden entries.
    missing : bool array of shape (N, D)
        True where an entry was hidden.
    """
    X = check_array(X)
    check_in(mode, "mode", ("mcar", "block"))
    if (
        not isinstance(fraction, (int, float, np.floating))
        or not 0 < fraction < 1
    ):
        raise ValueError(
            "fraction must be a number strictly between 0 and 1, got "
            f"{fraction!r}"
        )
    rng = check_random_state(random_state)
    N, D = X.shape
    if mode == "mcar":
        missing = rng.random((N, D)) < fraction
        full = np.flatnonzero(missing.all(axis=1))
        missing[full, rng.integers(0, D, size=full.size)] = False
    else:
        L = int(round(fraction * D))
        if not 1 <= L < D:
            raise ValueError(
                f"mode='block' hides round(fraction * D) = {L} consecutive "
                "features of each row, "
                f"which must be between 1 and D - 1 = {D - 1}; change "
                "fraction"
            )
        start = rng.integers(0, D - L + 1, size=N)
        cols = np.arange(D)
        missing = (cols >= start[:, None]) & (cols < start[:, None] + L)
    X_missing = X.copy()
    X_missing[missing] = np.nan
    return X_missing, missing


def imputation_rmse(X_true, X_imputed, missing):
    """Root-mean-square error over the hidden entries only (eq.
    (imp-rmse) in the chapter "Imputing missing values").

    ``sqrt(mean over (n, d) with missing[n, d] of (X_imputed[n, d] -
    X_true[n, d])^2)``. The observed entries are not counted: an imputer
    that copies them back would otherwise look better than it is.
    """
    X_true = check_array(X_true, name="X_true")
    X_imputed = check_array(X_imputed, name="X_imputed", allow_nan=True)
    missing = np.asarray(missing)
    if X_imputed.shape != X_true.shape or missing.shape != X_true.shape:
        raise ValueError(
            f"X_true {X_true.shape}, X_imputed {X_imputed.shape} and "
            f"missing {missing.shape} "
            "must have the same shape"
        )
    if missing.dtype != bool:
        raise ValueError(
            "missing must be a boolean mask (True where an entry was "
            "hidden), e.g. np.isnan(X_missing)"
        )
    if not missing.any():
        raise ValueError(
            "missing has no True entry: nothing was hidden, so there "
            "is no error to measure"
        )
    if np.isnan(X_imputed[missing]).any():
        raise ValueError(
            "X_imputed still has "
            f"{int(np.isnan(X_imputed[missing]).sum())} NaN at the hidden "
            "entries; impute every missing entry before scoring"
        )
    return float(
        np.sqrt(np.mean((X_imputed[missing] - X_true[missing]) ** 2))
    )


# --------------------------------------------------------------------------
# Nearest neighbours (chapters "Dimensionality reduction" and "Data
# generation")
# --------------------------------------------------------------------------


def _nearest(Z_query, Z_ref, exclude_self, chunk=1024):
    """Index of and squared distance to the nearest row of Z_ref, for each
    row of Z_query.

    Processes ``chunk`` query rows at a time, so memory stays O(chunk x
    len(Z_ref)).
    """
    index = np.empty(len(Z_query), dtype=int)
    d2_min = np.empty(len(Z_query))
    for start in range(0, len(Z_query), chunk):
        rows = slice(start, start + chunk)
        d2 = squared_distances(Z_query[rows], Z_ref)
        if exclude_self:
            i = np.arange(d2.shape[0])
            d2[i, start + i] = np.inf
        index[rows] = np.argmin(d2, axis=1)
        d2_min[rows] = d2[np.arange(d2.shape[0]), index[rows]]
    return index, d2_min


def nearest_neighbor_accuracy(Z, y, *, Z_test=None, y_test=None):
    """Share of points whose nearest neighbour in a latent space has the
    same label (eq. (dr-knn) in the chapter "Dimensionality reduction: one
    data set, seven models").

    With ``Z_test`` and ``y_test``, each test point is classified by its
    nearest neighbour in ``(Z, y)``. Without them the score is leave-one-out
    on ``Z``: each point's neighbour is the nearest *other* point. The
    distance is Euclidean; ties go to the first point.
    """
    Z = check_array(Z, name="Z", min_samples=2)
    y = np.asarray(y)
    if y.shape != (Z.shape[0],):
        raise ValueError(
            f"y must have shape ({Z.shape[0]},), one label per row of "
            f"Z; got {y.shape}"
        )
    if (Z_test is None) != (y_test is None):
        raise ValueError(
            "pass both Z_test and y_test, or neither (for "
            "leave-one-out on Z)"
        )
    if Z_test is None:
        index, _ = _nearest(Z, Z, exclude_self=True)
        return float(np.mean(y[index] == y))
    Z_test = check_array(Z_test, name="Z_test")
    y_test = np.asarray(y_test)
    if Z_test.shape[1] != Z.shape[1]:
        raise ValueError(
            f"Z_test has {Z_test.shape[1]} columns but Z has "
            f"{Z.shape[1]}; embed both with the same model"
        )
    if y_test.shape != (Z_test.shape[0],):
        raise ValueError(
            f"y_test must have shape ({Z_test.shape[0]},), one label "
            f"per row of Z_test; got {y_test.shape}"
        )
    index, _ = _nearest(Z_test, Z, exclude_self=False)
    return float(np.mean(y[index] == y_test))


def nearest_neighbor_distance(X, X_ref, *, exclude_self=False):
    """Euclidean distance from each row of ``X`` to its nearest row of
    ``X_ref``, shape (N,) (eq.
    (gen-nn) in the chapter "Generating data: samples side by side").

    For generated samples ``X`` and training data ``X_ref``, distances near
    0 mean the model reproduces training points (memorisation); much larger
    distances than between real points mean the samples are off the data.
    ``exclude_self=True`` (which needs ``X`` to be ``X_ref``) skips each
    point itself: the real data's own nearest-neighbour distances, the
    baseline to compare with.
    """
    X = check_array(X, name="X")
    X_ref = check_array(X_ref, name="X_ref")
    if X.shape[1] != X_ref.shape[1]:
        raise ValueError(
            f"X has {X.shape[1]} features but X_ref has "
            f"{X_ref.shape[1]}; compare like with like"
        )
    if exclude_self:
        if X.shape != X_ref.shape or not np.array_equal(X, X_ref):
            raise ValueError(
                "exclude_self=True skips each point itself, so X must "
                "be X_ref"
            )
        if X.shape[0] < 2:
            raise ValueError("exclude_self=True needs at least 2 rows")
    index, _ = _nearest(X, X_ref, exclude_self=exclude_self)
    # The expanded form ‖x‖² − 2xᵀy + ‖y‖² picks the neighbour; the distance
    # itself is recomputed directly so that an exact copy of a training
    # point gives exactly 0.
    return np.sqrt(
        np.einsum("nd,nd->n", X - X_ref[index], X - X_ref[index])
    )

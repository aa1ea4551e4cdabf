"""Clustering and mixture models: k-means, Gaussian mixtures, Bernoulli
mixtures.

The chapters "The EM algorithm" (book/em) and "Mixture models and k-means"
(book/mixtures) derive every function here; each docstring names its
equation. Notation (see the notation page): ``X`` is (N, D), ``K``
components, ``resp`` the (N, K) responsibilities r_nk, ``weights`` the
mixing proportions π_k, ``means`` the μ_k, ``covariances`` the Σ_k and
``prec_chol`` the Cholesky factors of the precisions Λ_k = Σ_k⁻¹.

Shapes of the covariance parameters follow scikit-learn, so that the two can
be compared:

=============== ================= ========================================
covariance_type covariances       meaning
=============== ================= ========================================
``'full'``      (K, D, D)         each component its own covariance matrix
``'tied'``      (D, D)            one covariance matrix for all components
``'diag'``      (K, D)            diagonal covariances
``'spherical'`` (K,)              σ_k² I
=============== ================= ========================================
"""

import warnings

import numpy as np
from scipy import linalg

from .base import BaseEstimator, check_is_fitted
from .em import EMMixin, fit_em
from .numerics import cholesky_or_raise, logsumexp
from .validation import (
    check_array,
    check_binary,
    check_in,
    check_n_features,
    check_positive_int,
    check_positive_scalar,
    check_random_state,
)

__all__ = [
    "KMeans",
    "GaussianMixture",
    "BernoulliMixture",
    "kmeans_plusplus",
    "assign_clusters",
    "update_centers",
    "cluster_sums",
    "two_nearest",
    "gaussian_log_prob",
    "sufficient_statistics",
    "e_step",
    "m_step",
    "map_m_step",
    "inv_wishart_log_pdf",
    "precision_cholesky",
    "bernoulli_log_prob",
    "bernoulli_m_step",
    "full_covariances",
]

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")

# Added to N_k so that an empty component divides by a tiny number, not by
# zero.
_TINY = 10 * np.finfo(np.float64).eps


# --------------------------------------------------------------------------
# k-means (chapter "Mixture models and k-means", section "k-means")
# --------------------------------------------------------------------------


def squared_distances(X, centers):
    """Squared Euclidean distances ``‖x_n − μ_k‖²``, shape (N, K).

    Expands ``‖x‖² − 2 xᵀμ + ‖μ‖²`` so the work is one matrix product; clips
    the tiny negative values round-off can produce.
    """
    d2 = (
        np.einsum("nd,nd->n", X, X)[:, None]
        - 2.0 * (X @ centers.T)
        + np.einsum("kd,kd->k", centers, centers)
    )
    return np.maximum(d2, 0.0, out=d2)


def assign_clusters(X, centers):
    """k-means assignment step (eq.
    (kmeans-assign) in the chapter "Mixture models and k-means"): nearest
    centre for each point.

    Returns ``(labels, inertia)``: labels (N,) and the sum of squared
    distances J.
    """
    d2 = squared_distances(X, centers)
    labels = np.argmin(d2, axis=1)
    return labels, float(d2[np.arange(len(X)), labels].sum())


def update_centers(X, labels, K, centers_old):
    """k-means update step (eq.
    (kmeans-update) in the chapter "Mixture models and k-means"): each
    centre moves to the mean of its points.

    The sums over each cluster's points are one matrix product with the
    one-hot labels (N, K). A cluster that lost all its points keeps its old
    centre here; ``KMeans`` relocates it.
    """
    one_hot = (labels[:, None] == np.arange(K)).astype(X.dtype)
    counts = np.bincount(labels, minlength=K)
    sums = one_hot.T @ X
    centers = centers_old.copy()
    nonempty = counts > 0
    centers[nonempty] = sums[nonempty] / counts[nonempty, None]
    return centers, counts


# Rows per chunk of lloyd_pass: a chunk's scores (K × 8192 × 8 bytes,
# 640 kB for K = 10) stay in the CPU cache, and each of the K steps of
# two_nearest still covers enough numbers that NumPy's fixed cost per
# call is small (measured: 2048 rows were 15% slower at N = 1e5,
# D = K = 10).
_LLOYD_CHUNK = 8192


def cluster_sums(X, labels, K):
    """Sums S_k = Σ_{n: z_n = k} x_n of the update step, shape (K, D).

    Eq. (kmeans-update). One weighted ``bincount`` over the flattened X:
    entry (n, d) goes to bin ``z_n D + d``. It reads X once, in memory
    order, with no copy of Xᵀ and no (N, K) one-hot matrix.
    """
    D = X.shape[1]
    bins = (labels[:, None] * D + np.arange(D)).ravel()
    sums = np.bincount(bins, weights=X.ravel(), minlength=K * D)
    return sums.reshape(K, D)


def two_nearest(S, labels, best, second):
    """Nearest and second-nearest centre from the scores S (K, n).

    The argmin of eq. (kmeans-assign) over the rows of S, one centre at
    a time: writes into ``labels`` (n,) the index of each column's
    smallest score (ties to the lowest k, as ``np.argmin``), into
    ``best`` the smallest score and into ``second`` the second smallest.
    Each of the K steps is a few operations on contiguous vectors of
    length n; NumPy's own reductions along short rows of length K are
    several times slower.
    """
    labels.fill(0)
    np.copyto(best, S[0])
    second.fill(np.inf)
    closer = np.empty(len(best), dtype=bool)
    k_or_0 = np.empty(len(best), dtype=labels.dtype)
    tmp = np.empty(len(best))
    for k in range(1, len(S)):
        # the second smallest so far is min(second, max(best, s_k))
        np.maximum(best, S[k], out=tmp)
        np.minimum(second, tmp, out=second)
        # the label becomes k where s_k < best; all labels so far are
        # < k, so a maximum sets it (faster than a masked copy)
        np.less(S[k], best, out=closer)
        np.multiply(closer, k, out=k_or_0)
        np.maximum(labels, k_or_0, out=labels)
        np.minimum(best, S[k], out=best)


def lloyd_pass(X, centers, labels, x_sq, G, upper, lower):
    """One Lloyd pass over the data: the assignment, and the update's sums.

    Does the work of ``assign_clusters`` followed by the sums of
    ``update_centers``, with three tricks that bring it to the speed of
    compiled code:

    * the distances are needed only up to ``‖x_n‖²``, the same for
      every k, so the argmin is over ``g_kn = ‖μ_k‖² − 2 μ_kᵀx_n``: one
      matrix product with the ``−2 μ_k``, plus ``‖μ_k‖²`` on each row;
    * the rows of X go through in chunks, into the buffer ``G``
      allocated once per fit, so a chunk's scores (K, chunk) stay in
      the cache from the product to ``two_nearest``, and no iteration
      allocates an N × K array;
    * the sums S_k are one weighted ``bincount`` (``cluster_sums``),
      not a product with an N × K one-hot matrix; the inertia then needs
      no pass of its own: ``J = Σ_n ‖x_n‖² + Σ_k (n_k ‖μ_k‖² − 2 μ_kᵀ
      S_k)``.

    Writes the labels into ``labels`` (N,) and returns ``(sums, counts,
    inertia)``, shapes (K, D), (K,) and a float. ``x_sq`` is
    ``Σ_n ‖x_n‖²``. Also writes into ``upper`` and ``lower`` (N,) each
    point's g to its own centre and to the second nearest,
    ``‖x_n − μ‖² − ‖x_n‖²`` (for the bounds of ``KMeans``).
    """
    K = len(centers)
    A = -2.0 * centers
    mu_sq = np.einsum("kd,kd->k", centers, centers)
    chunk = len(G) // K
    for start in range(0, len(X), chunk):
        stop = min(start + chunk, len(X))
        g = G[: K * (stop - start)].reshape(K, stop - start)
        np.matmul(A, X[start:stop].T, out=g)
        g += mu_sq[:, None]
        rows = slice(start, stop)
        two_nearest(g, labels[rows], upper[rows], lower[rows])
    counts = np.bincount(labels, minlength=K).astype(np.float64)
    sums = cluster_sums(X, labels, K)
    inertia = x_sq + float(counts @ mu_sq) - 2.0 * np.vdot(centers, sums)
    return sums, counts, max(float(inertia), 0.0)


def _mean_variance(x_sq, x_sum, N, D):
    """Mean per-feature variance ``(1/D) Σ_d Var(x_d)``: the scale of tol.

    From sums already at hand, ``Σ_n ‖x_n‖²`` and ``Σ_n x_n``:
    ``(Σ_n ‖x_n‖² / N − ‖x̄‖²) / D``, with no pass over X. The
    difference loses digits when the mean dominates the spread; then
    the caller uses ``np.var``.
    """
    x_bar = x_sum / N
    return (x_sq / N - float(x_bar @ x_bar)) / D


def _half_gaps(centers):
    """s_k = ½ min_{j≠k} ‖μ_k − μ_j‖: a point closer than s_k to μ_k has μ_k
    as nearest centre.
    """
    diff = centers[:, None, :] - centers[None, :, :]
    dist = np.sqrt(np.einsum("kjd,kjd->kj", diff, diff))
    np.fill_diagonal(dist, np.inf)
    return 0.5 * dist.min(axis=1) * (1.0 - 1e-12), dist


def _distance_bounds(g_own, g_second, xx, slack):
    """Upper and lower bounds on the distances to the own and the
    second-nearest centre.

    ``g`` from ``lloyd_pass`` is ‖x − μ‖² − ‖x‖², so adding ``xx`` = ‖x‖²
    gives the squared distance up to a round-off of about ε (‖x‖² + ‖μ‖²);
    ``slack`` = 1e-12 times that, added to the upper and taken from the
    lower bound, keeps them bounds (the test then errs on the side of
    recomputing). Works in place on ``g_own`` and ``g_second``.
    """
    g_own += xx
    g_own += slack
    g_second += xx
    g_second -= slack
    np.maximum(g_own, 0.0, out=g_own)
    np.maximum(g_second, 0.0, out=g_second)
    return np.sqrt(g_own, out=g_own), np.sqrt(g_second, out=g_second)


def kmeans_plusplus(X, K, rng, n_local_trials=None):
    """k-means++ seeding (Arthur & Vassilvitskii 2007), greedy as in
    scikit-learn.

    The first centre is a uniformly random point; each next one is drawn
    with probability proportional to the squared distance D(x)² to the
    nearest centre chosen so far. The greedy variant draws ``2 + log K``
    candidates and keeps the one that lowers the inertia most.
    """
    N = X.shape[0]
    K = check_positive_int(K, "K")
    if K > N:
        raise ValueError(
            f"K={K} centres cannot be chosen among N={N} points; decrease K"
        )
    if n_local_trials is None:
        n_local_trials = 2 + int(np.log(K))
    centers = np.empty((K, X.shape[1]))
    centers[0] = X[rng.integers(N)]
    closest = squared_distances(X, centers[:1]).ravel()
    for k in range(1, K):
        potential = closest.sum()
        # fewer distinct points than clusters: any point will do
        if potential <= 0:
            candidates = rng.integers(N, size=n_local_trials)
        else:
            cum = np.cumsum(closest)
            candidates = np.searchsorted(
                cum, rng.uniform(size=n_local_trials) * cum[-1]
            )
            candidates = np.minimum(candidates, N - 1)
        # (trials, N)
        d2 = np.minimum(closest, squared_distances(X, X[candidates]).T)
        best = np.argmin(d2.sum(axis=1))
        centers[k] = X[candidates[best]]
        closest = d2[best]
    return centers


class KMeans(BaseEstimator):
    """k-means clustering by Lloyd's algorithm (chapter "Mixture models and
    k-means").

    Alternates the assignment step ``assign_clusters`` and the update step
    ``update_centers`` until the labels stop changing or the centres move
    less than ``tol`` (relative to the data's variance, as scikit-learn
    does).

    Parameters
    ----------
    n_clusters : int
        K, the number of clusters.
    init : {'k-means++', 'random'} or array of shape (K, D)
        Initial centres: k-means++ seeding, K distinct random data points,
        or given.
    n_init : int or 'auto'
        Number of restarts; the one with the lowest inertia is kept.
        ``'auto'`` means 1 for k-means++ or given centres and 10 for
        ``'random'`` (scikit-learn's rule).
    max_iter : int
        Maximum number of Lloyd iterations per restart.
    tol : float
        Stop when the total squared movement of the centres is below ``tol``
        times the mean per-feature variance of X.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    cluster_centers_ : (K, D)
    labels_ : (N,)
    inertia_ : float
        J, the sum of squared distances to the nearest centre (eq.
        (kmeans-objective)).
    n_iter_ : int
    converged_ : bool
    history_ : (n_iter_,)
        J after each assignment step of the best restart (never increases).
    """

    _estimator_type = "clusterer"

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init="auto",
        max_iter=300,
        tol=1e-4,
        random_state=None,
        batch_size=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.batch_size = batch_size

    def _initial_centers(self, X, K, rng):
        if isinstance(self.init, str):
            check_in(self.init, "init", ("k-means++", "random"))
            if self.init == "k-means++":
                return kmeans_plusplus(X, K, rng)
            return X[rng.choice(X.shape[0], size=K, replace=False)].copy()
        centers = check_array(self.init, name="init")
        if centers.shape != (K, X.shape[1]):
            raise ValueError(
                f"init has shape {centers.shape}, expected "
                f"(n_clusters, n_features) = {(K, X.shape[1])}"
            )
        return centers.copy()

    def fit(self, X, y=None):
        """Cluster ``X`` (N, D); returns self.

        With ``batch_size`` set: mini-batch k-means (``partial_fit``)
        streamed over ``X`` (an array, memory map or ``.npy`` path),
        ``max_iter`` passes at most.
        """
        if self.batch_size is not None:  # chapter "Learning at scale"
            from .online import stream_fit

            return stream_fit(
                self,
                X,
                self.batch_size,
                max_epochs=self.max_iter,
                tol=self.tol,
                objective="batch_score_",
            )
        K = check_positive_int(self.n_clusters, "n_clusters")
        X = check_array(X, min_samples=K)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_positive_scalar(self.tol, "tol", allow_zero=True)
        n_init = self.n_init
        if n_init == "auto":
            n_init = (
                10
                if isinstance(self.init, str) and self.init == "random"
                else 1
            )
        n_init = check_positive_int(n_init, "n_init")
        rng = check_random_state(self.random_state)

        best = None
        xx = np.einsum("nd,nd->n", X, X)  # ‖x_n‖², shared by the restarts
        for _ in range(n_init):
            centers = self._initial_centers(X, K, rng)
            result = self._lloyd(X, centers, max_iter, tol, xx)
            if best is None or result[2] < best[2]:
                best = result
        (
            self.cluster_centers_,
            self.labels_,
            self.inertia_,
            self.n_iter_,
            self.converged_,
            history,
        ) = best
        self.history_ = np.asarray(history)
        self.n_features_in_ = X.shape[1]
        n_distinct = len(np.unique(self.cluster_centers_, axis=0))
        if n_distinct < K:
            from .exceptions import ConvergenceWarning

            warnings.warn(
                f"KMeans found only {n_distinct} distinct cluster(s), "
                f"fewer than n_clusters={K}: X "
                "has too few distinct points, so some centres coincide; "
                "decrease n_clusters",
                ConvergenceWarning,
                stacklevel=2,
            )
        if not self.converged_:
            from .exceptions import ConvergenceWarning

            warnings.warn(
                f"KMeans did not converge in max_iter={max_iter} "
                "iterations; increase max_iter or tol",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    @staticmethod
    def _lloyd(X, centers, max_iter, tol, xx):
        # Lloyd's iterations, exactly (the same labels and centres as
        # assign_clusters and update_centers would give), made fast in two
        # ways:
        # * a full assignment is lloyd_pass: one chunked pass over the data
        #   into buffers allocated once per fit;
        # * most points need no distances at all after the first iterations
        #   (Hamerly 2010): `upper` bounds each point's distance to its
        #   centre and `lower` its distance to every other centre; when the
        #   centres move, the triangle inequality grows `upper` by its
        #   centre's move and shrinks `lower` by the largest move. A point
        #   with upper < max(lower, ½ min_{j≠k} ‖μ_k − μ_j‖) is provably
        #   still nearest to its μ_k. Only the others are reassigned, and
        #   the sums of the update step change only by the points that
        #   moved.
        # `tol` is relative to the mean per-feature variance of X (as in
        # scikit-learn), and `xx` holds the ‖x_n‖².
        K = len(centers)
        N, D = X.shape
        x_sq = float(xx.sum())
        labels, old_labels = np.empty(N, np.intp), np.empty(N, np.intp)
        G = np.empty(min(N, _LLOYD_CHUNK) * K)
        upper, lower = np.empty(N), np.empty(N)
        history = []
        converged = False

        def full_pass(centers):
            sums, counts, inertia = lloyd_pass(
                X, centers, labels, x_sq, G, upper, lower
            )
            _distance_bounds(
                upper,
                lower,
                xx,
                1e-12
                * (xx + np.einsum("kd,kd->k", centers, centers).max()),
            )
            return sums, counts, inertia

        def assign(centers, move, sums, counts):
            """The assignment step for centres that moved by ``move``:
            bounded, or a full pass.
            """
            np.add(upper, move[labels], out=upper)
            np.subtract(lower, move.max(), out=lower)
            half_gap, _ = _half_gaps(centers)
            todo = np.flatnonzero(
                upper >= np.maximum(lower, half_gap[labels])
            )
            # most points to redo: a full pass is cheaper
            if 2 * len(todo) > N:
                np.copyto(old_labels, labels)
                sums, counts, inertia = full_pass(centers)
                return (
                    sums,
                    counts,
                    inertia,
                    not np.array_equal(labels, old_labels),
                )
            mu_sq = np.einsum("kd,kd->k", centers, centers)
            g = (-2.0 * centers) @ X[todo].T
            g += mu_sq[:, None]
            new = np.empty(len(todo), np.intp)
            g_own, g_second = np.empty(len(todo)), np.empty(len(todo))
            two_nearest(g, new, g_own, g_second)
            xt = xx[todo]
            slack = 1e-12 * (xt + mu_sq.max())
            upper[todo], lower[todo] = _distance_bounds(
                g_own, g_second, xt, slack
            )
            moved = new != labels[todo]
            if moved.any():
                rows, old, new = (
                    todo[moved],
                    labels[todo[moved]],
                    new[moved],
                )
                np.add.at(sums, new, X[rows])
                np.subtract.at(sums, old, X[rows])
                counts += np.bincount(new, minlength=K) - np.bincount(
                    old, minlength=K
                )
                labels[rows] = new
            inertia = max(
                x_sq
                + float(counts @ mu_sq)
                - 2.0 * float(np.vdot(centers, sums)),
                0.0,
            )
            return sums, counts, inertia, bool(moved.any())

        sums, counts, inertia = full_pass(centers)
        # Σ_k S_k = Σ_n x_n: the scale of tol comes with the first pass.
        scale = _mean_variance(x_sq, sums.sum(axis=0), N, D)
        if scale <= 1e-8 * x_sq / (N * D):  # the mean dominates: two passes
            scale = float(np.var(X, axis=0).mean())
        tol = tol * scale
        changed = True
        for n_iter in range(1, max_iter + 1):
            history.append(inertia)
            if n_iter > 1 and not changed:
                # strict convergence: the assignment did not change, and
                # labels and inertia are already those of the current
                # centres
                return centers, labels, inertia, n_iter, True, history
            new_centers = centers.copy()
            nonempty = counts > 0
            new_centers[nonempty] = sums[nonempty] / counts[nonempty, None]
            # an empty cluster restarts at the worst-served point
            if not nonempty.all():
                d2 = squared_distances(X, new_centers)[np.arange(N), labels]
                far = np.argsort(d2)[::-1][: int((~nonempty).sum())]
                new_centers[~nonempty] = X[far]
            move = np.sqrt(np.sum((new_centers - centers) ** 2, axis=1))
            shift = float(np.sum(move**2))
            centers = new_centers
            if shift <= tol:
                converged = True
                break
            sums, counts, inertia, changed = assign(
                centers, move, sums, counts
            )
        # Stopped at max_iter, the last assignment was to the final centres
        # already; stopped by tol, they still need one (as bounded as any
        # other).
        if converged:
            _, _, inertia, _ = assign(centers, move, sums, counts)
        return centers, labels, inertia, n_iter, converged, history

    def predict(self, X):
        """Index of the nearest centre for each row of ``X``."""
        check_is_fitted(self, "cluster_centers_")
        X = check_n_features(check_array(X), self.n_features_in_)
        return assign_clusters(X, self.cluster_centers_)[0]

    def fit_predict(self, X, y=None):
        return self.fit(X).labels_

    def transform(self, X):
        """Euclidean distances to every centre, shape (N, K)."""
        check_is_fitted(self, "cluster_centers_")
        X = check_n_features(check_array(X), self.n_features_in_)
        d2 = squared_distances(X, self.cluster_centers_)
        # The expanded form ‖x‖² − 2xᵀμ + ‖μ‖² loses the digits of small
        # distances (a centre is 1e-7 from itself); recompute those few
        # directly.
        scale = np.einsum("nd,nd->n", X, X)[:, None] + np.einsum(
            "kd,kd->k", self.cluster_centers_, self.cluster_centers_
        )
        rows, cols = np.nonzero(d2 <= 1e-8 * scale)
        d2[rows, cols] = np.sum(
            (X[rows] - self.cluster_centers_[cols]) ** 2, axis=1
        )
        return np.sqrt(d2)

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def score(self, X, y=None):
        """Minus the inertia of ``X`` (higher is better, as in
        scikit-learn).
        """
        check_is_fitted(self, "cluster_centers_")
        X = check_n_features(check_array(X), self.n_features_in_)
        return -assign_clusters(X, self.cluster_centers_)[1]

    def partial_fit(self, X, y=None):
        """One mini-batch k-means step on the batch ``X`` (Sculley 2010; eq.
        (minibatch-kmeans) in the chapter "Learning at scale: stochastic and
        online inference").

        Each point of the batch is assigned to its nearest centre; then
        every centre moves towards the mean of its new points with its own
        step ρ_k = b_k / n_k, where b_k points of this batch went to it and
        n_k to it so far. That step makes μ_k the running mean of every
        point ever assigned to it: stochastic approximation with ρ =
        1/count, a Robbins–Monro schedule per centre. The first call seeds
        the centres from the batch (``init``) unless the model is already
        fitted. Returns self.
        """
        K = check_positive_int(self.n_clusters, "n_clusters")
        first = not hasattr(self, "cluster_centers_")
        X = check_array(X, min_samples=K if first else 1)
        if first:
            self._online_rng = check_random_state(self.random_state)
            self.cluster_centers_ = self._initial_centers(
                X, K, self._online_rng
            )
            self.n_features_in_ = X.shape[1]
        X = check_n_features(X, self.n_features_in_)
        # after fit, each centre has counted its points
        if not hasattr(self, "counts_"):
            fitted_labels = getattr(self, "labels_", np.zeros(0, dtype=int))
            self.counts_ = np.bincount(fitted_labels, minlength=K).astype(
                float
            )
        labels, inertia = assign_clusters(X, self.cluster_centers_)
        batch_counts = np.bincount(labels, minlength=K).astype(float)
        batch_sums = np.zeros_like(self.cluster_centers_)
        np.add.at(batch_sums, labels, X)
        seen = batch_counts > 0
        self.counts_ += batch_counts
        # μ_k ← μ_k + (b_k / n_k)(x̄_k − μ_k) = ((n_k − b_k) μ_k + Σ_batch x)
        # / n_k
        self.cluster_centers_[seen] += (
            batch_sums[seen]
            - batch_counts[seen, None] * self.cluster_centers_[seen]
        ) / self.counts_[seen, None]
        # per point, before the update
        self.batch_inertia_ = float(inertia) / X.shape[0]
        self.batch_score_ = -self.batch_inertia_
        self.n_steps_ = getattr(self, "n_steps_", 0) + 1
        return self


# --------------------------------------------------------------------------
# Gaussian mixture: E-step (chapter "The EM algorithm", section "EM for a
# Gaussian mixture")
# --------------------------------------------------------------------------


# A variance below (1000 ε)² of the data's squared range is round-off, not
# spread: the points it describes are equal to within a few hundred ulps.
_RESOLVED_VARIANCE = (1e3 * np.finfo(np.float64).eps) ** 2


def precision_cholesky(covariances, covariance_type, scale=None):
    """Factors ``prec_chol`` with Λ_k = Σ_k⁻¹ = prec_chol_k prec_chol_kᵀ.

    For a full Σ = L Lᵀ (Cholesky), Λ = L⁻ᵀ L⁻¹, so ``prec_chol = L⁻ᵀ``: one
    triangular solve per component, never an explicit inverse. The
    log-density then needs only ``(x − μ)ᵀ prec_chol`` and ``log det
    Λ^{1/2} = Σ_d log prec_chol_dd``.

    ``scale`` (shape (D,), the range of each feature of the training data)
    also refuses a covariance that is positive definite only through
    round-off: a component collapsed onto D or fewer points, where the
    likelihood is unbounded and EM's updates are noise.
    """
    check_in(covariance_type, "covariance_type", COVARIANCE_TYPES)
    hint = (
        "a component has collapsed (too few distinct points, or duplicated "
        "points). Decrease "
        "n_components, increase reg_covar, or scale the data"
    )
    if scale is not None:
        _check_resolved(covariances, covariance_type, scale, hint)
    if covariance_type == "full":
        K, D, _ = covariances.shape
        try:  # all K factorisations in one batched LAPACK call
            L = np.linalg.cholesky(covariances)
        except np.linalg.LinAlgError:
            bad = [
                k
                for k in range(K)
                if not _is_positive_definite(covariances[k])
            ]
            raise ValueError(
                f"the covariance of component {bad[0]} is singular: {hint}"
            ) from None
        # L⁻¹ by forward substitution, L Y = I, one triangular solve per
        # component (O(D³/3) each, against a general LU solve that ignores
        # the zeros of L).
        eye = np.eye(D)
        inv = [
            linalg.solve_triangular(Lk, eye, lower=True, check_finite=False)
            for Lk in L
        ]
        return np.stack(inv).transpose(0, 2, 1)
    if covariance_type == "tied":
        try:
            L = linalg.cholesky(covariances, lower=True, check_finite=False)
        except linalg.LinAlgError:
            raise ValueError(
                f"the shared covariance is singular: {hint}"
            ) from None
        return linalg.solve_triangular(
            L, np.eye(covariances.shape[0]), lower=True, check_finite=False
        ).T
    if np.any(covariances <= 0.0):
        raise ValueError(f"a variance is zero or negative: {hint}")
    return 1.0 / np.sqrt(covariances)


def sufficient_statistics(X):
    """A Gaussian's sufficient statistics T(x_n) = (x_n x_nᵀ, x_n) for every
    row (eq. (gauss-expfam) in the chapter "The EM algorithm").

    Returns an (N, D(D+1)/2 + D) array: the upper triangle of x_n x_nᵀ
    (row-major, diagonal included; x xᵀ is symmetric, so the other half adds
    nothing) followed by x_n. The log-density is linear in T(x), so with T
    computed once per fit each EM step is one matrix product with it:
    ``T @ η`` in the E-step, ``respᵀ @ T`` in the M-step.
    """
    N, D = X.shape
    T = np.empty((N, D * (D + 1) // 2 + D))
    start = 0
    for d in range(D):  # row d of the upper triangle: x_d x_e for e ≥ d
        stop = start + D - d
        np.multiply(X[:, d : d + 1], X[:, d:], out=T[:, start:stop])
        start = stop
    T[:, start:] = X
    return T


def _check_resolved(covariances, covariance_type, scale, hint):
    """Raise if a covariance, in units of each feature's range, has a
    variance below round-off (``_RESOLVED_VARIANCE``); the test is
    invariant to rescaling any feature.
    """
    s = np.where(scale > 0, scale, 1.0)
    if covariance_type in ("full", "tied"):
        C = np.asarray(covariances) / np.multiply.outer(s, s)
        smallest = np.atleast_1d(np.linalg.eigvalsh(C)[..., 0])
    elif covariance_type == "diag":
        smallest = (covariances / s**2).min(axis=1)
    else:
        smallest = covariances / np.mean(s**2)
    bad = np.flatnonzero(~(smallest >= _RESOLVED_VARIANCE))
    if bad.size:
        which = (
            "the shared covariance"
            if covariance_type == "tied"
            else f"the covariance of component {bad[0]}"
        )
        # the variance itself is round-off, so the message gives the bound
        raise ValueError(
            f"{which} is singular to within round-off (a variance below "
            f"{_RESOLVED_VARIANCE:.0e} times the squared range of the "
            f"data): {hint}"
        )


def _is_positive_definite(A):
    try:
        np.linalg.cholesky(A)
        return True
    except np.linalg.LinAlgError:
        return False


def gaussian_log_prob(X, means, prec_chol, covariance_type, T=None):
    """log 𝒩(x_n | μ_k, Σ_k) for all n and k, shape (N, K) (eq.
    (gauss-logpdf) in the chapter "The EM algorithm").

    With y = (x − μ)ᵀ prec_chol, the Mahalanobis term is ‖y‖² and
    log 𝒩 = −½ (D log 2π + ‖y‖²) + Σ_d log prec_chol_dd.

    For ``'full'`` covariances and given ``T = sufficient_statistics(X)``,
    the Mahalanobis terms of all K components come from one matrix product
    instead (eq. (gauss-expfam)): (x − μ)ᵀΛ(x − μ) = tr(Λ x xᵀ) − 2 (Λμ)ᵀx +
    μᵀΛμ = T(x)·η + μᵀΛμ. That form adds large numbers when the data sit far
    from the origin, so pass T only for centred data (as ``GaussianMixture``
    does during ``fit``).
    """
    check_in(covariance_type, "covariance_type", COVARIANCE_TYPES)
    N, D = X.shape
    K = means.shape[0]
    if covariance_type == "full" and T is not None:
        prec = prec_chol @ prec_chol.transpose(0, 2, 1)  # Λ_k
        prec_means = np.einsum("kde,ke->kd", prec, means)  # Λ_k μ_k
        i, j = np.triu_indices(D)
        # η_k: tr(Λ x xᵀ) needs Λ_ij once on the diagonal and twice off it;
        # then −2 Λμ for x.
        eta = np.hstack(
            [prec[:, i, j] * np.where(i == j, 1.0, 2.0), -2.0 * prec_means]
        )
        log_det = np.log(np.diagonal(prec_chol, axis1=1, axis2=2)).sum(
            axis=1
        )
        # All of log 𝒩 in one product: T(x)·(−η/2) plus a constant per
        # component.
        const = (
            -0.5
            * (
                D * np.log(2 * np.pi)
                + np.einsum("kd,kd->k", means, prec_means)
            )
            + log_det
        )
        log_prob = T @ (-0.5 * eta.T) + const
        # The expanded form adds terms as large as ‖prec_cholᵀ x‖² to get a
        # Mahalanobis distance that may be far smaller, so its round-off is
        # about ε‖Λ_k‖ max‖x‖². For a nearly collapsed component (tiny
        # variances) that is no longer negligible: recompute those
        # components with the exact whitened form.
        max_sq_norm = T[:, np.flatnonzero(i == j)].sum(axis=1).max()
        # features of very different scales can overflow this bound to inf,
        # which rightly sends the component to the exact form
        with np.errstate(over="ignore"):
            error = (
                16
                * np.finfo(float).eps
                * np.sum(prec_chol**2, axis=(1, 2))
                * max(max_sq_norm, 1.0)
            )
        inexact = np.flatnonzero(error > 1e-9)
        if inexact.size:
            log_prob[:, inexact] = gaussian_log_prob(
                X, means[inexact], prec_chol[inexact], "full"
            )
        return log_prob
    elif covariance_type == "full":
        # [Λ_1^{1/2} ... Λ_K^{1/2}]
        P = prec_chol.transpose(1, 0, 2).reshape(D, K * D)
        Y = X @ P
        Y -= np.einsum("kd,kde->ke", means, prec_chol).reshape(1, K * D)
        np.square(Y, out=Y)
        # sum over d as a matrix-vector product
        maha = Y.reshape(N * K, D) @ np.ones(D)
        maha = maha.reshape(N, K)
        log_det = np.log(np.diagonal(prec_chol, axis1=1, axis2=2)).sum(
            axis=1
        )
    elif covariance_type == "tied":
        # whiten once with the shared factor, then plain squared distances
        Y = X @ prec_chol
        M = means @ prec_chol
        maha = np.sum((Y[:, None, :] - M[None]) ** 2, axis=2)
        log_det = np.log(np.diag(prec_chol)).sum()
    # diag or spherical: the squared differences directly, so nothing
    # cancels
    else:
        prec = (
            prec_chol**2
            if covariance_type == "diag"
            else (prec_chol**2)[:, None]
        )
        maha = np.einsum(
            "nkd,kd->nk",
            (X[:, None, :] - means[None]) ** 2,
            np.broadcast_to(prec, means.shape),
        )
        log_det = (
            np.log(prec_chol).sum(axis=1)
            if covariance_type == "diag"
            else D * np.log(prec_chol)
        )
    return -0.5 * (D * np.log(2 * np.pi) + maha) + log_det


def e_step(X, weights, means, prec_chol, covariance_type, T=None):
    """The E-step for a Gaussian mixture (eq.
    (gmm-resp) in the chapter "The EM algorithm"), in the log domain.

    Returns ``(log_lik, log_resp)``: the mean log-likelihood (1/N) Σ_n log
    p(x_n | θ) of the current parameters, and log r_nk = log π_k + log
    𝒩(x_n | μ_k, Σ_k) − log p(x_n | θ). The normaliser log p(x_n | θ) is a
    log-sum-exp over k, the only safe way to add densities that can be
    e⁻¹⁰⁰⁰. ``T``: see ``gaussian_log_prob``.
    """
    log_joint = gaussian_log_prob(
        X, means, prec_chol, covariance_type, T
    ) + np.log(weights)
    log_px = logsumexp(log_joint, axis=1)
    log_resp = log_joint - log_px[:, None]
    return float(np.mean(log_px)), log_resp


# --------------------------------------------------------------------------
# Gaussian mixture: M-step (chapter "The EM algorithm", eqs. gmm-nk to
# gmm-cov)
# --------------------------------------------------------------------------


def m_step(X, resp, covariance_type, reg_covar, T=None):
    """The M-step for a Gaussian mixture (eqs.
    (gmm-nk)–(gmm-cov) in the chapter "The EM algorithm").

    N_k = Σ_n r_nk,  π_k = N_k / N,  μ_k = (1/N_k) Σ_n r_nk x_n,
    Σ_k = (1/N_k) Σ_n r_nk (x_n − μ_k)(x_n − μ_k)ᵀ + reg_covar·I.

    The covariances use the shifted identity Σ_k = (1/N_k) Σ_n r_nk (x_n −
    c)(x_n − c)ᵀ − (μ_k − c)(μ_k − c)ᵀ with c the data mean: the sums for
    all K components are then one matrix product with the sufficient
    statistics, respᵀ T, and shifting by c first keeps the subtraction from
    cancelling digits when the data sit far from the origin. Given
    ``T = sufficient_statistics(X)`` of data that are already centred (c =
    0), it is reused. ``reg_covar`` keeps every Σ_k positive definite even
    if a component collapses onto a single point.

    Returns ``(weights, means, covariances)``.
    """
    check_in(covariance_type, "covariance_type", COVARIANCE_TYPES)
    N, D = X.shape
    K = resp.shape[1]
    nk = resp.sum(axis=0) + _TINY
    # not / N: the _TINY would push a single weight above 1
    weights = nk / nk.sum()
    if T is None:  # shift by the data mean c (see above)
        c = X.mean(axis=0)
        X = X - c
    else:
        c = np.zeros(D)
    if covariance_type == "full":
        T = sufficient_statistics(X) if T is None else T
        # (1/N_k) Σ_n r_nk T(x_n), all K at once
        stats = (resp.T @ T) / nk[:, None]
        n_quad = D * (D + 1) // 2
        means_c = stats[:, n_quad:]  # μ_k − c
        i, j = np.triu_indices(D)
        second = np.empty((K, D, D))
        # (1/N_k) Σ_n r_nk x_n x_nᵀ
        second[:, i, j] = second[:, j, i] = stats[:, :n_quad]
        covariances = second - means_c[:, :, None] * means_c[:, None, :]
        # The identity subtracts numbers as large as ‖x − c‖² to get
        # variances that may be far smaller, so its round-off is about ε
        # max‖x − c‖². A component collapsing onto a point or a plane has
        # variances that small: recompute it directly, around its own mean.
        max_sq_norm = T[:, np.flatnonzero(i == j)].sum(axis=1).max()
        tiny = (
            np.linalg.eigvalsh(covariances)[:, 0]
            < 1e3 * np.finfo(float).eps * max_sq_norm
        )
        for k in np.flatnonzero(tiny):
            diff = X - means_c[k]
            covariances[k] = (resp[:, k] * diff.T) @ diff / nk[k]
        return weights, means_c + c, covariances + reg_covar * np.eye(D)
    means_c = (resp.T @ X) / nk[:, None]
    if covariance_type == "tied":
        covariances = (
            X.T @ X - (nk * means_c.T) @ means_c
        ) / nk.sum() + reg_covar * np.eye(D)
    # diag or spherical: weighted squared deviations from each component's
    # own mean
    else:
        covariances = (
            np.einsum(
                "nk,nkd->kd", resp, (X[:, None, :] - means_c[None]) ** 2
            )
            / nk[:, None]
            + reg_covar
        )
        if covariance_type == "spherical":
            covariances = covariances.mean(axis=1)
    return weights, means_c + c, covariances


def map_m_step(X, resp, prior_scale, prior_dof):
    """The MAP M-step with an inverse-Wishart prior IW(Σ_k | Ψ, ν) on every
    full covariance.

    MAP-EM maximises ℓ(θ) + log p(θ); its E-step is unchanged and its M-step
    maximises Q(θ) + Σ_k log IW(Σ_k | Ψ, ν). Only the covariances change
    (eq. (em-map-cov) in the chapter "The EM algorithm"):

        Σ_k = (S_k + Ψ) / (N_k + ν + D + 1),
        S_k = Σ_n r_nk (x_n − μ_k)(x_n − μ_k)ᵀ,

    with weights and means as in ``m_step`` (flat priors on them). Ψ
    (``prior_scale``, D × D, positive definite) keeps every Σ_k positive
    definite, however few points a component has. ``reg_covar`` is *not*
    this update for any fixed prior: S_k/N_k + εI equals it only with ν =
    −D − 1 and Ψ = N_k ε I, a "prior" that moves with N_k at every
    iteration, which is why ``reg_covar`` can (by a hair) break EM's
    monotonicity while MAP-EM cannot.

    Returns ``(weights, means, covariances)``.
    """
    weights, means, covariances = m_step(X, resp, "full", reg_covar=0.0)
    nk = resp.sum(axis=0) + _TINY  # the N_k that m_step divided by
    D = X.shape[1]
    S = covariances * nk[:, None, None]
    return (
        weights,
        means,
        (S + prior_scale) / (nk + prior_dof + D + 1)[:, None, None],
    )


def inv_wishart_log_pdf(covariances, prior_scale, prior_dof):
    """Σ_k log IW(Σ_k | Ψ, ν), the log prior that MAP-EM adds to ℓ (eq.
    (em-map-cov) in the chapter "The EM algorithm").

    log IW(Σ | Ψ, ν) = (ν/2) log|Ψ| − (νD/2) log 2 − log Γ_D(ν/2) − ((ν +
    D + 1)/2) log|Σ| − ½ tr(Ψ Σ⁻¹), with log-determinants and the trace from
    Cholesky factors.
    """
    from scipy.special import multigammaln

    K, D, _ = covariances.shape
    L_psi = linalg.cholesky(prior_scale, lower=True)
    total = K * (
        prior_dof * np.sum(np.log(np.diag(L_psi)))
        - 0.5 * prior_dof * D * np.log(2.0)
    )
    total -= K * multigammaln(0.5 * prior_dof, D)
    for cov in covariances:
        L = linalg.cholesky(cov, lower=True)
        # tr(Ψ Σ⁻¹) = ‖L⁻¹ L_Ψ‖²
        A = linalg.solve_triangular(L, L_psi, lower=True)
        total -= (prior_dof + D + 1) * np.sum(
            np.log(np.diag(L))
        ) + 0.5 * np.sum(A**2)
    return float(total)


# --------------------------------------------------------------------------
# The estimators
# --------------------------------------------------------------------------


class _Mixture(EMMixin, BaseEstimator):
    """What every finite mixture shares: EM fitting, responsibilities,
    scores, sampling.

    (``_estimator_type`` tells scikit-learn these are density estimators.)

    Subclasses implement ``_component_log_prob(X)`` -> (N, K) log p(x_n |
    z_n = k), ``_m_step_from_resp(X, resp)``, ``_check_X(X)``,
    ``_n_parameters()``, ``_get_parameters`` / ``_set_parameters`` and
    ``_sample_component(k, n, rng)``.
    """

    _estimator_type = "density_estimator"

    def _check_hyperparameters(self):
        check_positive_int(self.n_components, "n_components")
        check_in(self.init_params, "init_params", ("kmeans", "random"))

    def _initial_resp(self, X, rng):
        """Responsibilities to start from: one-hot k-means labels, or random
        rows summing to 1.
        """
        N, K = X.shape[0], self.n_components
        if self.init_params == "kmeans":
            labels = KMeans(K, n_init=1, random_state=rng).fit(X).labels_
            resp = np.zeros((N, K))
            resp[np.arange(N), labels] = 1.0
        else:
            resp = rng.uniform(size=(N, K))
            resp /= resp.sum(axis=1, keepdims=True)
        return resp

    def _e_step(self, X):
        log_joint = self._component_log_prob(X) + np.log(self.weights_)
        log_px = logsumexp(log_joint, axis=1)
        return float(np.mean(log_px)), log_joint - log_px[:, None]

    def _m_step(self, X, log_resp):
        self._m_step_from_resp(X, np.exp(log_resp))

    def _fit(self, X):
        fit_em(self, X)
        self.n_features_in_ = X.shape[1]
        nk = np.exp(self._e_step(X)[1]).sum(axis=0)
        collapsed = np.flatnonzero(nk < 1.5)
        if collapsed.size:
            warnings.warn(
                f"{type(self).__name__}: component(s) {collapsed.tolist()} "
                "explain fewer than 1.5 "
                f"points (N_k = {np.round(nk[collapsed], 3).tolist()}); "
                "such a component has "
                "collapsed and its parameters are set by the "
                "regularisation, not the data. "
                "Decrease n_components, increase n_init, or increase the "
                "regulariser",
                DegenerateComponentWarning,
                stacklevel=3,
            )
        return self

    def _validate_X(self, X):
        check_is_fitted(self, "weights_")
        return check_n_features(self._check_X(X), self.n_features_in_)

    def score_samples(self, X):
        """log p(x_n | θ) for each row, shape (N,) (the marginal likelihood,
        eq. (lvm-marginal) in the chapter "Probabilistic latent variable
        models").
        """
        X = self._validate_X(X)
        return logsumexp(
            self._component_log_prob(X) + np.log(self.weights_), axis=1
        )

    def score(self, X, y=None):
        """Mean log-likelihood per sample, (1/N) Σ_n log p(x_n | θ)."""
        return float(np.mean(self.score_samples(X)))

    def predict_proba(self, X):
        """Posterior p(z_n = k | x_n, θ): the responsibilities, shape (N,
        K).
        """
        X = self._validate_X(X)
        return np.exp(self._e_step(X)[1])

    def predict(self, X):
        """Most probable component for each row."""
        return np.argmax(self.predict_proba(X), axis=1)

    def fit_predict(self, X, y=None):
        return self.fit(X).predict(X)

    def bic(self, X):
        """Bayesian information criterion −2 log L + p log N (lower is
        better).
        """
        X = self._validate_X(X)
        return -2.0 * self.score(X) * X.shape[
            0
        ] + self._n_parameters() * np.log(X.shape[0])

    def icl(self, X):
        """Integrated completed likelihood criterion BIC + 2 EN (lower is
        better; eq. (icl) in the chapter "Mixture models and k-means").

        EN = −Σ_n Σ_k r_nk log r_nk is the entropy of the responsibilities
        (the soft form of Biernacki, Celeux and Govaert 2000, who put the
        MAP labels in place of the first r_nk; the two differ little for
        clear clusters): ICL approximates the evidence of the *completed*
        data (X, Z), so on top of BIC's penalty it charges for labels the
        model leaves uncertain, and prefers well-separated clusters to
        components that overlap to fit a non-Gaussian shape.
        """
        X = self._validate_X(X)
        log_resp = self._e_step(X)[1]
        resp = np.exp(log_resp)
        # 0 log 0 = 0
        entropy = -np.sum(resp * np.where(resp > 0, log_resp, 0.0))
        return self.bic(X) + 2.0 * entropy

    def aic(self, X):
        """Akaike information criterion −2 log L + 2p (lower is better)."""
        X = self._validate_X(X)
        return (
            -2.0 * self.score(X) * X.shape[0] + 2.0 * self._n_parameters()
        )

    def sample(self, n_samples=1, random_state=None):
        """Draw from the generative story: z ~ Cat(π), then x | z ~ p(x |
        z).

        Returns ``(X, z)``, sorted by component as scikit-learn does.
        ``random_state`` defaults to the model's own.
        """
        check_is_fitted(self, "weights_")
        n_samples = check_positive_int(n_samples, "n_samples")
        rng = check_random_state(
            self.random_state if random_state is None else random_state
        )
        counts = rng.multinomial(n_samples, self.weights_)
        X = np.vstack(
            [
                self._sample_component(k, n, rng)
                for k, n in enumerate(counts)
            ]
        )
        z = np.repeat(np.arange(self.n_components), counts)
        return X, z

    def partial_fit(self, X, y=None):
        """One step of stepwise EM on the batch ``X`` (eq. (stepwise-em) in
        the chapter "Learning at scale: stochastic and online inference").

        Cappé & Moulines (2009), Liang & Klein (2009): the E-step runs on
        the batch alone and gives ŝ, the batch average of the expected
        sufficient statistics; the running average moves towards it, s ←
        (1 − ρ_t) s + ρ_t ŝ with ρ_t = (τ + t)^(−κ)
        (``lvmteach.online.step_size``), and the M-step maps s to parameters
        exactly as batch EM maps the full-data average. With κ in (0.5, 1]
        this is stochastic approximation (Robbins–Monro) for the fixed point
        of batch EM. The first call starts from ``init_params`` on the batch
        (or from the fitted parameters). Returns self; ``batch_log_lik_`` is
        the batch's mean log-likelihood before the update.
        """
        from .online import check_schedule, step_size, stochastic_average

        self._check_hyperparameters()
        self._check_online_hyperparameters()
        tau, kappa = check_schedule(
            self.learning_offset, self.learning_decay
        )
        fitted = hasattr(self, "weights_")
        X = self._check_X(X)
        if fitted:
            X = check_n_features(X, self.n_features_in_)
        first = not hasattr(self, "_online_stats")
        if first:
            self._online_rng = check_random_state(self.random_state)
            self._online_shift = X.mean(axis=0)
            self.n_steps_ = 0
        if fitted:
            log_lik, log_resp = self._e_step(X)
            resp = np.exp(log_resp)
        else:
            if X.shape[0] < self.n_components:
                raise ValueError(
                    f"the first batch has {X.shape[0]} samples but "
                    f"n_components={self.n_components}"
                )
            log_lik, resp = np.nan, self._initial_resp(X, self._online_rng)
        stats = self._batch_statistics(X - self._online_shift, resp)
        rho = 1.0 if first else step_size(self.n_steps_, tau, kappa)
        self._online_stats = (
            stats
            if first
            else stochastic_average(self._online_stats, stats, rho)
        )
        self._m_step_from_statistics(self._online_stats, self._online_shift)
        self.n_features_in_ = X.shape[1]
        self.batch_log_lik_ = log_lik
        self.n_steps_ += 1
        return self

    def _check_online_hyperparameters(self):
        pass


class DegenerateComponentWarning(UserWarning):
    """A mixture component ended up explaining (almost) no data: it has
    collapsed.
    """


class GaussianMixture(_Mixture):
    """Gaussian mixture fitted by EM (chapters "The EM algorithm", "Mixture
    models and k-means").

    p(x | θ) = Σ_k π_k 𝒩(x | μ_k, Σ_k). The E-step is ``e_step``, the M-step
    ``m_step``; the loop is the shared ``lvmteach.em.fit_em``.

    Parameters
    ----------
    n_components : int
        K.
    covariance_type : {'full', 'tied', 'diag', 'spherical'}
    tol : float
        Stop when the mean log-likelihood changes by less than this.
    reg_covar : float
        Added to the diagonal of every covariance (the floor that stops a
        collapse). The floored M-step is no longer the exact maximiser, so
        near a collapse the likelihood can drop by about ``reg_covar``
        between iterations; with ``reg_covar=0`` EM is exactly monotone (and
        fails loudly on a singular covariance).
    max_iter, n_init : int
        EM iterations per restart and number of restarts (the best is kept).
    init_params : {'kmeans', 'random'}
        Initial responsibilities: one-hot k-means labels or random.
    weights_init, means_init, precisions_init : arrays, optional
        A given starting point. With all three given and ``tol=0`` the fit
        runs exactly ``max_iter`` iterations from there, as scikit-learn's
        ``GaussianMixture`` does.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    weights_ (K,), means_ (K, D), covariances_, precisions_cholesky_,
    precisions_ history_ : (n_iter_,)
        Mean log-likelihood of the parameters before each M-step (never
        decreases).
    lower_bound_ : float
        The last entry of ``history_``. n_iter_, converged_ as usual.
    """

    def __init__(
        self,
        n_components=1,
        *,
        covariance_type="full",
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_init=1,
        init_params="kmeans",
        weights_init=None,
        means_init=None,
        precisions_init=None,
        random_state=None,
        learning_offset=10.0,
        learning_decay=0.7,
        batch_size=None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weights_init = weights_init
        self.means_init = means_init
        self.precisions_init = precisions_init
        self.random_state = random_state
        self.learning_offset = learning_offset
        self.learning_decay = learning_decay
        self.batch_size = batch_size

    def _check_X(self, X):
        return check_array(X)

    def fit(self, X, y=None):
        """Fit by EM; returns self.

        With ``batch_size`` set: stepwise EM (``partial_fit``) streamed over
        ``X`` (an array, memory map or ``.npy`` path), ``max_iter`` passes
        at most, stopping when the mean batch log-likelihood of a pass
        changes by less than ``tol``.
        """
        if self.batch_size is not None:  # chapter "Learning at scale"
            from .online import stream_fit

            return stream_fit(
                self,
                X,
                self.batch_size,
                max_epochs=self.max_iter,
                tol=self.tol,
                objective="batch_log_lik_",
            )
        self._check_hyperparameters()
        check_in(self.covariance_type, "covariance_type", COVARIANCE_TYPES)
        check_positive_scalar(self.reg_covar, "reg_covar", allow_zero=True)
        X = check_array(X, min_samples=max(2, self.n_components))
        if self.n_components > X.shape[0]:
            raise ValueError(
                f"n_components={self.n_components} exceeds the number "
                f"of samples {X.shape[0]}"
            )
        self._check_inits(X.shape[1])
        # EM is translation-equivariant: fit on centred data, so that the
        # sufficient-statistics products of gaussian_log_prob and m_step
        # lose no digits, and shift the means back. Their sufficient
        # statistics are computed once and reused by every step.
        self._center = X.mean(axis=0)
        Xc = X - self._center
        self._fit_data = (
            Xc,
            sufficient_statistics(Xc)
            if self.covariance_type == "full"
            else None,
            np.ptp(Xc, axis=0),
        )
        try:
            self._fit(Xc)
        finally:
            del self._fit_data
        self.means_ = self.means_ + self._center
        del self._center
        return self

    def _statistics_of(self, X):
        """The cached sufficient statistics when X is the (centred) training
        data, else None.
        """
        data = getattr(self, "_fit_data", None)
        return data[1] if data is not None and X is data[0] else None

    def _range_of(self, X):
        """The range of each feature of X (cached for the training data)."""
        data = getattr(self, "_fit_data", None)
        if data is not None and X is data[0]:
            return data[2]
        return np.ptp(X, axis=0)

    def _check_inits(self, D):
        K = self.n_components
        if self.weights_init is not None:
            w = np.asarray(self.weights_init, dtype=float)
            if (
                w.shape != (K,)
                or np.any(w < 0)
                or not np.isclose(w.sum(), 1.0)
            ):
                raise ValueError(
                    f"weights_init must be {K} non-negative numbers "
                    f"summing to 1, got {w}"
                )
        if self.means_init is not None:
            if np.shape(self.means_init) != (K, D):
                raise ValueError(
                    f"means_init must have shape {(K, D)}, got "
                    f"{np.shape(self.means_init)}"
                )
            # finite numbers
            check_array(self.means_init, name="means_init")
        if self.precisions_init is not None:
            expected = {
                "full": (K, D, D),
                "tied": (D, D),
                "diag": (K, D),
                "spherical": (K,),
            }[self.covariance_type]
            if np.shape(self.precisions_init) != expected:
                raise ValueError(
                    f"precisions_init must have shape {expected} for "
                    "covariance_type="
                    f"{self.covariance_type!r}, got "
                    f"{np.shape(self.precisions_init)}"
                )
            prec = check_array(
                np.reshape(self.precisions_init, (1, -1)),
                name="precisions_init",
            )
            prec = prec.reshape(expected)
            if self.covariance_type in ("full", "tied"):
                mats = prec.reshape(-1, D, D)
                bad = [
                    k
                    for k, p in enumerate(mats)
                    if not (
                        np.allclose(p, p.T) and _is_positive_definite(p)
                    )
                ]
            else:
                bad = np.flatnonzero(
                    np.any(prec.reshape(K, -1) <= 0, axis=1)
                ).tolist()
            if bad:
                raise ValueError(
                    "precisions_init must hold symmetric positive definite "
                    "matrices (positive "
                    "numbers for "
                    f"covariance_type={self.covariance_type!r}), the "
                    "inverse "
                    f"covariances; entry {bad[0]} is not"
                )

    def _initialize(self, X, rng):
        given = (self.weights_init, self.means_init, self.precisions_init)
        if any(v is None for v in given):
            self._m_step_from_resp(X, self._initial_resp(X, rng))
        if self.weights_init is not None:
            self.weights_ = np.array(self.weights_init, dtype=float)
        if self.means_init is not None:
            self.means_ = (
                np.array(self.means_init, dtype=float) - self._center
            )
        if self.precisions_init is not None:
            prec = np.array(self.precisions_init, dtype=float)
            if self.covariance_type == "full":
                self.precisions_cholesky_ = np.stack(
                    [linalg.cholesky(p, lower=True) for p in prec]
                )
            elif self.covariance_type == "tied":
                self.precisions_cholesky_ = linalg.cholesky(
                    prec, lower=True
                )
            else:
                self.precisions_cholesky_ = np.sqrt(prec)
            self.covariances_ = _inverse_spd(prec, self.covariance_type)

    def _m_step_from_resp(self, X, resp):
        self.weights_, self.means_, self.covariances_ = m_step(
            X,
            resp,
            self.covariance_type,
            self.reg_covar,
            self._statistics_of(X),
        )
        self.precisions_cholesky_ = precision_cholesky(
            self.covariances_, self.covariance_type, self._range_of(X)
        )

    def _component_log_prob(self, X):
        return gaussian_log_prob(
            X,
            self.means_,
            self.precisions_cholesky_,
            self.covariance_type,
            self._statistics_of(X),
        )

    def _get_parameters(self):
        return (
            self.weights_,
            self.means_,
            self.covariances_,
            self.precisions_cholesky_,
        )

    def _set_parameters(self, params):
        (
            self.weights_,
            self.means_,
            self.covariances_,
            self.precisions_cholesky_,
        ) = params

    def impute(self, X):
        """Fill the NaN entries of ``X`` with their conditional expectation
        under the mixture.

        For a row with observed part x_o and missing part x_m (Bishop §2.3.1
        for one Gaussian):

        E[x_m | x_o] = Σ_k p(k | x_o) (μ_k,m + Σ_k,mo Σ_k,oo⁻¹ (x_o −
        μ_k,o)),

        where p(k | x_o) ∝ π_k 𝒩(x_o | μ_k,o, Σ_k,oo) are the
        responsibilities computed from the observed coordinates alone (the
        marginal of a Gaussian is the sub-vector's Gaussian). Rows are
        processed in groups that share a missing pattern, so the work is
        vectorised over the rows of each group. Rows with nothing missing
        are returned as they are; a row with every entry missing gets the
        mixture mean Σ_k π_k μ_k.
        """
        check_is_fitted(self, "weights_")
        X = check_n_features(
            check_array(X, allow_nan=True), self.n_features_in_
        )
        K, D = self.means_.shape
        covs = full_covariances(
            self.covariances_, self.covariance_type, K, D
        )
        missing = np.isnan(X)
        out = X.copy()
        patterns, group = np.unique(missing, axis=0, return_inverse=True)
        for p, pattern in enumerate(patterns):
            if not pattern.any():
                continue
            rows = np.flatnonzero(group.ravel() == p)
            m, o = pattern, ~pattern
            if not o.any():
                out[np.ix_(rows, m)] = self.weights_ @ self.means_
                continue
            Xo = X[np.ix_(rows, o)]
            log_joint = np.empty((len(rows), K))
            cond_means = np.empty((K, len(rows), int(m.sum())))
            for k in range(K):
                L = cholesky_or_raise(
                    covs[k][np.ix_(o, o)], "observed-block covariance"
                )
                diff = Xo - self.means_[k, o]
                # L⁻¹ (x_o − μ_o)
                y = linalg.solve_triangular(L, diff.T, lower=True)
                log_joint[:, k] = (
                    np.log(self.weights_[k])
                    - 0.5
                    * (o.sum() * np.log(2 * np.pi) + np.sum(y**2, axis=0))
                    - np.log(np.diag(L)).sum()
                )
                # L⁻¹ Σ_om
                gain = linalg.solve_triangular(
                    L, covs[k][np.ix_(o, m)], lower=True
                )
                # μ_m + Σ_mo Σ_oo⁻¹ (x_o − μ_o)
                cond_means[k] = self.means_[k, m] + y.T @ gain
            resp = np.exp(log_joint - logsumexp(log_joint, axis=1)[:, None])
            out[np.ix_(rows, m)] = np.einsum("nk,knd->nd", resp, cond_means)
        return out

    @property
    def precisions_(self):
        """Precision matrices Λ_k = Σ_k⁻¹, in the shape of
        ``covariances_``.
        """
        check_is_fitted(self, "precisions_cholesky_")
        P = self.precisions_cholesky_
        if self.covariance_type == "full":
            return P @ P.transpose(0, 2, 1)
        if self.covariance_type == "tied":
            return P @ P.T
        return P**2

    def _n_parameters(self):
        K, D = self.means_.shape
        cov_params = {
            "full": K * D * (D + 1) / 2,
            "tied": D * (D + 1) / 2,
            "diag": K * D,
            "spherical": K,
        }
        return int(cov_params[self.covariance_type] + K * D + K - 1)

    def _sample_component(self, k, n, rng):
        cov = self.covariances_
        D = self.means_.shape[1]
        if self.covariance_type == "full":
            L = linalg.cholesky(cov[k], lower=True)
        elif self.covariance_type == "tied":
            L = linalg.cholesky(cov, lower=True)
        elif self.covariance_type == "diag":
            L = np.diag(np.sqrt(cov[k]))
        else:
            L = np.sqrt(cov[k]) * np.eye(D)
        return self.means_[k] + rng.standard_normal((n, D)) @ L.T

    def _check_online_hyperparameters(self):
        check_in(self.covariance_type, "covariance_type", COVARIANCE_TYPES)
        check_positive_scalar(self.reg_covar, "reg_covar", allow_zero=True)

    def _batch_statistics(self, Xc, resp):
        """ŝ: batch averages (1/B) Σ_n r_nk T(x_n) of the sufficient
        statistics (eq. (gmm-sstats) in the chapter "Learning at scale:
        stochastic and online inference").

        ``(s0, s1, s2)``: s0_k = mean r_nk, s1_k = mean r_nk x_n, and the
        second moments in the shape the covariance type needs: mean r_nk x_n
        x_nᵀ (full, (K, D, D)), the pooled mean x_n x_nᵀ (tied), mean r_nk
        x_n² (diag and spherical, (K, D)). ``Xc`` is shifted by a fixed
        point c so that the subtraction in the M-step does not cancel
        digits.
        """
        B = Xc.shape[0]
        s0 = resp.mean(axis=0)
        s1 = resp.T @ Xc / B
        if self.covariance_type == "full":
            s2 = np.einsum("nk,nd,ne->kde", resp, Xc, Xc, optimize=True) / B
        elif self.covariance_type == "tied":
            s2 = Xc.T @ Xc / B
        else:
            s2 = resp.T @ Xc**2 / B
        return s0, s1, s2

    def _m_step_from_statistics(self, stats, shift):
        """The M-step as a function of averaged statistics (eqs.
        (gmm-nk)–(gmm-cov) in the chapter "The EM algorithm").

        π_k = s0_k, μ_k = s1_k / s0_k, Σ_k = s2_k / s0_k − μ_k μ_kᵀ (+
        reg_covar); with s the full-data average this is exactly ``m_step``.
        """
        s0, s1, s2 = stats
        nk = s0 + _TINY
        means_c = s1 / nk[:, None]
        D = s1.shape[1]
        if self.covariance_type == "full":
            cov = (
                s2 / nk[:, None, None]
                - means_c[:, :, None] * means_c[:, None, :]
                + self.reg_covar * np.eye(D)
            )
        elif self.covariance_type == "tied":
            cov = (
                s2 - (nk * means_c.T) @ means_c
            ) / nk.sum() + self.reg_covar * np.eye(D)
        else:
            cov = (
                np.maximum(s2 / nk[:, None] - means_c**2, 0.0)
                + self.reg_covar
            )
            if self.covariance_type == "spherical":
                cov = cov.mean(axis=1)
        self.weights_ = nk / nk.sum()
        self.means_ = means_c + shift
        self.covariances_ = cov
        self.precisions_cholesky_ = precision_cholesky(
            cov, self.covariance_type
        )


def full_covariances(
    covariances, covariance_type, n_components, n_features
):
    """Any covariance parameter as a stack of K full (D, D) matrices (for
    plotting and checks).
    """
    covariances = np.asarray(covariances, dtype=float)
    check_in(covariance_type, "covariance_type", COVARIANCE_TYPES)
    if covariance_type == "full":
        return covariances
    if covariance_type == "tied":
        return np.broadcast_to(
            covariances, (n_components, n_features, n_features)
        ).copy()
    if covariance_type == "diag":
        return covariances[:, :, None] * np.eye(n_features)
    return covariances[:, None, None] * np.eye(n_features)


def _inverse_spd(prec, covariance_type):
    """Σ = Λ⁻¹ for given precisions, through a Cholesky solve (no explicit
    inverse).
    """
    if covariance_type in ("diag", "spherical"):
        return 1.0 / prec
    stack = prec[None] if covariance_type == "tied" else prec
    cov = np.stack(
        [
            linalg.cho_solve(linalg.cho_factor(P), np.eye(len(P)))
            for P in stack
        ]
    )
    return cov[0] if covariance_type == "tied" else cov


# --------------------------------------------------------------------------
# Mixture of Bernoullis (chapter "Mixture models and k-means", section
# "Binary data")
# --------------------------------------------------------------------------


def bernoulli_log_prob(X, means):
    """log p(x_n | μ_k) = Σ_d x_nd log μ_kd + (1 − x_nd) log(1 − μ_kd),
    shape (N, K).

    Bishop eq. (9.44); two matrix products for all n and k.
    """
    return X @ np.log(means).T + (1.0 - X) @ np.log1p(-means).T


def bernoulli_m_step(X, resp, eps):
    """M-step for the Bernoulli mixture (Bishop eqs. 9.59-9.60): π_k =
    N_k/N, μ_k = Σ_n r_nk x_n / N_k.

    Means are clipped to [eps, 1 − eps]: a pixel that is 0 in every image of
    a component would otherwise get μ_kd = 0 and any new image with that
    pixel on would have probability exactly zero (log-likelihood −∞).
    """
    nk = resp.sum(axis=0) + _TINY
    means = np.clip((resp.T @ X) / nk[:, None], eps, 1.0 - eps)
    return nk / nk.sum(), means


class BernoulliMixture(_Mixture):
    """Mixture of multivariate Bernoulli distributions for binary data,
    fitted by EM.

    p(x | θ) = Σ_k π_k Π_d μ_kd^{x_d} (1 − μ_kd)^{1 − x_d} (Bishop §9.3.3).
    Rejects non-binary input.

    Parameters
    ----------
    n_components : int
    tol, max_iter, n_init, init_params, random_state
        As in ``GaussianMixture`` (``init_params`` defaults to ``'random'``,
        as in Bishop's experiment).
    eps : float
        Clip the means to [eps, 1 − eps] (see ``bernoulli_m_step``).

    Attributes
    ----------
    weights_ (K,), means_ (K, D), history_, lower_bound_, n_iter_,
    converged_
    """

    def __init__(
        self,
        n_components=1,
        *,
        tol=1e-4,
        max_iter=200,
        n_init=1,
        init_params="random",
        eps=1e-10,
        random_state=None,
        learning_offset=10.0,
        learning_decay=0.7,
        batch_size=None,
    ):
        self.n_components = n_components
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.eps = eps
        self.random_state = random_state
        self.learning_offset = learning_offset
        self.learning_decay = learning_decay
        self.batch_size = batch_size

    def _check_X(self, X):
        return check_binary(check_array(X))

    def fit(self, X, y=None):
        """Fit by EM; returns self (with ``batch_size`` set: streamed
        stepwise EM, as in ``GaussianMixture.fit``)."""
        if self.batch_size is not None:  # chapter "Learning at scale"
            from .online import stream_fit

            return stream_fit(
                self,
                X,
                self.batch_size,
                max_epochs=self.max_iter,
                tol=self.tol,
                objective="batch_log_lik_",
            )
        self._check_hyperparameters()
        if not 0 < check_positive_scalar(self.eps, "eps") < 0.5:
            raise ValueError(
                "eps must lie in (0, 0.5): the means are clipped to "
                f"[eps, 1 - eps]; got {self.eps!r}"
            )
        X = self._check_X(X)
        if X.shape[0] < self.n_components:
            raise ValueError(
                f"X has {X.shape[0]} samples but "
                f"n_components={self.n_components}; need at least as "
                "many samples"
            )
        return self._fit(X)

    def _initialize(self, X, rng):
        self._m_step_from_resp(X, self._initial_resp(X, rng))

    def _m_step_from_resp(self, X, resp):
        self.weights_, self.means_ = bernoulli_m_step(X, resp, self.eps)

    def _component_log_prob(self, X):
        return bernoulli_log_prob(X, self.means_)

    def _get_parameters(self):
        return (self.weights_, self.means_)

    def _set_parameters(self, params):
        self.weights_, self.means_ = params

    def _n_parameters(self):
        K, D = self.means_.shape
        return K * D + K - 1

    def _sample_component(self, k, n, rng):
        return (
            rng.uniform(size=(n, self.means_.shape[1])) < self.means_[k]
        ).astype(np.float64)

    def _check_online_hyperparameters(self):
        check_positive_scalar(self.eps, "eps")

    def _batch_statistics(self, Xc, resp):
        """ŝ = (mean r_nk, mean r_nk x_n) over the batch (Bishop eqs.
        9.59-9.60 before dividing).
        """
        return resp.mean(axis=0), resp.T @ Xc / Xc.shape[0]

    def _m_step_from_statistics(self, stats, shift):
        """π_k = s0_k, μ_k = s1_k / s0_k clipped to [eps, 1 − eps] (see
        ``bernoulli_m_step``).
        """
        s0, s1 = stats
        nk = s0 + _TINY
        self.weights_ = nk / nk.sum()
        self.means_ = np.clip(
            s1 / nk[:, None] + shift, self.eps, 1.0 - self.eps
        )

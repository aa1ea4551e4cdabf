"""Independent component analysis: whitening, FastICA, and ICA by maximum
likelihood.

The chapter "Independent component analysis" (book/ica) derives every
function here; each docstring names its equation. ICA is a latent variable
model with *non-Gaussian* latents:

    x = A s (+ mean),   s = (s_1, ..., s_K),
    with independent, non-Gaussian s_k,

and learning it means finding an unmixing matrix B ≈ A⁻¹ so that the sources
``S = X Bᵀ`` are as independent as possible. Notation (see the notation
page): ``X`` is (N, D), ``K`` components, ``Z`` the whitened data (stored K
× N, one *row* per whitened coordinate, which keeps every product of the
fixed-point iteration a contiguous matrix product), ``W`` the K × K
orthogonal unmixing matrix acting on whitened data, ``Y = W Z`` the current
sources.

Conventions follow scikit-learn's ``FastICA(whiten='unit-variance')`` so
that the two can be compared from the same ``w_init``: the whitened data are
identical (same PCA, same sign convention), the fixed-point updates are the
same, and ``components_``, ``mixing_`` and ``mean_`` agree to round-off. One
difference is deliberate: our ``whitening_`` is the matrix that really
whitens, ``cov((X − mean_) @ whitening_.T) = I``; scikit-learn stores it
divided by √N (it multiplies the whitened data by √N afterwards).
"""

import warnings

import numpy as np
from scipy import linalg, optimize

from .base import BaseEstimator, check_is_fitted
from .exceptions import ConvergenceWarning
from .validation import (
    check_array,
    check_in,
    check_option,
    check_n_features,
    check_positive_int,
    check_positive_scalar,
    check_random_state,
)

__all__ = [
    "FastICA",
    "MaximumLikelihoodICA",
    "whitening_matrix",
    "symmetric_decorrelation",
    "g_logcosh",
    "g_exp",
    "g_cube",
    "negentropy",
    "fastica_update",
    "fastica_parallel",
    "fastica_deflation",
    "amari_index",
    "align_sources",
    "log_sech_density",
    "log_likelihood",
    "log_likelihood_grad",
    "natural_gradient",
    "stability_kappa",
]

FUNS = ("logcosh", "exp", "cube")
ALGORITHMS = ("parallel", "deflation")


# --------------------------------------------------------------------------
# Whitening (section "Whitening")
# --------------------------------------------------------------------------


def whitening_matrix(X, K):
    """Mean, whitening and de-whitening matrices of ``X`` (N, D) onto K
    dimensions (eq.
    (ica-whiten) in the chapter "Independent component analysis").

    With the sample covariance C = (1/N) Σ_n (x_n − x̄)(x_n − x̄)ᵀ = U Λ Uᵀ
    (eigenvalues in decreasing order), the whitening matrix is V =
    Λ_K^{-1/2} U_Kᵀ (K, D): the whitened data z_n = V (x_n − x̄) have
    identity covariance. The de-whitening matrix U_K Λ_K^{1/2} (D, K) maps
    them back (it is V's pseudo-inverse).

    The eigenvectors are signed so that the first entry of each is
    non-negative, the convention scikit-learn uses to make its SVD and eigh
    solvers agree. We diagonalise the D × D covariance rather than take the
    SVD of the N × D data: the same result in O(N D²) with a small constant,
    which is what makes whitening cheap when N ≫ D.

    Returns ``(mean, V, V_pinv, Xc)`` where ``Xc = X − mean`` (N, D) is
    returned to save a copy.

    Raises ``ValueError`` if the covariance has fewer than K clearly
    positive eigenvalues (constant or collinear columns): whitening would
    divide by zero.
    """
    N, D = X.shape
    mean = X.mean(axis=0)
    Xc = X - mean
    cov = (Xc.T @ Xc) / N
    eigvals, U = linalg.eigh(cov, check_finite=False)
    eigvals, U = eigvals[::-1][:K], U[:, ::-1][:, :K]
    floor = (
        np.finfo(np.float64).eps
        * D
        * 1e3
        * max(eigvals[0], np.finfo(np.float64).tiny)
    )
    if eigvals[0] <= 0 or eigvals[-1] <= floor:
        rank = int(np.sum(eigvals > floor))
        raise ValueError(
            f"cannot whiten: the data covariance has only {rank} clearly "
            "positive eigenvalue(s) "
            f"among the {K} needed (constant or collinear columns make it "
            "singular); remove "
            "constant or duplicated columns, or decrease n_components to "
            f"at most {rank}"
        )
    U = U * np.where(U[0] < 0, -1.0, 1.0)
    sqrt_eig = np.sqrt(eigvals)
    V = U.T / sqrt_eig[:, None]
    V_pinv = U * sqrt_eig
    return mean, V, V_pinv, Xc


def symmetric_decorrelation(W):
    """W ← (W Wᵀ)^{-1/2} W, the orthogonal matrix closest to W (eq.
    (ica-symdecor) in the chapter "Independent component analysis").

    Computed from the eigendecomposition W Wᵀ = E diag(s) Eᵀ, clipping s at
    the smallest positive float so that round-off cannot produce a square
    root of a negative number.
    """
    s, E = linalg.eigh(W @ W.T, check_finite=False)
    s = np.maximum(s, np.finfo(np.float64).tiny)
    return (E / np.sqrt(s)) @ (E.T @ W)


# --------------------------------------------------------------------------
# Contrast functions (section "Measuring non-Gaussianity")
# --------------------------------------------------------------------------


def g_logcosh(Y):
    """g(y) = tanh(y), the derivative of G(y) = log cosh y, and the mean of
    g'(y) = 1 − tanh²(y).

    ``Y`` is (K, N) or (N,); returns ``(g(Y), mean of g'(Y) over the last
    axis)``. ``Y`` is overwritten (tanh is applied in place, which saves a K
    × N temporary).
    """
    gY = np.tanh(Y, out=Y)
    if gY.ndim == 1:
        return gY, 1.0 - np.einsum("n,n->", gY, gY) / gY.shape[0]
    return gY, 1.0 - np.einsum("kn,kn->k", gY, gY) / gY.shape[1]


def g_exp(Y):
    """g(y) = y exp(−y²/2), the derivative of G(y) = −exp(−y²/2), and the
    mean of g'(y) = (1 − y²) exp(−y²/2).
    """
    Y2 = Y * Y
    e = np.exp(-0.5 * Y2)
    return Y * e, ((1.0 - Y2) * e).mean(axis=-1)


def g_cube(Y):
    """g(y) = y³, the derivative of G(y) = y⁴/4 (kurtosis), and the mean of
    g'(y) = 3y².
    """
    Y2 = Y * Y
    return Y2 * Y, 3.0 * Y2.mean(axis=-1)


_G = {"logcosh": g_logcosh, "exp": g_exp, "cube": g_cube}

# G itself, for the negentropy approximation (eq.
# :eq:`ica-negentropy-approx`).
_CONTRAST = {
    "logcosh": lambda y: (
        np.abs(y) + np.log1p(np.exp(-2.0 * np.abs(y))) - np.log(2.0)
    ),
    "exp": lambda y: -np.exp(-0.5 * y * y),
    "cube": lambda y: 0.25 * y**4,
}
# E G(ν) for a standard normal ν (exp and cube in closed form; logcosh by
# quadrature, see tests).
_GAUSS_MEAN = {
    "logcosh": 0.374567207491438,
    "exp": -1.0 / np.sqrt(2.0),
    "cube": 0.75,
}


def negentropy(Y, fun="logcosh"):
    """Approximate negentropy J(y) ∝ (E G(y) − E G(ν))² of each row of ``Y``
    (eq. (ica-negentropy-approx) in the chapter "Independent component
    analysis").

    ``Y`` is (K, N) with rows of zero mean and unit variance; ν is a
    standard normal. Larger means further from Gaussian; it is 0 (up to
    sampling error) for Gaussian rows.
    """
    check_in(fun, "fun", FUNS)
    Y = np.atleast_2d(Y)
    return (_CONTRAST[fun](Y).mean(axis=1) - _GAUSS_MEAN[fun]) ** 2


# --------------------------------------------------------------------------
# The fixed-point iteration (section "FastICA")
# --------------------------------------------------------------------------


def fastica_update(W, Z, fun="logcosh"):
    """One parallel FastICA step (eq.
    (ica-fixed-point) in the chapter "Independent component analysis"), then
    symmetric decorrelation.

    For every row w_k of ``W`` (K, K) at once, with y = w_kᵀ z: w_k⁺ = E[z
    g(y)] − E[g'(y)] w_k; then W⁺ ← (W⁺ W⁺ᵀ)^{-1/2} W⁺ (eq. (ica-symdecor)).
    ``Z`` is the whitened data, shape (K, N).
    """
    N = Z.shape[1]
    gY, dg_mean = check_option(fun, "fun", _G)(W @ Z)
    return symmetric_decorrelation((gY @ Z.T) / N - dg_mean[:, None] * W)


def _check_w_init(w_init, K, full_rank=False):
    """``w_init`` (K, K) as floats; a zero row (or a singular matrix, for
    the symmetric decorrelation) gives no direction to start from and would
    come out as zeros or NaN."""
    w_init = check_array(w_init, name="w_init")
    if w_init.shape != (K, K):
        raise ValueError(
            f"w_init has shape {w_init.shape}, expected "
            f"(n_components, n_components) = {(K, K)}"
        )
    singular = (
        np.linalg.matrix_rank(w_init) < K
        if full_rank
        else not np.all(np.linalg.norm(w_init, axis=1) > 0)
    )
    if singular:
        raise ValueError(
            "w_init must have linearly independent, non-zero rows (a "
            "starting direction per "
            "component); pass w_init=None for a random start"
        )
    return w_init


def fastica_parallel(Z, w_init, fun="logcosh", max_iter=200, tol=1e-4):
    """Parallel (symmetric) FastICA on whitened ``Z`` (K, N) from ``w_init``
    (K, K) (algorithm alg-fastica).

    Iterates ``fastica_update`` until every row stops turning: max_k (1 −
    |w_k⁺ᵀ w_k|) < tol. Returns ``(W, n_iter, converged,
    history)`` where ``history`` holds that change after each iteration.
    ``max_iter >= 1``; ``w_init`` must have full rank.
    """
    max_iter = check_positive_int(max_iter, "max_iter")
    check_option(fun, "fun", _G)
    W = symmetric_decorrelation(
        _check_w_init(w_init, Z.shape[0], full_rank=True)
    )
    history = []
    converged = False
    for _ in range(max_iter):
        W_new = fastica_update(W, Z, fun)
        change = float(
            np.max(np.abs(np.abs(np.einsum("ij,ij->i", W_new, W)) - 1.0))
        )
        history.append(change)
        W = W_new
        if change < tol:
            converged = True
            break
    return W, len(history), converged, np.asarray(history)


def fastica_deflation(Z, w_init, fun="logcosh", max_iter=200, tol=1e-4):
    """Deflationary FastICA: one component at a time, each kept orthogonal
    to the previous ones.

    Component j iterates the one-unit update (eq.
    (ica-fixed-point) in the chapter "Independent component analysis"), then
    removes its projection on the rows found so far (Gram–Schmidt, eq.
    (ica-deflation)) and renormalises. Returns ``(W, n_iter, converged,
    history)``: ``n_iter`` is the largest number of iterations any component
    needed, ``converged`` whether all met ``tol``, and ``history[i]`` the
    largest change among the components still iterating at step i.
    ``max_iter >= 1``; each row of ``w_init`` must be non-zero.
    """
    max_iter = check_positive_int(max_iter, "max_iter")
    g = check_option(fun, "fun", _G)
    w_init = _check_w_init(w_init, Z.shape[0])
    K, N = Z.shape
    W = np.zeros((K, K))
    history = np.zeros(max_iter)
    n_iters, converged = [], True
    for j in range(K):
        w = w_init[j] / np.linalg.norm(w_init[j])
        done = False
        for i in range(max_iter):
            gy, dg_mean = g(w @ Z)
            w_new = (Z @ gy) / N - dg_mean * w
            w_new -= (w_new @ W[:j].T) @ W[:j]
            w_new /= np.linalg.norm(w_new)
            change = abs(abs(w_new @ w) - 1.0)
            history[i] = max(history[i], change)
            w = w_new
            if change < tol:
                done = True
                break
        n_iters.append(i + 1)
        converged &= done
        W[j] = w
    n_iter = max(n_iters)
    return W, n_iter, converged, history[:n_iter]


def amari_index(W, A):
    """Amari's index of P = W A, 0 for a perfect separation (a scaled
    permutation) (eq.
    (ica-amari) in the chapter "Independent component analysis").

    Normalised to lie in [0, 1]: (1 / (2K(K−1))) [Σ_i (Σ_j |p_ij| / max_j
    |p_ij| − 1)
    + Σ_j (Σ_i |p_ij| / max_i |p_ij| − 1)] (Amari, Cichocki and Yang 1996).
    """
    P = np.abs(
        np.asarray(W, dtype=np.float64) @ np.asarray(A, dtype=np.float64)
    )
    K = P.shape[0]
    if P.shape != (K, K) or K < 2:
        raise ValueError(
            "W @ A must be square with at least 2 rows, got shape "
            f"{P.shape}"
        )
    rows = (P.sum(axis=1) / P.max(axis=1) - 1.0).sum()
    cols = (P.sum(axis=0) / P.max(axis=0) - 1.0).sum()
    return float((rows + cols) / (2.0 * K * (K - 1)))


def align_sources(S_est, S_true):
    """Reorder, flip and rescale the columns of ``S_est`` (N, K) to best
    match ``S_true`` (N, K).

    ICA recovers sources only up to order, sign and scale (section "What ICA
    cannot recover"); to compare with the truth we pair columns by the
    largest absolute correlation (an assignment problem, solved exactly by
    SciPy's ``linear_sum_assignment``), flip signs so that correlations are
    positive, and give each column the standard deviation of its match.
    Returns ``(S_aligned, corr)`` with ``corr[k]`` the correlation of the
    pair k.
    """
    from scipy.optimize import linear_sum_assignment

    S_est = np.asarray(S_est, dtype=np.float64)
    S_true = np.asarray(S_true, dtype=np.float64)
    if S_est.shape != S_true.shape:
        raise ValueError(
            f"S_est has shape {S_est.shape} but S_true has shape "
            f"{S_true.shape}; they must match"
        )
    K = S_true.shape[1]
    C = np.corrcoef(S_true.T, S_est.T)[:K, K:]
    _, cols = linear_sum_assignment(-np.abs(C))
    corr = C[np.arange(K), cols]
    S = S_est[:, cols] * np.sign(corr)
    S = (S - S.mean(0)) / S.std(0) * S_true.std(0) + S_true.mean(0)
    return S, np.abs(corr)


# --------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------


def _check_common(est, X):
    """Validate X and the parameters shared by both estimators; return (X,
    K, rng, w_init).
    """
    X = check_array(X, min_samples=2)
    N, D = X.shape
    if not isinstance(est.whiten, (bool, np.bool_)):
        raise ValueError(
            f"whiten must be True or False, got {est.whiten!r}"
        )
    if est.whiten:
        if est.n_components is None:
            K = min(N, D)
        else:
            K = check_positive_int(est.n_components, "n_components")
            if K > min(N, D):
                raise ValueError(
                    f"n_components={K} is too large: at most "
                    "min(n_samples, n_features) = "
                    f"{min(N, D)} independent components can be found in X "
                    f"of shape {X.shape}; "
                    "decrease n_components"
                )
    else:
        K = D
        if est.n_components is not None and est.n_components != D:
            raise ValueError(
                "with whiten=False the data must already be white and "
                "n_components must be None "
                f"or n_features = {D}, got {est.n_components!r}; use "
                "whiten=True to reduce dimension"
            )
    rng = check_random_state(est.random_state)
    if est.w_init is None:
        w_init = rng.normal(size=(K, K))
    else:
        w_init = _check_w_init(est.w_init, K, full_rank=True)
    return X, K, w_init


def _whiten_data(est, X, K):
    """Set mean_, whitening_ and the de-whitening matrix; return Z (K,
    N).
    """
    if est.whiten:
        est.mean_, est.whitening_, dewhitening, Xc = whitening_matrix(X, K)
        return est.whitening_ @ Xc.T, dewhitening
    D = X.shape[1]
    est.mean_, est.whitening_ = np.zeros(D), np.eye(D)
    return np.ascontiguousarray(X.T), np.eye(D)


class FastICA(BaseEstimator):
    """Independent component analysis by FastICA (Hyvärinen 1999; chapter
    "Independent component analysis").

    Centres and whitens the data (``whitening_matrix``), then finds the
    orthogonal W that maximises the non-Gaussianity of W z, by
    ``fastica_parallel`` (all rows at once) or ``fastica_deflation`` (one at
    a time). Estimated sources have zero mean and unit variance; their order
    and signs are arbitrary (the model cannot identify them).

    Parameters
    ----------
    n_components : int or None
        K, the number of sources; None means min(N, D). Must be at most
        min(N, D).
    algorithm : {'parallel', 'deflation'}
    fun : {'logcosh', 'exp', 'cube'}
        The contrast G whose derivative g drives the fixed point
        (``g_logcosh``, ...).
    w_init : array of shape (K, K) or None
        Initial unmixing matrix for the whitened data; None draws a standard
        normal one.
    max_iter : int
    tol : float
        Stop when every row of W turns by less than this: max_k (1 − |w_k⁺ᵀ
        w_k|) < tol.
    whiten : bool
        True: centre and whiten first. False: X is taken as already white
        (and not centred).
    random_state : None, int or numpy.random.Generator
        Used only to draw ``w_init`` when it is None.

    Attributes
    ----------
    components_ : (K, D)
        The unmixing matrix B = W V: sources are
        ``(X − mean_) @ components_.T``.
    mixing_ : (D, K)
        Its pseudo-inverse A = V⁺ Wᵀ (with V⁺ = U_K Λ_K^{1/2}):
        ``X ≈ S @ mixing_.T + mean_``.
    mean_ : (D,)
    whitening_ : (K, D)
        V = Λ_K^{-1/2} U_Kᵀ; √N times scikit-learn's ``whitening_``.
    n_iter_ : int
    converged_ : bool
    history_ : (n_iter_,)
        The change max_k (1 − |w_k⁺ᵀ w_k|) after each iteration (what
        ``tol`` is compared with).
    """

    def __init__(
        self,
        n_components=None,
        *,
        algorithm="parallel",
        fun="logcosh",
        w_init=None,
        max_iter=200,
        tol=1e-4,
        whiten=True,
        random_state=None,
    ):
        self.n_components = n_components
        self.algorithm = algorithm
        self.fun = fun
        self.w_init = w_init
        self.max_iter = max_iter
        self.tol = tol
        self.whiten = whiten
        self.random_state = random_state

    def _fit(self, X):
        check_in(self.algorithm, "algorithm", ALGORITHMS)
        check_in(self.fun, "fun", FUNS)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_positive_scalar(self.tol, "tol", allow_zero=True)
        X, K, w_init = _check_common(self, X)
        Z, dewhitening = _whiten_data(self, X, K)
        solver = (
            fastica_parallel
            if self.algorithm == "parallel"
            else fastica_deflation
        )
        W, self.n_iter_, self.converged_, self.history_ = solver(
            Z, w_init, self.fun, max_iter, tol
        )
        self.components_ = W @ self.whitening_
        # = pinv(components_), since W is orthogonal
        self.mixing_ = dewhitening @ W.T
        self.n_features_in_ = X.shape[1]
        if not self.converged_:
            warnings.warn(
                f"FastICA did not converge in max_iter={max_iter} "
                "iterations (last change "
                f"{self.history_[-1]:.2g} > tol={tol:g}); increase "
                "max_iter or tol, or try "
                "another fun",
                ConvergenceWarning,
                stacklevel=3,
            )
        return W, Z

    def fit(self, X, y=None):
        """Estimate the unmixing matrix from ``X`` (N, D); returns self."""
        self._fit(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit and return the estimated sources (N, K)."""
        W, Z = self._fit(X)
        return (W @ Z).T

    def transform(self, X):
        """Estimated sources ``(X − mean_) @ components_.T``, shape (N,
        K).
        """
        check_is_fitted(self, "components_")
        X = check_n_features(check_array(X), self.n_features_in_)
        return (X - self.mean_) @ self.components_.T

    def inverse_transform(self, S):
        """Mix sources back: ``S @ mixing_.T + mean_``, shape (N, D)."""
        check_is_fitted(self, "mixing_")
        S = check_n_features(
            check_array(S, name="S"), self.components_.shape[0], name="S"
        )
        return S @ self.mixing_.T + self.mean_


# --------------------------------------------------------------------------
# ICA as a latent variable model: maximum likelihood (section "The
# likelihood view")
# --------------------------------------------------------------------------


def log_sech_density(s):
    """log p(s) = −log π − log cosh(s), the super-Gaussian "sech" prior (eq.
    (ica-sech-prior) in the chapter "Independent component analysis").

    Written as log cosh s = |s| + log(1 + e^{−2|s|}) − log 2, which cannot
    overflow. Its score is d/ds log p(s) = −tanh(s).
    """
    a = np.abs(s)
    return -np.log(np.pi) - (a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0))


def log_likelihood(Z, W):
    """Mean log-likelihood (1/N) log p(Z | W) of ICA with the sech prior
    (eq. (ica-loglik) in the chapter "Independent component analysis").

    x = A s with A = W⁻¹ gives p(x) = |det W| Π_k p(w_kᵀ x), so per sample
    log |det W| + Σ_k log p(w_kᵀ z_n). ``Z`` is (K, N), one column per
    sample; ``W`` is (K, K).
    """
    sign, logabsdet = np.linalg.slogdet(W)
    if sign == 0:
        return -np.inf
    return float(logabsdet + log_sech_density(W @ Z).sum() / Z.shape[1])


def log_likelihood_grad(Z, W):
    """Gradient of ``log_likelihood`` with respect to W (eq.
    (ica-loglik-grad) in the chapter "Independent component analysis").

    ∂/∂W [(1/N) log p] = W⁻ᵀ + (1/N) φ(Y) Zᵀ with Y = W Z and the score
    φ(y) = −tanh(y).
    """
    Y = W @ Z
    return np.linalg.inv(W).T - (np.tanh(Y) @ Z.T) / Z.shape[1]


def natural_gradient(Z, W):
    """Natural (relative) gradient (I + (1/N) φ(Y) Yᵀ) W = (∂/∂W) Wᵀ W (eq.
    (ica-natgrad) in the chapter "Independent component analysis").

    Amari, Cichocki and Yang (1996): multiplying the ordinary gradient by
    WᵀW on the right is steepest ascent for the right-invariant metric ‖dW
    W⁻¹‖_F, in which W and MW are as far apart as I and M. The step W ← (I +
    εG)W then depends on W only through Y = W Z, so the global system W A
    evolves the same way whatever A is (equivariance).
    """
    Y = W @ Z
    K, N = Y.shape
    return W - (np.tanh(Y) @ Y.T / N) @ W


def stability_kappa(S):
    """Cardoso's stability quantity κ_k of the sech prior for each source
    (eq. (ica-kappa) in the chapter "Independent component analysis").

    With the score nonlinearity ψ = tanh (minus the score of the sech
    prior), the separating point is a stationary point of the likelihood
    once each source is rescaled to y_k = λ_k s_k with E[ψ(y_k) y_k] = 1
    (eq. (ica-scale); x·tanh x increases in |x|, so λ_k is unique and found
    by bisection). Then

        κ_k = E[ψ'(y_k)] E[y_k²] − E[ψ(y_k) y_k] = E[1 − tanh²(y_k)] E[y_k²]
        − 1,

    and the separating point is a local maximum of the likelihood, hence a
    stable point of the natural-gradient ascent, iff (1 + κ_i)(1 + κ_j) > 1
    for every pair i ≠ j ((thm-ica-stability)). κ = 0 for a Gaussian
    (Stein's lemma). ``S`` is (N, K), one column per source; the
    expectations are sample means over the centred columns.
    """
    S = check_array(S, name="S")
    kappa = np.empty(S.shape[1])
    for k, s in enumerate((S - S.mean(axis=0)).T):
        if not np.any(s):
            raise ValueError(
                f"source {k} is constant; kappa needs a "
                "non-degenerate source"
            )

        def excess(lam):
            return float(np.mean(lam * s * np.tanh(lam * s))) - 1.0

        hi = 1.0
        while excess(hi) <= 0:  # E[λs tanh(λs)] grows without bound in λ
            hi *= 2.0
        lam = optimize.brentq(excess, 0.0, hi, xtol=1e-14, rtol=1e-14)
        y = lam * s
        kappa[k] = np.mean(1.0 - np.tanh(y) ** 2) * np.mean(y**2) - 1.0
    return kappa


class MaximumLikelihoodICA(BaseEstimator):
    """ICA as a latent variable model, fitted by natural-gradient ascent on
    the likelihood.

    The model (eq.
    (ica-loglik) in the chapter "Independent component analysis") is z = A s
    with independent s_k ~ p(s) ∝ 1/cosh(s), a super-Gaussian prior, on the
    whitened data z (as in ``FastICA``). Each step moves W along
    ``natural_gradient`` with a step size that is halved until the
    likelihood does not decrease (and grown by 1.5 after a successful step),
    so ``history_`` never decreases. With this fixed prior the separating
    point is a maximum of the likelihood iff every pair of sources meets the
    stability condition (1 + κ_i)(1 + κ_j) > 1 of ``stability_kappa``:
    sub-Gaussian sources (κ < 0) are recovered when paired with sources
    super-Gaussian enough, and never two of them together.

    Parameters
    ----------
    n_components : int or None
    learning_rate : float
        Initial step size.
    w_init : array of shape (K, K) or None
    max_iter : int
    tol : float
        Stop when the mean log-likelihood increases by less than ``tol``.
    whiten : bool
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    components_, mixing_, mean_, whitening_ : as in ``FastICA``
    n_iter_ : int
    converged_ : bool
    history_ : (n_iter_ + 1,)
        Mean log-likelihood of the whitened data at the start and after each
        step.
    """

    def __init__(
        self,
        n_components=None,
        *,
        learning_rate=0.5,
        w_init=None,
        max_iter=500,
        tol=1e-8,
        whiten=True,
        random_state=None,
    ):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.w_init = w_init
        self.max_iter = max_iter
        self.tol = tol
        self.whiten = whiten
        self.random_state = random_state

    def fit(self, X, y=None):
        """Maximise the likelihood of ``X`` (N, D); returns self."""
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_positive_scalar(self.tol, "tol", allow_zero=True)
        step = check_positive_scalar(self.learning_rate, "learning_rate")
        X, K, w_init = _check_common(self, X)
        Z, dewhitening = _whiten_data(self, X, K)
        W = symmetric_decorrelation(w_init)
        history = [log_likelihood(Z, W)]
        self.converged_ = False
        for _ in range(max_iter):
            direction = natural_gradient(Z, W)
            # backtracking: halve the step until the likelihood does not
            # drop
            while True:
                W_new = W + step * direction
                ll = log_likelihood(Z, W_new)
                if ll >= history[-1] or step < 1e-12:
                    break
                step *= 0.5
            # no ascent possible at this precision: we are at the top
            if ll < history[-1]:
                self.converged_ = True
                break
            W, step = W_new, step * 1.5
            history.append(ll)
            if history[-1] - history[-2] < tol:
                self.converged_ = True
                break
        self.n_iter_ = len(history) - 1
        self.history_ = np.asarray(history)
        self.W_ = W
        self.components_ = W @ self.whitening_
        self.mixing_ = dewhitening @ np.linalg.inv(W)
        self.n_features_in_ = X.shape[1]
        if not self.converged_:
            warnings.warn(
                "MaximumLikelihoodICA did not converge in "
                f"max_iter={max_iter} iterations; "
                "increase max_iter or tol",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def transform(self, X):
        """Estimated sources ``(X − mean_) @ components_.T``, shape (N,
        K).
        """
        check_is_fitted(self, "components_")
        X = check_n_features(check_array(X), self.n_features_in_)
        return (X - self.mean_) @ self.components_.T

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def inverse_transform(self, S):
        """Mix sources back: ``S @ mixing_.T + mean_``."""
        check_is_fitted(self, "mixing_")
        S = check_n_features(
            check_array(S, name="S"), self.components_.shape[0], name="S"
        )
        return S @ self.mixing_.T + self.mean_

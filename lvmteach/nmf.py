"""Non-negative matrix factorisation by Lee and Seung's multiplicative updates.

The chapter "Non-negative matrix factorisation" (book/nmf) derives every function here; each
docstring names its equation. NMF is a latent variable model with *constrained* latents: each
row x_n of the data is explained as a non-negative combination w_n of K non-negative parts
(the rows of H),

    X ≈ W H,   W ≥ 0 of shape (N, K) (the latent activations),   H ≥ 0 of shape (K, D) (the parts),

fitted by minimising either half the squared Frobenius norm (a Gaussian likelihood) or the
generalised Kullback-Leibler divergence (a Poisson likelihood, the link to PLSA).

Conventions follow scikit-learn's ``NMF(solver='mu')`` so that the two can be compared from the
same ``W`` and ``H``: the same updates, in the same order (W first, then H), with the same
small-value safeguards (see ``EPSILON`` below), the same stopping rule, and the same
``reconstruction_err_ = sqrt(2 * loss)``. ``components_`` is H and ``fit_transform`` returns W.
"""

import warnings

import numpy as np
from scipy.special import xlogy

from .base import BaseEstimator, check_is_fitted
from .exceptions import ConvergenceWarning
from .validation import (
    check_array,
    check_in,
    check_n_features,
    check_nonnegative,
    check_positive_int,
    check_positive_scalar,
    check_random_state,
)

__all__ = [
    "NMF",
    "beta_divergence",
    "hals_update",
    "initialize_nmf",
    "multiplicative_update_H",
    "multiplicative_update_W",
    "nmf_to_plsa",
]

BETA_LOSSES = ("frobenius", "kullback-leibler")
INITS = ("random", "nndsvd", "nndsvda", "custom")
SOLVERS = ("mu", "cd")

# scikit-learn's safeguards, kept identical so that the two implementations agree to round-off:
# * EPSILON (float32's machine epsilon, 1.19e-7) replaces a zero denominator, and (KL only) is
#   the floor on the entries of W H that the data are divided by;
# * in the KL update of H, an all-zero column of W gets the denominator 1 instead of 0, and
#   entries of H below float64's epsilon are set to exactly 0 after the update.
EPSILON = np.finfo(np.float32).eps
_EPS64 = np.finfo(np.float64).eps


# --------------------------------------------------------------------------------------------
# The losses (section "Two losses, two likelihoods")
# --------------------------------------------------------------------------------------------


def beta_divergence(X, W, H, beta_loss="frobenius"):
    """The loss of the factorisation ``W H`` of ``X``.

    ``'frobenius'``: ``½ ‖X − W H‖²_F`` (eq. :eq:`nmf-frob-loss`);
    ``'kullback-leibler'``: ``Σ x log(x / (WH)) − x + (WH)`` (eq. :eq:`nmf-kl-loss`), with
    ``0 log 0 = 0`` and ``WH`` floored at ``EPSILON`` inside the logarithm (as scikit-learn).
    """
    if beta_loss == "frobenius":
        R = X - W @ H
        return 0.5 * float(np.vdot(R, R))
    WH = W @ H
    np.maximum(WH, EPSILON, out=WH)
    return float(np.sum(xlogy(X, X)) - np.vdot(X, np.log(WH)) - X.sum() + W.sum(axis=0) @ H.sum(axis=1))


def _row_blocks(shape, block_size=1 << 13):
    """Slices of about ``block_size`` entries (whole rows) covering an array of ``shape``."""
    N, D = shape
    step = max(1, block_size // max(D, 1))
    return [slice(start, start + step) for start in range(0, N, step)]


def _data_term(X, beta_loss):
    """The part of the loss that depends on X alone: ½‖X‖² or Σ (x log x − x)."""
    if beta_loss == "frobenius":
        return 0.5 * float(np.vdot(X, X))
    return float(np.sum(xlogy(X, X)) - X.sum())


# --------------------------------------------------------------------------------------------
# The multiplicative updates (sections "Majorise-minimise" and "The KL updates")
# --------------------------------------------------------------------------------------------


def multiplicative_update_W(X, W, H, beta_loss="frobenius", *, return_loss=False, data_term=None):
    """One multiplicative update of W with H fixed; returns the new W.

    Frobenius (eq. :eq:`nmf-mu-frob-W`): ``W ← W ∘ (X Hᵀ) / (W H Hᵀ)``.
    Kullback-Leibler (eq. :eq:`nmf-mu-kl-W`): ``W ← W ∘ ((X / WH) Hᵀ) / (1 Hᵀ)``.

    Each is the exact minimiser of a majoriser of the loss that touches it at the current W
    (theorem "The updates never increase the loss"), so the loss never increases.

    With ``return_loss=True`` also returns the loss of the *incoming* ``(W, H)``, at almost no
    cost, because the update forms what the loss needs anyway: ``X Hᵀ`` and ``H Hᵀ`` for
    Frobenius, ``½‖X‖² − ⟨W, XHᵀ⟩ + ½⟨WᵀW, HHᵀ⟩``, and ``W H`` for KL,
    ``Σ (x log x − x) − Σ x log(WH) + Σ WH``. ``data_term`` is the part that depends on X alone
    (:func:`_data_term`); pass it to save a pass over X in a loop.
    """
    if return_loss and data_term is None:
        data_term = _data_term(X, beta_loss)
    if beta_loss == "frobenius":
        XHt = X @ H.T
        HHt = H @ H.T
        denominator = W @ HHt
        denominator[denominator == 0] = EPSILON
        if return_loss:
            loss = data_term - np.vdot(W, XHt) + 0.5 * np.vdot(W.T @ W, HHt)
        XHt /= denominator
        W_new = W * XHt
    else:
        # X / WH is formed a block of rows at a time, so that the N x D intermediate stays in
        # the cache; the numerator's rows are those of (X / WH) Hᵀ either way.
        numerator = np.empty_like(W)
        log_term = 0.0
        for rows in _row_blocks(X.shape):
            WH = W[rows] @ H
            np.maximum(WH, EPSILON, out=WH)  # never divide by (nearly) zero
            if return_loss:
                log_term += np.vdot(X[rows], np.log(WH))
            ratio = np.divide(X[rows], WH, out=WH)
            numerator[rows] = ratio @ H.T
        if return_loss:
            loss = data_term - log_term + W.sum(axis=0) @ H.sum(axis=1)
        denominator = H.sum(axis=1)[np.newaxis, :]
        denominator[denominator == 0] = EPSILON
        numerator /= denominator
        W_new = W * numerator
    return (W_new, float(loss)) if return_loss else W_new


def multiplicative_update_H(X, W, H, beta_loss="frobenius"):
    """One multiplicative update of H with W fixed; returns the new H.

    Frobenius (eq. :eq:`nmf-mu-frob-H`): ``H ← H ∘ (Wᵀ X) / (Wᵀ W H)``.
    Kullback-Leibler (eq. :eq:`nmf-mu-kl-H`): ``H ← H ∘ (Wᵀ (X / WH)) / (Wᵀ 1)``; entries below
    float64's epsilon are then set to 0 (scikit-learn's safeguard).
    """
    if beta_loss == "frobenius":
        numerator = W.T @ X
        denominator = (W.T @ W) @ H
        denominator[denominator == 0] = EPSILON
        numerator /= denominator
        return H * numerator
    numerator = np.zeros_like(H)
    for rows in _row_blocks(X.shape):  # Wᵀ (X / WH) as a sum over blocks of rows
        WH = W[rows] @ H
        np.maximum(WH, EPSILON, out=WH)
        ratio = np.divide(X[rows], WH, out=WH)
        numerator += W[rows].T @ ratio
    W_sum = W.sum(axis=0)
    W_sum[W_sum == 0] = 1.0
    numerator /= W_sum[:, np.newaxis]
    H_new = H * numerator
    H_new[H_new < _EPS64] = 0.0
    return H_new


# --------------------------------------------------------------------------------------------
# Coordinate descent: HALS (Cichocki & Phan 2009), scikit-learn's default solver
# --------------------------------------------------------------------------------------------


def hals_update(A, gram, cross):
    """One sweep of coordinate descent over the rows of the factor ``A`` (K, M), in place.

    The Frobenius loss is quadratic in each row a_t of A with the others fixed, so its exact
    minimiser over a_t ≥ 0 is a projected Newton step (hierarchical alternating least squares):

        a_t ← max(0, a_t − (G_t A − C_t) / G_tt),

    where G = ``gram`` (K, K) is the Gram matrix of the other factor and C = ``cross`` (K, M)
    the data projected on it. For W (stored transposed, A = Wᵀ): G = H Hᵀ and C = H Xᵀ; for H
    (A = H): G = Wᵀ W and C = Wᵀ X. Rows are updated in turn, each seeing the rows updated
    before it, so this is scikit-learn's ``solver='cd'`` sweep, vectorised over the M entries
    of a row (which do not interact) instead of looping over them in Cython.

    Each row update minimises the loss exactly over that row, so the loss never increases.
    Returns the sweep's total projected-gradient magnitude (scikit-learn's "violation"), which
    the stopping rule compares with its value at the first iteration.
    """
    violation = 0.0
    for t in range(A.shape[0]):
        a = A[t]
        grad = gram[t] @ A
        grad -= cross[t]
        # the projected gradient: where a_t = 0, only a negative gradient can move it
        violation += float(np.abs(np.where(a == 0.0, np.minimum(grad, 0.0), grad)).sum())
        if gram[t, t] != 0:
            grad /= gram[t, t]
            np.subtract(a, grad, out=a)
            np.maximum(a, 0.0, out=a)
    return violation


def _fit_coordinate_descent(X, W, H, max_iter, tol, update_H=True):
    """Alternate :func:`hals_update` of W and H; stop as scikit-learn's ``solver='cd'`` does.

    Stops when the sweep's violation falls to ``tol`` times its value at the first iteration.
    Returns ``(W, H, n_iter, history, converged)`` with ``history[t]`` the loss after t
    iterations (``history[0]`` at the start), from the products the updates form anyway.
    """
    data_term = _data_term(X, "frobenius")
    Wt = np.ascontiguousarray(W.T)  # rows of Wᵀ are the columns of W: contiguous updates
    H = np.ascontiguousarray(H)
    history = []
    violation_init = None
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        gram, cross = H @ H.T, H @ X.T
        history.append(data_term - float(np.vdot(Wt, cross)) + 0.5 * float(np.vdot(Wt @ Wt.T, gram)))
        violation = hals_update(Wt, gram, cross)
        if update_H:
            violation += hals_update(H, Wt @ Wt.T, Wt @ X)
        if violation_init is None:
            violation_init = violation
        if violation_init == 0 or violation / violation_init <= tol:
            converged = True
            break
    W = np.ascontiguousarray(Wt.T)
    history.append(beta_divergence(X, W, H, "frobenius"))
    return W, H, n_iter, np.asarray(history), converged


def nmf_to_plsa(W, H):
    """Read KL-NMF factors ``X ≈ W H`` as PLSA probabilities (eq. :eq:`nmf-plsa`).

    Rescaling ``W → W S⁻¹``, ``H → S H`` with a positive diagonal S leaves W H unchanged; with the
    column sums of W and the row sums of H divided out, ``(W H)_dw / Σ W H = Σ_z P(z) P(d|z) P(w|z)``.

    Returns ``(p_z, p_d_given_z, p_w_given_z)`` of shapes (K,), (N, K) and (K, D): each column
    of ``p_d_given_z`` and each row of ``p_w_given_z`` sums to 1, and ``p_z`` sums to 1.
    """
    w_sum = W.sum(axis=0)
    h_sum = H.sum(axis=1)
    mass = w_sum * h_sum
    return mass / mass.sum(), W / w_sum, H / h_sum[:, np.newaxis]


# --------------------------------------------------------------------------------------------
# Initialisation (section "Starting points")
# --------------------------------------------------------------------------------------------


def initialize_nmf(X, K, init="random", rng=None):
    """Starting factors ``(W, H)`` of shapes (N, K) and (K, D).

    ``'random'``: ``|normal|`` entries scaled by ``sqrt(mean(X) / K)``, so that ``W H`` has the
    data's mean (scikit-learn's rule). ``'nndsvd'``: Boutsidis and Gallopoulos' non-negative
    double SVD, the positive (or negative) part of each singular-vector pair, whichever carries
    more of the singular value; it contains exact zeros, which multiplicative updates never move.
    ``'nndsvda'``: the same with the zeros replaced by ``mean(X)``.
    """
    N, D = X.shape
    if init == "random":
        rng = check_random_state(rng)
        avg = np.sqrt(X.mean() / K)
        H = avg * np.abs(rng.standard_normal((K, D)))
        W = avg * np.abs(rng.standard_normal((N, K)))
        return W, H
    U, S, Vt = np.linalg.svd(X, full_matrices=False)
    W = np.zeros((N, K))
    H = np.zeros((K, D))
    # The leading singular vectors of a non-negative matrix can be taken non-negative.
    W[:, 0] = np.sqrt(S[0]) * np.abs(U[:, 0])
    H[0] = np.sqrt(S[0]) * np.abs(Vt[0])
    for j in range(1, K):
        x, y = U[:, j], Vt[j]
        x_p, y_p = np.maximum(x, 0), np.maximum(y, 0)
        x_n, y_n = np.maximum(-x, 0), np.maximum(-y, 0)
        m_p = np.linalg.norm(x_p) * np.linalg.norm(y_p)
        m_n = np.linalg.norm(x_n) * np.linalg.norm(y_n)
        u, v, sigma = (x_p, y_p, m_p) if m_p > m_n else (x_n, y_n, m_n)
        if sigma > 0:
            lam = np.sqrt(S[j] * sigma)
            W[:, j] = lam * u / np.linalg.norm(u)
            H[j] = lam * v / np.linalg.norm(v)
    W[W < 1e-6] = 0.0
    H[H < 1e-6] = 0.0
    if init == "nndsvda":
        W[W == 0] = X.mean()
        H[H == 0] = X.mean()
    return W, H


# --------------------------------------------------------------------------------------------
# The fitting loop
# --------------------------------------------------------------------------------------------


def _fit_multiplicative(X, W, H, beta_loss, max_iter, tol, update_H=True):
    """Alternate the updates; stop as scikit-learn does. Returns ``(W, H, n_iter, history)``.

    ``history[t]`` is the loss after t iterations (``history[0]`` at the start). Every 10
    iterations the stopping rule compares ``e = sqrt(2 loss)`` with its value 10 iterations
    earlier: stop when the decrease is below ``tol`` times ``e`` at the start.
    """
    data_term = _data_term(X, beta_loss)
    history = []
    previous_error = error_at_init = None
    for n_iter in range(max_iter + 1):
        # The W update also returns the loss of the factors after n_iter iterations.
        W_new, loss = multiplicative_update_W(X, W, H, beta_loss, return_loss=True, data_term=data_term)
        history.append(loss)
        error = np.sqrt(2.0 * max(loss, 0.0))
        if n_iter == 0:
            previous_error = error_at_init = error
        elif tol > 0 and n_iter % 10 == 0:
            if (previous_error - error) / error_at_init < tol:
                return W, H, n_iter, np.asarray(history), True
            previous_error = error
        if n_iter == max_iter:
            break
        W = W_new
        if update_H:
            H = multiplicative_update_H(X, W, H, beta_loss)
    return W, H, max_iter, np.asarray(history), False


class NMF(BaseEstimator):
    """Non-negative matrix factorisation ``X ≈ W H`` by multiplicative updates.

    Chapter "Non-negative matrix factorisation". Alternates :func:`multiplicative_update_W` and
    :func:`multiplicative_update_H`, which never increase the loss.

    Parameters
    ----------
    n_components : int
        K, the number of parts; at most ``min(N, D)``.
    beta_loss : {'frobenius', 'kullback-leibler'}
        The loss: ``½‖X − WH‖²`` (Gaussian noise) or the generalised KL divergence (Poisson).
    init : {'random', 'nndsvd', 'nndsvda', 'custom'}
        Starting point (:func:`initialize_nmf`); ``'custom'`` uses the ``W`` and ``H`` passed to
        :meth:`fit_transform`.
    max_iter : int
        Maximum number of iterations (one iteration updates W, then H).
    tol : float
        Relative tolerance of the stopping rule, checked every 10 iterations as in
        scikit-learn; ``tol=0`` runs exactly ``max_iter`` iterations.
    random_state : None, int or numpy.random.Generator
        For ``init='random'``.
    solver : {'mu', 'cd'}
        ``'mu'``: the multiplicative updates (both losses). ``'cd'``: coordinate descent by
        :func:`hals_update` (Frobenius only; scikit-learn's default solver, which needs far
        fewer iterations); its ``tol`` is scikit-learn's: the projected-gradient violation
        relative to the first iteration's.

    Attributes
    ----------
    components_ : (K, D)
        H, the parts.
    reconstruction_err_ : float
        ``sqrt(2 * loss)``: the Frobenius norm ``‖X − WH‖`` for the Frobenius loss.
    history_ : (n_iter_ + 1,)
        The loss at the start and after each iteration (never increases).
    n_iter_ : int
    converged_ : bool
    """

    def __init__(self, n_components=2, *, beta_loss="frobenius", init="random", max_iter=200, tol=1e-4, random_state=None, solver="mu"):
        self.n_components = n_components
        self.beta_loss = beta_loss
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.solver = solver

    def _check_X(self, X):
        X = check_nonnegative(check_array(X))
        if X.max() == 0:
            raise ValueError("X is all zeros; there is nothing to factorise")
        return X

    def _check_factor(self, A, shape, name):
        A = check_nonnegative(check_array(A, name=name), name=name)
        if A.shape != shape:
            raise ValueError(f"{name} has shape {A.shape}, expected {shape}")
        if A.max() == 0:
            raise ValueError(f"{name} is all zeros; multiplicative updates would never move it")
        return A.copy()

    def fit_transform(self, X, y=None, W=None, H=None):
        """Fit the model to ``X`` (N, D) and return W (N, K)."""
        X = self._check_X(X)
        N, D = X.shape
        K = check_positive_int(self.n_components, "n_components")
        if K > min(N, D):
            raise ValueError(
                f"n_components={K} is larger than the data allow: X has shape {X.shape}, so at "
                f"most min(N, D) = {min(N, D)} parts can be identified; decrease n_components"
            )
        beta_loss = check_in(self.beta_loss, "beta_loss", BETA_LOSSES)
        init = check_in(self.init, "init", INITS)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_positive_scalar(self.tol, "tol", allow_zero=True)
        if init == "custom":
            if W is None or H is None:
                raise ValueError("init='custom' needs both W and H: call fit_transform(X, W=W0, H=H0)")
            W = self._check_factor(W, (N, K), "W")
            H = self._check_factor(H, (K, D), "H")
        else:
            if W is not None or H is not None:
                raise ValueError(f"W and H are only used with init='custom' (got init={init!r})")
            W, H = initialize_nmf(X, K, init, check_random_state(self.random_state))
        W, H, n_iter, history, converged = self._solve(X, W, H, beta_loss, max_iter, tol)
        self.components_ = H
        self.n_components_ = K
        self.n_features_in_ = D
        self.history_ = history
        self.n_iter_ = n_iter
        self.converged_ = converged
        self.reconstruction_err_ = float(np.sqrt(2.0 * max(beta_divergence(X, W, H, beta_loss), 0.0)))
        if not converged and tol > 0:
            warnings.warn(
                f"NMF did not converge in max_iter={max_iter} iterations; increase max_iter or tol",
                ConvergenceWarning,
                stacklevel=2,
            )
        return W

    def fit(self, X, y=None, W=None, H=None):
        """Fit the model to ``X``; returns self."""
        self.fit_transform(X, W=W, H=H)
        return self

    def transform(self, X):
        """Activations W for new data with the parts H = ``components_`` fixed.

        Runs the W updates alone from the constant ``sqrt(mean(X) / K)`` (zeros for
        ``solver='cd'``, as scikit-learn),
        with the same ``max_iter`` and stopping rule as ``fit``.
        """
        check_is_fitted(self, "components_")
        X = check_n_features(self._check_X(X), self.n_features_in_)
        K = self.components_.shape[0]
        W = np.full((X.shape[0], K), np.sqrt(X.mean() / K))
        if getattr(self, "solver", "mu") == "cd":
            W[:] = 0.0  # coordinate descent can move zeros (scikit-learn starts it there)
        W, *_ = self._solve(X, W, self.components_, self.beta_loss, self.max_iter, self.tol, update_H=False)
        return W

    def _solve(self, X, W, H, beta_loss, max_iter, tol, update_H=True):
        solver = check_in(getattr(self, "solver", "mu"), "solver", SOLVERS)
        if solver == "mu":
            return _fit_multiplicative(X, W, H, beta_loss, max_iter, tol, update_H=update_H)
        if beta_loss != "frobenius":
            raise ValueError(f"solver='cd' handles only beta_loss='frobenius' (got {beta_loss!r}); use solver='mu'")
        return _fit_coordinate_descent(X, W, H, max_iter, tol, update_H=update_H)

    def inverse_transform(self, W):
        """The reconstruction ``W H`` of shape (N, D)."""
        check_is_fitted(self, "components_")
        W = check_array(W, name="W")
        if W.shape[1] != self.components_.shape[0]:
            raise ValueError(f"W has {W.shape[1]} columns, but the model has {self.components_.shape[0]} components")
        return W @ self.components_

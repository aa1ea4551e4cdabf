"""Non-negative matrix factorisation by Lee and Seung's multiplicative
updates.

The chapter "Non-negative matrix factorisation" (book/nmf) derives every
function here; each docstring names its equation. NMF is a latent variable
model with *constrained* latents: each row x_n of the data is explained as a
non-negative combination w_n of K non-negative parts (the rows of H),

    X ≈ W H,   W ≥ 0 of shape (N, K) (the latent activations),
               H ≥ 0 of shape (K, D) (the parts),

fitted by minimising either half the squared Frobenius norm (a Gaussian
likelihood) or the generalised Kullback-Leibler divergence (a Poisson
likelihood, the link to PLSA).

Conventions follow scikit-learn's ``NMF(solver='mu')`` so that the two can
be compared from the same ``W`` and ``H``: the same updates, in the same
order (W first, then H), with the same small-value safeguards (see
``EPSILON`` below), the same stopping rule, and the same
``reconstruction_err_ = sqrt(2 * loss)``. ``components_`` is H and
``fit_transform`` returns W.
"""

import warnings

import numpy as np

from .base import BaseEstimator, check_is_fitted
from .exceptions import ConvergenceWarning
from .validation import (
    check_array,
    check_in,
    check_n_features,
    check_nonnegative,
    check_scale,
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
    "beta_update_W",
    "beta_update_H",
    "fit_beta_multiplicative",
    "beta_divergence_grad",
    "kkt_residual",
]

BETA_LOSSES = ("frobenius", "kullback-leibler")
INITS = ("random", "nndsvd", "nndsvda", "custom")
SOLVERS = ("mu", "cd")

# scikit-learn's safeguards, kept identical so that the two implementations
# agree to round-off:
# * EPSILON (float32's machine epsilon, 1.19e-7) replaces a zero
#   denominator, and (KL only) is the floor on the entries of W H that the
#   data are divided by;
# * in the KL update of H, an all-zero column of W gets the denominator 1
#   instead of 0, and entries of H below float64's epsilon are set to
#   exactly 0 after the update.
EPSILON = np.finfo(np.float32).eps
_EPS64 = np.finfo(np.float64).eps


# --------------------------------------------------------------------------
# The losses (section "Two losses, two likelihoods")
# --------------------------------------------------------------------------


def beta_divergence(X, W, H, beta_loss="frobenius"):
    """The loss of the factorisation ``W H`` of ``X``.

    ``'frobenius'`` (β = 2): ``½ ‖X − W H‖²_F`` (eq.
    (nmf-frob-loss) in the chapter "Non-negative matrix factorisation");
    ``'kullback-leibler'`` (β = 1): ``Σ x log(x / (WH)) − x + (WH)`` (eq.
    (nmf-kl-loss)), with ``0 log 0 = 0`` and ``WH`` floored at ``EPSILON``
    inside the logarithm (as scikit-learn). Any other number β, or
    ``'itakura-saito'`` (β = 0), gives the β-divergence (eq.
    (nmf-beta-div)), summed over the entries,

        d_β(x | y) = (x^β + (β − 1) y^β − β x y^(β−1)) / (β (β − 1)),
        d_0(x | y) = x / y − log(x / y) − 1,

    with scikit-learn's safeguards: the terms in x use only the entries with
    x > EPSILON (for β ≤ 0 a zero entry would make the divergence infinite),
    and there y is floored at EPSILON.
    """
    beta = _beta_to_float(beta_loss)
    if beta not in (1.0, 2.0):
        return _general_beta_divergence(X, W @ H, beta)
    if beta == 2.0:
        R = X - W @ H
        return 0.5 * float(np.vdot(R, R))
    WH = W @ H
    np.maximum(WH, EPSILON, out=WH)
    return float(
        _data_term(X, beta_loss)
        - np.vdot(X, np.log(WH, out=WH))
        + W.sum(axis=0) @ H.sum(axis=1)
    )


_BETA_NAMES = {
    "frobenius": 2.0,
    "kullback-leibler": 1.0,
    "itakura-saito": 0.0,
}


def _beta_to_float(beta_loss):
    """β of a loss given by name (``'frobenius'`` 2, ``'kullback-leibler'``
    1, ``'itakura-saito'`` 0) or as a number."""
    if isinstance(beta_loss, str):
        if beta_loss not in _BETA_NAMES:
            raise ValueError(
                f"beta_loss={beta_loss!r} is not one of "
                f"{sorted(_BETA_NAMES)} or a number"
            )
        return _BETA_NAMES[beta_loss]
    return float(beta_loss)


def _general_beta_divergence(X, WH, beta):
    """Σ d_β(x | y) over the entries, y = WH, β ∉ {1, 2} (see
    ``beta_divergence``).
    """
    keep = X > EPSILON
    x, y = X[keep], np.maximum(WH[keep], EPSILON)
    if beta == 0.0:
        ratio = x / y
        return float(np.sum(ratio) - X.size - np.sum(np.log(ratio)))
    total = (
        np.sum(x**beta)
        - beta * np.dot(x, y ** (beta - 1))
        + (beta - 1) * np.sum(WH**beta)
    )
    return float(total / (beta * (beta - 1)))


def _row_blocks(shape, block_size=1 << 21):
    """Slices of about ``block_size`` entries (whole rows) covering an array
    of ``shape``.

    2²¹ entries (16 MB) bound the memory of the N x D intermediate for large
    X, yet keep the matrix products few and large: each is a handful of
    BLAS calls whose threads must meet, which small blocks make costly when
    the cores are shared.
    """
    N, D = shape
    step = max(1, block_size // max(D, 1))
    return [slice(start, start + step) for start in range(0, N, step)]


def _blocks_of_WH(W, H):
    """``(rows, W[rows] @ H)`` for the ``_row_blocks`` of W H, each product
    written into the same buffer (overwritten by the next block).
    """
    N, D = W.shape[0], H.shape[1]
    blocks = _row_blocks((N, D))
    buffer = np.empty((min(blocks[0].stop, N), D))
    for rows in blocks:
        WH = buffer[: min(rows.stop, N) - rows.start]
        yield rows, np.matmul(W[rows], H, out=WH)


def _data_term(X, beta_loss):
    """The part of the loss that depends on X alone: ½‖X‖² or Σ (x log x −
    x).
    """
    if beta_loss == "frobenius":
        return 0.5 * float(np.vdot(X, X))
    # x log x with 0 log 0 = 0: log of X floored at the smallest normal
    # number is finite, and 0 times it is 0 (NumPy's vectorised log is
    # several times faster than scipy.special.xlogy)
    log_X = np.maximum(X, np.finfo(float).tiny)
    return float(np.vdot(X, np.log(log_X, out=log_X)) - X.sum())


# --------------------------------------------------------------------------
# The multiplicative updates (sections "Majorise-minimise" and "The KL
# updates")
# --------------------------------------------------------------------------


def multiplicative_update_W(
    X, W, H, beta_loss="frobenius", *, return_loss=False, data_term=None
):
    """One multiplicative update of W with H fixed; returns the new W.

    Frobenius (eq.
    (nmf-mu-frob-W) in the chapter "Non-negative matrix factorisation"):
    ``W ← W ∘ (X Hᵀ) / (W H Hᵀ)``. Kullback-Leibler (eq. (nmf-mu-kl-W)):
    ``W ← W ∘ ((X / WH) Hᵀ) / (1 Hᵀ)``.

    Each is the exact minimiser of a majoriser of the loss that touches it
    at the current W (theorem "The updates never increase the loss"), so the
    loss never increases.

    With ``return_loss=True`` also returns the loss of the *incoming*
    ``(W, H)`` from what the update forms anyway: ``X Hᵀ`` and ``H Hᵀ`` for
    Frobenius, ``½‖X‖² − ⟨W, XHᵀ⟩ + ½⟨WᵀW, HHᵀ⟩`` (almost free), and ``W H``
    for KL, ``Σ (x log x − x) − Σ x log(WH) + Σ WH`` (N D logarithms more,
    so the fitting loop asks for it only every 10 iterations).
    ``data_term`` is the part that depends on X alone (``_data_term``); pass
    it to save a pass over X in a loop.
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
        # X / WH is formed a block of rows at a time in one buffer, so that
        # the N x D intermediate needs at most one block's memory; the
        # numerator's rows are those of (X / WH) Hᵀ either way.
        numerator = np.empty_like(W)
        log_term = 0.0
        for rows, WH in _blocks_of_WH(W, H):
            np.maximum(WH, EPSILON, out=WH)  # never divide by (nearly) zero
            if return_loss:
                log_term += np.vdot(X[rows], np.log(WH))
            ratio = np.divide(X[rows], WH, out=WH)
            np.matmul(ratio, H.T, out=numerator[rows])
        H_sum = H.sum(axis=1)  # 1 Hᵀ: the row sums of H
        if return_loss:
            loss = data_term - log_term + W.sum(axis=0) @ H_sum
        H_sum[H_sum == 0] = EPSILON
        numerator /= H_sum
        W_new = np.multiply(W, numerator, out=numerator)
    return (W_new, float(loss)) if return_loss else W_new


def multiplicative_update_H(X, W, H, beta_loss="frobenius"):
    """One multiplicative update of H with W fixed; returns the new H.

    Frobenius (eq.
    (nmf-mu-frob-H) in the chapter "Non-negative matrix factorisation"):
    ``H ← H ∘ (Wᵀ X) / (Wᵀ W H)``. Kullback-Leibler (eq. (nmf-mu-kl-H)):
    ``H ← H ∘ (Wᵀ (X / WH)) / (Wᵀ 1)``; entries below float64's epsilon are
    then set to 0 (scikit-learn's safeguard).
    """
    if beta_loss == "frobenius":
        numerator = W.T @ X
        denominator = (W.T @ W) @ H
        denominator[denominator == 0] = EPSILON
        numerator /= denominator
        return H * numerator
    numerator = np.zeros_like(H)
    block = np.empty_like(H)
    # Wᵀ (X / WH) as a sum over blocks of rows
    for rows, WH in _blocks_of_WH(W, H):
        np.maximum(WH, EPSILON, out=WH)
        ratio = np.divide(X[rows], WH, out=WH)
        numerator += np.matmul(W[rows].T, ratio, out=block)
    W_sum = W.sum(axis=0)  # Wᵀ 1: the column sums of W
    W_sum[W_sum == 0] = 1.0
    numerator /= W_sum[:, np.newaxis]
    H_new = np.multiply(H, numerator, out=numerator)
    H_new[H_new < _EPS64] = 0.0
    return H_new


# --------------------------------------------------------------------------
# The β-divergence family (section "The β-divergence family")
# --------------------------------------------------------------------------


def _mm_exponent(beta):
    """γ(β) of Févotte and Idier's majorise-minimise update (eq.
    (nmf-mu-beta) in the chapter "Non-negative matrix factorisation").
    """
    if beta < 1:
        return 1.0 / (2.0 - beta)
    if beta > 2:
        return 1.0 / (beta - 1.0)
    return 1.0


def _beta_ratio_terms(X, WH, beta):
    """``X ∘ (WH)^(β−2)`` and ``(WH)^(β−1)``, with scikit-learn's floors at
    EPSILON.
    """
    numerator_term = np.maximum(WH, EPSILON) if beta < 2 else WH.copy()
    numerator_term **= beta - 2
    numerator_term *= X
    denominator_term = np.maximum(WH, EPSILON) if beta < 1 else WH
    return numerator_term, denominator_term ** (beta - 1)


def beta_update_W(X, W, H, beta_loss):
    """One majorise-minimise update of W for the β-divergence (eq.
    (nmf-mu-beta) in the chapter "Non-negative matrix factorisation").

    ``W ← W ∘ [((WH)^(β−2) ∘ X) Hᵀ / ((WH)^(β−1) Hᵀ)]^γ(β)`` with γ = 1/(2 −
    β) for β < 1, 1 for 1 ≤ β ≤ 2 and 1/(β − 1) for β > 2 (Févotte and Idier
    2011): the exact minimiser of a majoriser, so the loss never increases.
    β = 2 and β = 1 are ``multiplicative_update_W``. For β < 1, entries
    below float64's epsilon are set to 0 (scikit-learn's safeguard).
    """
    beta = _beta_to_float(beta_loss)
    if beta in (1.0, 2.0):
        return multiplicative_update_W(
            X, W, H, "frobenius" if beta == 2 else "kullback-leibler"
        )
    numerator_term, denominator_term = _beta_ratio_terms(X, W @ H, beta)
    numerator, denominator = numerator_term @ H.T, denominator_term @ H.T
    denominator[denominator == 0] = EPSILON
    W_new = W * (numerator / denominator) ** _mm_exponent(beta)
    if beta < 1:
        W_new[W_new < _EPS64] = 0.0
    return W_new


def beta_update_H(X, W, H, beta_loss):
    """One majorise-minimise update of H for the β-divergence (eq.
    (nmf-mu-beta) in the chapter "Non-negative matrix factorisation").

    ``H ← H ∘ [Wᵀ((WH)^(β−2) ∘ X) / Wᵀ(WH)^(β−1)]^γ(β)``, the transpose of
    ``beta_update_W``. For β ≤ 1, entries below float64's epsilon are set
    to 0.
    """
    beta = _beta_to_float(beta_loss)
    if beta in (1.0, 2.0):
        return multiplicative_update_H(
            X, W, H, "frobenius" if beta == 2 else "kullback-leibler"
        )
    numerator_term, denominator_term = _beta_ratio_terms(X, W @ H, beta)
    numerator, denominator = W.T @ numerator_term, W.T @ denominator_term
    denominator[denominator == 0] = EPSILON
    H_new = H * (numerator / denominator) ** _mm_exponent(beta)
    if beta < 1:
        H_new[H_new < _EPS64] = 0.0
    return H_new


def fit_beta_multiplicative(X, W, H, beta_loss, n_iter):
    """``n_iter`` iterations (W, then H) of the β-divergence updates from
    ``(W, H)``.

    Returns ``(W, H, history)`` with ``history[t]`` the loss
    ``beta_divergence`` after t iterations; it never increases (the updates
    are majorise-minimise steps).
    """
    history = [beta_divergence(X, W, H, beta_loss)]
    for _ in range(n_iter):
        W = beta_update_W(X, W, H, beta_loss)
        H = beta_update_H(X, W, H, beta_loss)
        history.append(beta_divergence(X, W, H, beta_loss))
    return W, H, np.asarray(history)


def beta_divergence_grad(X, W, H, beta_loss="frobenius"):
    """Gradients of ``beta_divergence`` with respect to W and H (no floors:
    WH > 0).

    With Y = WH, ∂d_β(x | y)/∂y = y^(β−1) − x y^(β−2), so ∇_W = (Y^(β−1) − X
    ∘ Y^(β−2)) Hᵀ and ∇_H = Wᵀ (Y^(β−1) − X ∘ Y^(β−2)): the denominator
    minus the numerator of the updates.
    """
    beta = _beta_to_float(beta_loss)
    Y = W @ H
    G = Y ** (beta - 1) - X * Y ** (beta - 2)
    return G @ H.T, W.T @ G


def kkt_residual(X, W, H, beta_loss="frobenius"):
    """‖min(W, ∇_W F)‖_F and ‖min(H, ∇_H F)‖_F, the KKT residual (eq.
    (nmf-kkt) in the chapter "Non-negative matrix factorisation").

    (W, H) satisfies the Karush-Kuhn-Tucker conditions of min F over W, H ≥
    0 (W ≥ 0, ∇_W F ≥ 0, W ∘ ∇_W F = 0, the same for H) iff both are 0: each
    entry of min(W, ∇_W F) is 0 exactly when either the entry is 0 with a
    non-negative gradient or the gradient is 0.
    """
    grad_W, grad_H = beta_divergence_grad(X, W, H, beta_loss)
    return float(np.linalg.norm(np.minimum(W, grad_W))), float(
        np.linalg.norm(np.minimum(H, grad_H))
    )


# Coordinate descent: HALS (Cichocki & Phan 2009), scikit-learn's default
# solver
# --------------------------------------------------------------------------


def hals_update(A, gram, cross):
    """One sweep of coordinate descent over the rows of the factor ``A`` (K,
    M), in place.

    The Frobenius loss is quadratic in each row a_t of A with the others
    fixed, so its exact minimiser over a_t ≥ 0 is a projected Newton step
    (hierarchical alternating least squares):

        a_t ← max(0, a_t − (G_t A − C_t) / G_tt),

    where G = ``gram`` (K, K) is the Gram matrix of the other factor and C =
    ``cross`` (K, M) the data projected on it. For W (stored transposed, A =
    Wᵀ): G = H Hᵀ and C = H Xᵀ; for H (A = H): G = Wᵀ W and C = Wᵀ X. Rows
    are updated in turn, each seeing the rows updated before it, so this is
    scikit-learn's ``solver='cd'`` sweep, vectorised over the M entries of a
    row (which do not interact) instead of looping over them in Cython.

    Each row update minimises the loss exactly over that row, so the loss
    never increases. Returns the sweep's total projected-gradient magnitude
    (scikit-learn's "violation"), which the stopping rule compares with its
    value at the first iteration.
    """
    violation = 0.0
    for t in range(A.shape[0]):
        a = A[t]
        grad = gram[t] @ A
        grad -= cross[t]
        # the projected gradient: where a_t = 0, only a negative gradient
        # can move it
        violation += float(
            np.abs(np.where(a == 0.0, np.minimum(grad, 0.0), grad)).sum()
        )
        if gram[t, t] != 0:
            grad /= gram[t, t]
            np.subtract(a, grad, out=a)
            np.maximum(a, 0.0, out=a)
    return violation


def _fit_coordinate_descent(X, W, H, max_iter, tol, update_H=True):
    """Alternate ``hals_update`` of W and H; stop as scikit-learn's
    ``solver='cd'`` does.

    Stops when the sweep's violation falls to ``tol`` times its value at the
    first iteration. Returns ``(W, H, n_iter, history, converged)`` with
    ``history[t]`` the loss after t iterations (``history[0]`` at the
    start), from the products the updates form anyway.
    """
    data_term = _data_term(X, "frobenius")
    # rows of Wᵀ are the columns of W: contiguous updates
    Wt = np.ascontiguousarray(W.T)
    H = np.ascontiguousarray(H)
    history = []
    violation_init = None
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        gram, cross = H @ H.T, H @ X.T
        history.append(
            data_term
            - float(np.vdot(Wt, cross))
            + 0.5 * float(np.vdot(Wt @ Wt.T, gram))
        )
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
    """Read KL-NMF factors ``X ≈ W H`` as PLSA probabilities (eq.
    (nmf-plsa) in the chapter "Non-negative matrix factorisation").

    Rescaling ``W → W S⁻¹``, ``H → S H`` with a positive diagonal S leaves W
    H unchanged; with the column sums of W and the row sums of H divided
    out, ``(W H)_dw / Σ W H = Σ_z P(z) P(d|z) P(w|z)``.

    Returns ``(p_z, p_d_given_z, p_w_given_z)`` of shapes (K,), (N, K) and
    (K, D): each column of ``p_d_given_z`` and each row of ``p_w_given_z``
    sums to 1, and ``p_z`` sums to 1.
    """
    w_sum = W.sum(axis=0)
    h_sum = H.sum(axis=1)
    mass = w_sum * h_sum
    return mass / mass.sum(), W / w_sum, H / h_sum[:, np.newaxis]


# --------------------------------------------------------------------------
# Initialisation (section "Starting points")
# --------------------------------------------------------------------------


def initialize_nmf(X, K, init="random", rng=None):
    """Starting factors ``(W, H)`` of shapes (N, K) and (K, D).

    ``'random'``: ``|normal|`` entries scaled by ``sqrt(mean(X) / K)``, so
    that ``W H`` has the data's mean (scikit-learn's rule). ``'nndsvd'``:
    Boutsidis and Gallopoulos' non-negative double SVD, the positive (or
    negative) part of each singular-vector pair, whichever carries more of
    the singular value; it contains exact zeros, which multiplicative
    updates never move. ``'nndsvda'``: the same with the zeros replaced by
    ``mean(X)``.
    """
    N, D = X.shape
    check_in(init, "init", ("random", "nndsvd", "nndsvda"))
    if init != "random" and K > min(N, D):
        raise ValueError(
            f"init={init!r} needs K <= min(N, D) = {min(N, D)}; use "
            "init='random'"
        )
    if init == "random":
        rng = check_random_state(rng)
        avg = np.sqrt(X.mean() / K)
        H = avg * np.abs(rng.standard_normal((K, D)))
        W = avg * np.abs(rng.standard_normal((N, K)))
        return W, H
    U, S, Vt = np.linalg.svd(X, full_matrices=False)
    W = np.zeros((N, K))
    H = np.zeros((K, D))
    # The leading singular vectors of a non-negative matrix can be taken
    # non-negative.
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


# --------------------------------------------------------------------------
# The fitting loop
# --------------------------------------------------------------------------


CHECK_EVERY = 10  # iterations between two looks of the stopping rule


def _fit_multiplicative(X, W, H, beta_loss, max_iter, tol, update_H=True):
    """Alternate the updates; stop as scikit-learn does. Returns
    ``(W, H, n_iter, history, converged)``.

    The loss is evaluated only where the stopping rule reads it (the KL
    loss costs N D logarithms): at the start, after every 10th iteration
    and after the last, so ``history[j]`` is the loss after
    ``min(10 j, n_iter)`` iterations. There the rule compares
    ``e = sqrt(2 loss)`` with its value 10 iterations earlier: stop when the
    decrease is below ``tol`` times ``e`` at the start.
    """
    data_term = _data_term(X, beta_loss)
    scale = abs(data_term) + (
        0.0 if beta_loss == "frobenius" else float(X.sum())
    )
    history = []
    previous_error = error_at_init = None
    for n_iter in range(max_iter + 1):
        if n_iter % CHECK_EVERY and n_iter < max_iter:
            W = multiplicative_update_W(X, W, H, beta_loss)
        else:
            # this W update also returns the loss after n_iter iterations
            W_new, loss = multiplicative_update_W(
                X, W, H, beta_loss, return_loss=True, data_term=data_term
            )
            # the expanded loss has cancelled most of its digits: recompute
            if loss < 1e-6 * scale:
                loss = beta_divergence(X, W, H, beta_loss)
            history.append(loss)
            error = np.sqrt(2.0 * max(loss, 0.0))
            if n_iter == 0:
                previous_error = error_at_init = error
            elif tol > 0 and n_iter % CHECK_EVERY == 0:
                # 0: exact fit
                if (
                    error_at_init == 0
                    or (previous_error - error) / error_at_init < tol
                ):
                    return W, H, n_iter, np.asarray(history), True
                previous_error = error
            if n_iter == max_iter:
                break
            W = W_new
        if update_H:
            H = multiplicative_update_H(X, W, H, beta_loss)
    return W, H, max_iter, np.asarray(history), False


class NMF(BaseEstimator):
    """Non-negative matrix factorisation ``X ≈ W H`` by multiplicative
    updates.

    Chapter "Non-negative matrix factorisation". Alternates
    ``multiplicative_update_W`` and ``multiplicative_update_H``, which never
    increase the loss.

    Parameters
    ----------
    n_components : int
        K, the number of parts (more than ``min(N, D)`` is allowed with
        ``init='random'`` or ``'custom'``; the parts are then not unique).
    beta_loss : {'frobenius', 'kullback-leibler'}
        The loss: ``½‖X − WH‖²`` (Gaussian noise) or the generalised KL
        divergence (Poisson).
    init : {'random', 'nndsvd', 'nndsvda', 'custom'}
        Starting point (``initialize_nmf``); ``'custom'`` uses the ``W`` and
        ``H`` passed to ``fit_transform``.
    max_iter : int
        Maximum number of iterations (one iteration updates W, then H).
    tol : float
        Relative tolerance of the stopping rule, checked every 10 iterations
        as in scikit-learn; ``tol=0`` runs exactly ``max_iter`` iterations.
    random_state : None, int or numpy.random.Generator
        For ``init='random'``.
    solver : {'mu', 'cd'}
        ``'mu'``: the multiplicative updates (both losses). ``'cd'``:
        coordinate descent by ``hals_update`` (Frobenius only;
        scikit-learn's default solver, which needs far fewer iterations);
        its ``tol`` is scikit-learn's: the projected-gradient violation
        relative to the first iteration's.

    Attributes
    ----------
    components_ : (K, D)
        H, the parts.
    activations_ : (N, K)
        W of the last training iteration, the partner of ``components_`` in
        ``history_`` and ``reconstruction_err_`` (``transform(X)`` solves
        for W again with H fixed).
    reconstruction_err_ : float
        ``sqrt(2 * loss)``: the Frobenius norm ``‖X − WH‖`` for the
        Frobenius loss.
    history_ : array
        The loss (never increases) at the iterations ``history_iter_``: for
        ``solver='mu'`` the start, every 10th iteration and the last (where
        the stopping rule reads it; the KL loss costs N D logarithms), for
        ``solver='cd'`` the start and every iteration.
    history_iter_ : array of int
        The iteration numbers of the entries of ``history_`` (not set with
        ``batch_size``, where ``history_`` has one entry per pass).
    n_iter_ : int
    converged_ : bool
    """

    _declared = {"positive_only": True}

    def __init__(
        self,
        n_components=2,
        *,
        beta_loss="frobenius",
        init="random",
        max_iter=200,
        tol=1e-4,
        random_state=None,
        forget_factor=0.7,
        batch_max_iter=30,
        batch_size=None,
        solver="mu",
    ):
        self.n_components = n_components
        self.beta_loss = beta_loss
        self.init = init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.forget_factor = forget_factor
        self.batch_max_iter = batch_max_iter
        self.batch_size = batch_size
        self.solver = solver

    def _check_X(self, X):
        X = check_scale(check_nonnegative(check_array(X)))
        if X.max() == 0:
            raise ValueError(
                "X is all zeros; there is nothing to factorise"
            )
        return X

    def _check_factor(self, A, shape, name):
        A = check_nonnegative(check_array(A, name=name), name=name)
        if A.shape != shape:
            raise ValueError(
                f"{name} has shape {A.shape}, expected {shape}"
            )
        if A.max() == 0:
            raise ValueError(
                f"{name} is all zeros; multiplicative updates would "
                "never move it"
            )
        return A.copy()

    def fit(self, X, y=None, W=None, H=None):
        """Fit the model to ``X`` (N, D); returns self.

        With ``batch_size`` set: online NMF (``partial_fit``) streamed over
        ``X`` (an array, memory map or ``.npy`` path), ``max_iter`` passes
        at most, stopping when the mean loss per row of a pass changes by
        less than ``tol``; ``init='custom'`` is not available there (call
        ``partial_fit`` with ``H``).
        """
        if self.batch_size is not None:  # chapter "Learning at scale"
            from .online import stream_fit

            return stream_fit(
                self,
                X,
                self.batch_size,
                max_epochs=self.max_iter,
                tol=self.tol,
                objective="batch_loss_",
            )
        beta_loss = check_in(self.beta_loss, "beta_loss", BETA_LOSSES)
        init = check_in(self.init, "init", INITS)
        X = self._check_X(X)
        N, D = X.shape
        # K > min(N, D) is allowed
        K = check_positive_int(self.n_components, "n_components")
        if K > min(N, D) and init in ("nndsvd", "nndsvda"):
            raise ValueError(
                f"init={init!r} needs n_components <= min(N, D) = "
                f"{min(N, D)} singular vectors "
                f"(X has shape {X.shape}); use init='random' or decrease "
                "n_components"
            )
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_positive_scalar(self.tol, "tol", allow_zero=True)
        if init == "custom":
            if W is None or H is None:
                raise ValueError(
                    "init='custom' needs both W and H: call fit(X, "
                    "W=W0, H=H0)"
                )
            W = self._check_factor(W, (N, K), "W")
            H = self._check_factor(H, (K, D), "H")
        else:
            if W is not None or H is not None:
                raise ValueError(
                    "W and H are only used with init='custom' (got "
                    f"init={init!r})"
                )
            W, H = initialize_nmf(
                X, K, init, check_random_state(self.random_state)
            )
        W, H, n_iter, history, converged = self._solve(
            X, W, H, beta_loss, max_iter, tol
        )
        self.components_ = H
        self.activations_ = W
        self.n_components_ = K
        self.n_features_in_ = D
        self.history_ = history
        step = CHECK_EVERY if self.solver == "mu" else 1
        self.history_iter_ = np.minimum(
            step * np.arange(len(history)), n_iter
        )
        self.n_iter_ = n_iter
        self.converged_ = converged
        self.reconstruction_err_ = float(
            np.sqrt(2.0 * max(beta_divergence(X, W, H, beta_loss), 0.0))
        )
        if not converged and tol > 0:
            warnings.warn(
                f"NMF did not converge in max_iter={max_iter} iterations; "
                "increase max_iter or tol",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def fit_transform(self, X, y=None, W=None, H=None):
        """Fit the model to ``X`` and return ``transform(X)``, the
        activations W (N, K).

        The W of the last training iteration was computed before the last
        update of H; the activations for the final parts H (what
        ``transform`` returns) can differ from it.
        """
        return self.fit(X, W=W, H=H).transform(X)

    def transform(self, X):
        """Activations W for new data with the parts H = ``components_``
        fixed.

        Runs the W updates alone from the constant ``sqrt(mean(X) / K)``
        (zeros for ``solver='cd'``, as scikit-learn), with the same
        ``max_iter`` and stopping rule as ``fit``.
        """
        check_is_fitted(self, "components_")
        X = check_n_features(self._check_X(X), self.n_features_in_)
        K = self.components_.shape[0]
        W = np.full((X.shape[0], K), np.sqrt(X.mean() / K))
        if self.solver == "cd":
            # coordinate descent can move zeros (scikit-learn starts it
            # there)
            W[:] = 0.0
        W, *_ = self._solve(
            X,
            W,
            self.components_,
            self.beta_loss,
            self.max_iter,
            self.tol,
            update_H=False,
        )
        return W

    def _solve(self, X, W, H, beta_loss, max_iter, tol, update_H=True):
        solver = check_in(self.solver, "solver", SOLVERS)
        if solver == "mu":
            return _fit_multiplicative(
                X, W, H, beta_loss, max_iter, tol, update_H=update_H
            )
        if beta_loss != "frobenius":
            raise ValueError(
                "solver='cd' handles only beta_loss='frobenius' (got "
                f"{beta_loss!r}); use solver='mu'"
            )
        return _fit_coordinate_descent(
            X, W, H, max_iter, tol, update_H=update_H
        )

    def inverse_transform(self, W):
        """The reconstruction ``W H`` of shape (N, D)."""
        check_is_fitted(self, "components_")
        W = check_array(W, name="W")
        if W.shape[1] != self.components_.shape[0]:
            raise ValueError(
                f"W has {W.shape[1]} columns, but the model has "
                f"{self.components_.shape[0]} components"
            )
        return W @ self.components_

    def partial_fit(self, X, y=None, W=None, H=None):
        """One step of online NMF on a batch of rows (Mairal et al. 2010;
        eq. (nmf-online) in the chapter "Learning at scale: stochastic and
        online inference").

        The batch's activations W_b are fitted with H fixed (up to
        ``batch_max_iter`` multiplicative updates from the constant
        ``sqrt(mean(X_b) / K)``, stopping when ‖ΔW‖ / ‖W‖ ≤ ``tol``). Then
        the numerator A and denominator B of H's multiplicative update are
        accumulated over batches with the forgetting factor ρ =
        ``forget_factor``, A ← ρ A + H ∘ N_b, B ← ρ B + D_b (N_b, D_b: this
        batch's numerator and denominator of eq.
        (nmf-mu-frob-H) in the chapter "Non-negative matrix factorisation"
        or (nmf-mu-kl-H)), and H ← A / B: a majorise-minimise step on an
        exponentially weighted loss over all batches seen. This is
        scikit-learn's ``MiniBatchNMF.partial_fit`` (Lefebvre, Lehmann &
        Biau 2021). ``H`` starts the first call when ``init='custom'``;
        ``W`` is not used (accepted for scikit-learn's signature). Returns
        self.
        """
        X = self._check_X(X)
        beta_loss = check_in(self.beta_loss, "beta_loss", BETA_LOSSES)
        K = check_positive_int(self.n_components, "n_components")
        tol = check_positive_scalar(self.tol, "tol", allow_zero=True)
        n_iter = check_positive_int(self.batch_max_iter, "batch_max_iter")
        rho = check_positive_scalar(self.forget_factor, "forget_factor")
        if rho > 1:
            raise ValueError(
                f"forget_factor={rho} must lie in (0, 1]: it weights "
                "the past batches"
            )
        if not hasattr(self, "_H_numerator"):
            if hasattr(self, "components_"):
                H = self.components_.copy()
            elif check_in(self.init, "init", INITS) == "custom":
                if H is None:
                    raise ValueError(
                        "init='custom' needs H on the first call: "
                        "partial_fit(X, H=H0)"
                    )
                H = self._check_factor(H, (K, X.shape[1]), "H")
            else:
                _, H = initialize_nmf(
                    X, K, self.init, check_random_state(self.random_state)
                )
            self.n_features_in_ = X.shape[1]
            self.n_components_ = K
            self._H_numerator, self._H_denominator = (
                H.copy(),
                np.ones_like(H),
            )
            self.n_steps_ = 0
            self.components_ = H
        X = check_n_features(X, self.n_features_in_)
        H = self.components_
        W = np.full((X.shape[0], K), np.sqrt(X.mean() / K))
        for _ in range(n_iter):
            W_new = multiplicative_update_W(X, W, H, beta_loss)
            change = np.linalg.norm(W_new - W) / np.linalg.norm(W_new)
            W = W_new
            if tol > 0 and change <= tol:
                break
        if beta_loss == "frobenius":
            numerator = W.T @ X
            denominator = (W.T @ W) @ H
        else:
            WH = np.maximum(W @ H, EPSILON)
            numerator = W.T @ (X / WH)
            W_sum = W.sum(axis=0)
            W_sum[W_sum == 0] = 1.0
            denominator = np.broadcast_to(W_sum[:, None], H.shape).copy()
        denominator[denominator == 0] = EPSILON
        # before the update
        self.batch_loss_ = beta_divergence(X, W, H, beta_loss) / X.shape[0]
        self._H_numerator = rho * self._H_numerator + numerator * H
        self._H_denominator = rho * self._H_denominator + denominator
        H = self._H_numerator / self._H_denominator
        if beta_loss != "frobenius":
            H[H < _EPS64] = 0.0
        self.components_ = H
        self.n_steps_ += 1
        return self

"""Sparse coding: ISTA, FISTA and dictionary learning.

The chapter "Sparse coding" (book/sparse) derives every function here; each
docstring names its equation. Sparse coding is a latent variable model with
a *non-Gaussian* latent: each data row x_n (length D) is
``x_n = c_n D + noise`` with a code c_n (length K) whose entries have a
Laplace prior. The MAP code is the solution of the lasso problem (eq.
(sparse-lasso))

    minimise over c:   ½ ‖x − c D‖² + α ‖c‖₁,

solved here for all rows at once by proximal gradient descent (ISTA) and its
accelerated version (FISTA). Conventions follow scikit-learn's
``sparse_encode``: ``X`` is (n_samples, n_features), ``dictionary`` is
(n_components, n_features) with one *atom* per row, and the codes are
(n_samples, n_components). scikit-learn's ``Lasso`` minimises
``1/(2 n) ‖y − A w‖² + α ‖w‖₁`` instead, so our α on one row equals its α
times n_features.
"""

import warnings

import numpy as np

from .base import BaseEstimator, check_is_fitted
from .exceptions import ConvergenceWarning
from .validation import (
    check_array,
    check_in,
    check_n_features,
    check_positive_int,
    check_positive_scalar,
    check_random_state,
    check_scale,
)

__all__ = [
    "DictionaryLearning",
    "extract_patches",
    "fista",
    "ista",
    "lasso_objective",
    "lipschitz_constant",
    "orthogonal_matching_pursuit",
    "reconstruct_from_patches",
    "soft_threshold",
    "sparse_encode",
    "update_dictionary",
]

ALGORITHMS = ("fista", "ista")


def soft_threshold(V, threshold):
    """The proximal operator of ``threshold · ‖·‖₁`` (eq.
    (sparse-soft-threshold) in the chapter "Sparse coding").

    Shrinks every entry towards 0 by ``threshold`` and sets those within it
    to exactly 0: ``sign(v) · max(|v| − threshold, 0)``.
    """
    return np.sign(V) * np.maximum(np.abs(V) - threshold, 0.0)


def lasso_objective(X, codes, dictionary, alpha):
    """Per-row objective ``½‖x_n − c_n D‖² + α‖c_n‖₁`` (eq.
    (sparse-lasso) in the chapter "Sparse coding"), shape (N,).
    """
    R = X - codes @ dictionary
    return 0.5 * np.einsum("nd,nd->n", R, R) + alpha * np.abs(codes).sum(
        axis=1
    )


def lipschitz_constant(dictionary):
    """L = ‖D Dᵀ‖₂, the largest eigenvalue of the Gram matrix of the atoms.

    The gradient ``(c D − x) Dᵀ`` of the smooth part is L-Lipschitz, so 1/L
    is a safe step.
    """
    return float(np.linalg.eigvalsh(dictionary @ dictionary.T)[-1])


def _check_coding_problem(X, dictionary, alpha, max_iter, tol, init):
    X = check_array(X)
    dictionary = check_array(dictionary, name="dictionary")
    if dictionary.shape[1] != X.shape[1]:
        raise ValueError(
            f"dictionary has {dictionary.shape[1]} features (columns) but "
            f"X has {X.shape[1]}; "
            "the dictionary is (n_components, n_features), one atom per row"
        )
    alpha = check_positive_scalar(alpha, "alpha", allow_zero=True)
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_positive_scalar(tol, "tol", allow_zero=True)
    shape = (X.shape[0], dictionary.shape[0])
    if init is None:
        codes = np.zeros(shape)
    else:
        codes = check_array(init, name="init").copy()
        if codes.shape != shape:
            raise ValueError(
                f"init has shape {codes.shape}, expected (n_samples, "
                f"n_components) = {shape}"
            )
    if not np.any(dictionary):
        raise ValueError(
            "dictionary is all zeros; every atom must be a non-zero vector"
        )
    return X, dictionary, alpha, max_iter, tol, codes


def _proximal_gradient(
    X,
    dictionary,
    alpha,
    max_iter,
    tol,
    init,
    return_history,
    accelerate,
    name,
):
    X, dictionary, alpha, max_iter, tol, codes = _check_coding_problem(
        X, dictionary, alpha, max_iter, tol, init
    )
    # K x K: the gradient is  codes @ gram − X Dᵀ
    gram = dictionary @ dictionary.T
    XDt = X @ dictionary.T  # N x K, formed once
    L = float(np.linalg.eigvalsh(gram)[-1])
    history = []
    threshold = alpha / L
    # Three N x K buffers reused in every iteration: the loop is
    # memory-bound, and allocating fresh temporaries cost more than the K x
    # K product (same operations, same order).
    new, diff = np.empty_like(codes), np.empty_like(codes)
    # FISTA's extrapolated point and momentum counter
    Y, t = (codes.copy() if accelerate else codes), 1.0
    converged = False
    for _ in range(max_iter):
        # eq. sparse-ista: a gradient step on the smooth part ...
        np.matmul(Y, gram, out=new)
        new -= XDt
        new /= L
        np.subtract(Y, new, out=new)
        # ... then the soft threshold: v − clip(v)
        np.clip(new, -threshold, threshold, out=diff)
        new -= diff
        np.subtract(new, codes, out=diff)
        change = max(diff.max(), -diff.min()) if diff.size else 0.0
        # eq. sparse-fista: Y = new + (t − 1)/t_new · (new − codes)
        if accelerate:
            t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
            np.multiply(diff, (t - 1.0) / t_new, out=Y)
            Y += new
            t = t_new
        codes, new = new, codes  # the old codes' buffer is overwritten next
        if not accelerate:
            Y = codes
        if return_history:
            history.append(
                float(lasso_objective(X, codes, dictionary, alpha).sum())
            )
        if change <= tol:
            converged = True
            break
    if not converged:
        warnings.warn(
            f"{name} did not converge in max_iter={max_iter} iterations "
            "(last change in the "
            f"codes {change:.3g} > tol={tol:g}); increase max_iter or tol",
            ConvergenceWarning,
            stacklevel=3,
        )
    return (codes, np.asarray(history)) if return_history else codes


def ista(
    X,
    dictionary,
    alpha=1.0,
    max_iter=1000,
    tol=1e-8,
    *,
    init=None,
    return_history=False,
):
    """Sparse codes by ISTA, proximal gradient descent (algorithm
    (alg-ista) in the chapter "Sparse coding").

    Minimises ``½‖x_n − c_n D‖² + α‖c_n‖₁`` (eq. (sparse-lasso)) for every
    row x_n of ``X`` at once: ``C ← S_{α/L}(C − (C D Dᵀ − X Dᵀ) / L)`` (eq.
    (sparse-ista)), where S is ``soft_threshold`` and L
    ``lipschitz_constant``. The objective never increases and its gap to the
    minimum falls like 1/k.

    Parameters
    ----------
    X : (N, D)
    dictionary : (K, D)
        One atom per row.
    alpha : float
        Weight of the L1 penalty (the noise variance over the Laplace scale,
        eq. (sparse-map)).
    max_iter : int
    tol : float
        Stop when no code entry moves by more than ``tol`` in an iteration.
    init : (N, K), optional
        Starting codes (zeros by default); warm starts make repeated solves
        cheap.
    return_history : bool
        Also return the total objective after each iteration.

    Returns
    -------
    codes : (N, K)
    history : (n_iter,), only with ``return_history=True``
    """
    return _proximal_gradient(
        X,
        dictionary,
        alpha,
        max_iter,
        tol,
        init,
        return_history,
        False,
        "ista",
    )


def fista(
    X,
    dictionary,
    alpha=1.0,
    max_iter=1000,
    tol=1e-8,
    *,
    init=None,
    return_history=False,
):
    """Sparse codes by FISTA (Beck and Teboulle 2009; algorithm
    (alg-fista) in the chapter "Sparse coding").

    The same problem and arguments as ``ista``. Each proximal step is taken
    from an extrapolated point ``Y = C_k + ((t_k − 1)/t_{k+1}) (C_k −
    C_{k−1})`` (eq. (sparse-fista)), which makes the objective gap fall like
    1/k² instead of 1/k; the objective is no longer monotone.
    """
    return _proximal_gradient(
        X,
        dictionary,
        alpha,
        max_iter,
        tol,
        init,
        return_history,
        True,
        "fista",
    )


def sparse_encode(
    X,
    dictionary,
    alpha=1.0,
    algorithm="fista",
    max_iter=1000,
    tol=1e-8,
    *,
    init=None,
):
    """Sparse codes (N, K) of the rows of ``X`` over ``dictionary`` by ISTA
    or FISTA.

    The same objective as scikit-learn's ``sparse_encode(X, dictionary,
    alpha=alpha, algorithm='lasso_cd')``.
    """
    algorithm = check_in(algorithm, "algorithm", ALGORITHMS)
    solver = fista if algorithm == "fista" else ista
    return solver(X, dictionary, alpha, max_iter, tol, init=init)


def orthogonal_matching_pursuit(
    X, dictionary, n_nonzero_coefs=None, tol=None
):
    """ℓ0 codes (N, K) by orthogonal matching pursuit
    ((alg-omp) in the chapter "Sparse coding", eq. (sparse-l0)).

    A greedy answer to ``min ‖x − c D‖²`` over codes with at most
    ``n_nonzero_coefs`` non-zero entries, which is NP-hard to solve exactly.
    From the residual r = x and an empty support, each step adds the atom
    most correlated with the residual, argmax_k |r · d_k| (for unit atoms
    the one that reduces ‖r‖ most on its own), then refits the code on the
    whole support by least squares, so that the new residual is orthogonal
    to every chosen atom and no atom is chosen twice. It stops after
    ``n_nonzero_coefs`` atoms (default: 10% of K, at least 1), or, if
    ``tol`` is given, as soon as ‖r‖² ≤ ``tol``. The same steps, stopping
    rule and default as scikit-learn's ``orthogonal_mp(dictionary.T,
    X.T).T``.
    """
    X = check_array(X)
    dictionary = check_array(dictionary, name="dictionary")
    K = dictionary.shape[0]
    if dictionary.shape[1] != X.shape[1]:
        raise ValueError(
            f"dictionary has {dictionary.shape[1]} features (columns) but "
            f"X has {X.shape[1]}; "
            "the dictionary is (n_components, n_features), one atom per row"
        )
    if tol is None:
        if n_nonzero_coefs is None:
            max_atoms = max(int(0.1 * K), 1)
        else:
            max_atoms = check_positive_int(
                n_nonzero_coefs, "n_nonzero_coefs"
            )
        if max_atoms > min(K, X.shape[1]):
            raise ValueError(
                f"n_nonzero_coefs={max_atoms} is larger than the number of "
                "atoms or of features "
                f"({K}, {X.shape[1]}); decrease it"
            )
    else:
        tol = check_positive_scalar(tol, "tol", allow_zero=True)
        max_atoms = min(K, X.shape[1])
    codes = np.zeros((X.shape[0], K))
    for n, x in enumerate(X):
        support, residual = [], x
        while len(support) < max_atoms:
            k = int(np.argmax(np.abs(dictionary @ residual)))
            # the residual is orthogonal to the span: nothing left to add
            if k in support:
                break
            support.append(k)
            coef = np.linalg.lstsq(dictionary[support].T, x, rcond=None)[0]
            residual = x - coef @ dictionary[support]
            if tol is not None and residual @ residual <= tol:
                break
        codes[n, support] = coef
    return codes


def update_dictionary(X, codes, dictionary, rng=None):
    """One pass of block coordinate descent over the atoms (eq.
    (sparse-dict-update) in the chapter "Sparse coding").

    For each atom d_k in turn, with the others fixed, ``½‖X − C D‖²`` is the
    isotropic quadratic ``(a_k / 2) ‖d_k − d_k*‖² + const`` with ``a_k =
    ‖c_k‖²`` (the k-th column of the codes) and
    ``d_k* = d_k + c_kᵀ R / a_k`` (R the residual). Its minimiser on the
    unit sphere is ``d_k* / ‖d_k*‖``, so every atom update is exact and the
    objective never increases. An atom no code uses (``a_k = 0``) does not
    affect the objective; it is restarted at a random data row so that it
    can be used in the next coding step.

    Returns the new dictionary (K, D) with unit-norm rows.
    """
    dictionary = dictionary.copy()
    R = X - codes @ dictionary  # kept up to date as atoms change
    for k in range(dictionary.shape[0]):
        c_k = codes[:, k]
        a_k = c_k @ c_k
        if a_k == 0:
            rng = check_random_state(rng)
            new = X[rng.integers(X.shape[0])] + 1e-3 * rng.standard_normal(
                X.shape[1]
            )
        else:
            new = dictionary[k] + (c_k @ R) / a_k
        norm = np.linalg.norm(new)
        if norm == 0:  # the data row was zero: any unit vector will do
            rng = check_random_state(rng)
            new = rng.standard_normal(X.shape[1])
            norm = np.linalg.norm(new)
        new /= norm
        if a_k != 0:
            R -= np.outer(c_k, new - dictionary[k])
        dictionary[k] = new
    return dictionary


class DictionaryLearning(BaseEstimator):
    """Dictionary learning by alternating sparse coding and dictionary
    updates.

    Chapter "Sparse coding", section "Learning the dictionary". Minimises
    ``½‖X − C D‖²_F + α ‖C‖₁`` over codes C (N, K) and a dictionary D (K, D)
    with unit-norm atoms, by alternating ``fista`` (warm-started from the
    previous codes) and ``update_dictionary``. Both steps never increase the
    objective (the coding step keeps, row by row, the better of the old and
    the new codes, since FISTA is not monotone).

    Parameters
    ----------
    n_components : int
        K, the number of atoms (may exceed D: an overcomplete dictionary).
    alpha : float
        Weight of the L1 penalty.
    max_iter : int
        Maximum number of alternations.
    tol : float
        Stop when the objective falls by less than ``tol`` times its value
        in one alternation.
    code_max_iter : int
        Maximum FISTA iterations per coding step in ``fit``; the codes are
        warm-started from the previous step, so a few dozen suffice.
    transform_max_iter : int
        Maximum FISTA iterations in ``transform``.
    random_state : None, int or numpy.random.Generator
        Picks the K data rows that start the dictionary.

    Attributes
    ----------
    components_ : (K, D)
        The dictionary, one unit-norm atom per row.
    history_ : (n_iter_ + 1,)
        The objective at the start and after each alternation (never
        increases).
    error_ : float
        The final objective.
    n_iter_ : int
    converged_ : bool
    """

    def __init__(
        self,
        n_components=8,
        *,
        alpha=1.0,
        max_iter=100,
        tol=1e-6,
        code_max_iter=50,
        transform_max_iter=1000,
        random_state=None,
    ):
        self.n_components = n_components
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.code_max_iter = code_max_iter
        self.transform_max_iter = transform_max_iter
        self.random_state = random_state

    def fit_transform(self, X, y=None):
        """Learn the dictionary and return ``transform(X)``, the codes (N,
        K) over it.

        The codes of the last alternation were computed before the last
        dictionary update; the codes over the final dictionary (what
        ``transform`` returns) can differ from them.
        """
        return self.fit(X).transform(X)

    def fit(self, X, y=None):
        """Learn the dictionary from ``X`` (N, D); returns self."""
        K = check_positive_int(self.n_components, "n_components")
        X = check_scale(check_array(X))
        alpha = check_positive_scalar(self.alpha, "alpha", allow_zero=True)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_positive_scalar(self.tol, "tol", allow_zero=True)
        inner = check_positive_int(self.code_max_iter, "code_max_iter")
        rng = check_random_state(self.random_state)

        # K data rows start the dictionary; with more atoms than rows (K >
        # N), the rest start as zero rows, which get random directions just
        # below, like zero data rows.
        n_rows = min(K, X.shape[0])
        dictionary = X[
            rng.choice(X.shape[0], size=n_rows, replace=False)
        ].copy()
        dictionary = np.vstack(
            [dictionary, np.zeros((K - n_rows, X.shape[1]))]
        )
        norms = np.linalg.norm(dictionary, axis=1)
        zero = norms == 0
        dictionary[zero] = rng.standard_normal(
            (int(zero.sum()), X.shape[1])
        )
        dictionary /= np.linalg.norm(dictionary, axis=1, keepdims=True)
        codes = np.zeros((X.shape[0], K))
        history = [
            float(lasso_objective(X, codes, dictionary, alpha).sum())
        ]
        converged = False
        for _ in range(max_iter):
            codes = self._code_step(X, codes, dictionary, alpha, inner)
            dictionary = update_dictionary(X, codes, dictionary, rng)
            history.append(
                float(lasso_objective(X, codes, dictionary, alpha).sum())
            )
            if history[-2] - history[-1] <= tol * abs(history[-2]):
                converged = True
                break
        self.components_ = dictionary
        self.history_ = np.asarray(history)
        self.error_ = history[-1]
        self.n_iter_ = len(history) - 1
        self.converged_ = converged
        self.n_features_in_ = X.shape[1]
        if not converged:
            warnings.warn(
                "DictionaryLearning did not converge in "
                f"max_iter={max_iter} alternations; "
                "increase max_iter or tol",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    @staticmethod
    def _code_step(X, codes, dictionary, alpha, max_iter):
        # an inexact inner solve is fine: we keep the better codes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            new = fista(X, dictionary, alpha, max_iter, 1e-6, init=codes)
        worse = lasso_objective(
            X, new, dictionary, alpha
        ) > lasso_objective(X, codes, dictionary, alpha)
        new[worse] = codes[worse]
        return new

    def transform(self, X):
        """Sparse codes (N, K) of ``X`` over the learned dictionary (by
        ``fista``).
        """
        check_is_fitted(self, "components_")
        X = check_n_features(check_array(X), self.n_features_in_)
        return fista(
            X, self.components_, self.alpha, self.transform_max_iter, 1e-8
        )

    def inverse_transform(self, codes):
        """The reconstruction ``C D`` (N, D)."""
        check_is_fitted(self, "components_")
        return check_array(codes, name="codes") @ self.components_


# ------------------------------------------------------------ image patches


def _check_patch_grid(image_shape, patch_size, step):
    """Validate a patch grid; return (patch_size, step, n_rows, n_cols) of
    patch positions.
    """
    if len(image_shape) != 2:
        raise ValueError(
            "the image must be 2-D (greyscale, height x width), got "
            f"shape {tuple(image_shape)}"
        )
    patch_size = check_positive_int(patch_size, "patch_size")
    step = check_positive_int(step, "step")
    H, W = image_shape
    if patch_size > min(H, W):
        raise ValueError(
            f"patch_size={patch_size} is larger than the image ({H} x {W})"
        )
    return (
        patch_size,
        step,
        (H - patch_size) // step + 1,
        (W - patch_size) // step + 1,
    )


def extract_patches(image, patch_size, step=1):
    """All ``patch_size`` x ``patch_size`` patches of a greyscale image, one
    flattened patch a row.

    Chapter "Sparse coding", section "Learning the dictionary". Patches
    start every ``step`` pixels, left to right and top to bottom, so row
    ``i * n_cols + j`` is the patch whose top left corner is pixel
    ``(i * step, j * step)``. With ``step=1`` this is scikit-learn's
    ``extract_patches_2d(image, (p, p)).reshape(-1, p * p)``. A strided view
    of the image, copied once into the (n_patches, p * p) result.
    """
    image = check_array(image, name="image")
    p, step, _, _ = _check_patch_grid(image.shape, patch_size, step)
    windows = np.lib.stride_tricks.sliding_window_view(image, (p, p))[
        ::step, ::step
    ]
    return windows.reshape(-1, p * p)


def reconstruct_from_patches(patches, image_shape, patch_size, step=1):
    """The image whose patches are ``patches``, averaging where patches
    overlap.

    The inverse of ``extract_patches`` (same ``patch_size`` and ``step``):
    each pixel is the mean of the values that the patches covering it give
    it. When the patches are edited (denoised, say) and no longer agree,
    this is the least-squares image for them. With ``step=1`` this equals
    scikit-learn's ``reconstruct_from_patches_2d``, sum for sum: the p * p
    offsets are added in the order that gives every pixel its patches in the
    same order.

    Parameters
    ----------
    patches : (n_patches, patch_size * patch_size)
    image_shape : (height, width)
    patch_size : int
    step : int
        The patch grid must cover the image: ``height - patch_size`` and
        ``width - patch_size`` must be multiples of ``step``.
    """
    patches = check_array(patches, name="patches")
    image_shape = tuple(int(n) for n in image_shape)
    p, step, n_rows, n_cols = _check_patch_grid(
        image_shape, patch_size, step
    )
    H, W = image_shape
    if (H - p) % step or (W - p) % step:
        raise ValueError(
            f"patches of size {p} every {step} pixels do not cover a {H} x "
            f"{W} image to its last "
            f"row and column; choose step dividing {H - p} and {W - p}"
        )
    if patches.shape != (n_rows * n_cols, p * p):
        raise ValueError(
            f"patches has shape {patches.shape}, expected (n_patches, "
            "patch_size**2) = "
            f"{(n_rows * n_cols, p * p)} for a {H} x {W} image, "
            f"patch_size={p}, step={step}"
        )
    grid = patches.reshape(n_rows, n_cols, p, p)
    image = np.zeros(image_shape)
    counts = np.zeros(image_shape)
    # offsets in reverse order: each pixel then receives its patches
    # top-left first
    for a in range(p - 1, -1, -1):
        for b in range(p - 1, -1, -1):
            rows = slice(a, a + (n_rows - 1) * step + 1, step)
            cols = slice(b, b + (n_cols - 1) * step + 1, step)
            image[rows, cols] += grid[:, :, a, b]
            counts[rows, cols] += 1
    return image / counts

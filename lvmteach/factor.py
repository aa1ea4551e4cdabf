"""Linear-Gaussian factor models: PCA, probabilistic PCA and factor
analysis.

The chapter "PCA, probabilistic PCA and factor analysis" (book/factor)
derives every function here; each docstring names its equation. Notation
(see the notation page): ``X`` is (N, D), ``q`` = ``n_components`` latent
dimensions, the generative model is

    z ~ 𝒩(0, I_q),    x | z ~ 𝒩(W z + μ, Ψ),

with ``W`` the (D, q) loading matrix, ``mean`` = μ and ``psi`` the diagonal
of Ψ, shape (D,). Probabilistic PCA is the special case Ψ = σ² I
(``psi = sigma2 * ones(D)``), so the functions below take ``psi`` as a
vector and serve both models.

Variance conventions (tested in tests/test_factor.py):

* every estimate here is a maximum-likelihood estimate, so the sample
  covariance is S = (1/N) Σ_n (x_n − x̄)(x_n − x̄)ᵀ, **divided by N**;
  ``PCA``'s ``explained_variance_`` holds the eigenvalues of this S;
* scikit-learn's ``PCA`` divides by N − 1, so its ``explained_variance_``
  (and its ``noise_variance_``) are ours times N / (N − 1);
  ``explained_variance_ratio_`` is the same;
* scikit-learn's ``FactorAnalysis`` divides by N, like us.

Sign convention: a principal axis is defined up to sign; as in scikit-learn
(≥ 1.5), each row of ``components_`` is flipped so that its entry of largest
absolute value is positive.

Numerics: the D × D model covariance C = W Wᵀ + Ψ is never inverted or
factorised. The Woodbury identity and the matrix determinant lemma (eqs.
(fa-woodbury), (fa-det-lemma)) move all the work to the q × q matrix P = I +
Wᵀ Ψ⁻¹ W, whose Cholesky factor gives both the log-determinant and the
solves.
"""

import numpy as np
from scipy import linalg

from .base import BaseEstimator, check_is_fitted
from .em import EMMixin, check_em_settings, fit_em
from .numerics import cholesky_or_raise, log_det_from_cholesky
from .validation import (
    check_array,
    check_in,
    check_n_features,
    check_positive_int,
    check_random_state,
)

__all__ = [
    "PCA",
    "PPCA",
    "FactorAnalysis",
    "principal_components",
    "centred_svd",
    "covariance_eigh",
    "ppca_closed_form",
    "minka_log_evidence",
    "heywood_features",
    "log_likelihood",
    "posterior",
    "e_step",
    "m_step",
    "e_step_missing",
    "m_step_missing",
    "impute_missing",
]

_LOG_2PI = np.log(2.0 * np.pi)
# Smallest noise variance the M-step may return, relative to the feature's
# variance. The likelihood is unbounded as ψ_d → 0 (a "Heywood case"), so
# ψ_d is kept above this floor; the clipped value is still the constrained
# maximiser, so EM stays monotone.
_PSI_FLOOR = 1e-12


# --------------------------------------------------------------------------
# PCA (chapter section "Principal component analysis")
# --------------------------------------------------------------------------


def _flip_signs(components):
    """Flip each row so that its entry of largest absolute value is positive
    (scikit-learn's rule).
    """
    idx = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(len(components)), idx])
    signs[signs == 0] = 1.0
    return components * signs[:, None]


def principal_components(X, q):
    """PCA of ``X``: eqs. (pca-maxvar) and (pca-eig) in the chapter
    "PCA, probabilistic PCA and factor analysis".

    The principal axes are the leading eigenvectors of S = X_cᵀ X_c / N.
    When N ≥ 10 D, ``covariance_eigh`` forms S with one product and
    takes its eigendecomposition; otherwise ``centred_svd`` takes the
    thin SVD of X_c. Both give the same axes and eigenvalues.

    Returns
    -------
    mean : (D,)
        x̄, the sample mean.
    components : (q, D)
        The first q principal axes u_1, …, u_q as rows (signs as in the
        module docstring).
    eigenvalues : (D,)
        All D eigenvalues λ_1 ≥ … ≥ λ_D of S (divided by N; zeros beyond
        rank N).
    """
    N, D = X.shape
    # the column means as one BLAS product, faster than X.mean(axis=0)
    mean = np.ones(N) @ X / N
    if N >= 10 * D:
        eigenvalues, Vt = covariance_eigh(X, mean)
    else:
        eigenvalues, Vt = centred_svd(X - mean)
    return mean, _flip_signs(Vt[:q]), eigenvalues


def centred_svd(Xc):
    """Eigenvalues and axes of S = X_cᵀ X_c / N from the thin SVD of X_c.

    Eq. (pca-eig) in the chapter
    "PCA, probabilistic PCA and factor analysis".

    With X_c = U diag(s) Vᵀ, S = V diag(s² / N) Vᵀ: the rows of Vᵀ are
    the axes and s² / N the eigenvalues. Costs about 4 N D² + 8 D³.

    Returns ``(eigenvalues, Vt)``: (D,) decreasing (zeros beyond rank N)
    and (min(N, D), D).
    """
    N, D = Xc.shape
    _, s, Vt = linalg.svd(Xc, full_matrices=False, check_finite=False)
    eigenvalues = np.zeros(D)
    eigenvalues[: len(s)] = s**2 / N
    return eigenvalues, Vt


def covariance_eigh(X, mean):
    """Eigenvalues and axes of S = X_cᵀ X_c / N from ``eigh`` of S.

    Eq. (pca-eig) in the chapter
    "PCA, probabilistic PCA and factor analysis".

    One BLAS product (N D², half of it by symmetry) and a D × D
    eigendecomposition: for N ≫ D several times faster than the SVD of
    X_c; scikit-learn's PCA does the same for N ≥ 10 D
    (``svd_solver="covariance_eigh"``). Two numerical prices:

    * S's eigenvalues carry an absolute error of order ε λ_1
      (ε ≈ 1e-16), where the SVD's s_j² has one of order ε s_1 s_j, so
      eigenvalues far below ε λ_1 lose their relative accuracy (they
      are clipped at 0, never negative). The leading eigenvalues and
      axes, and PPCA's σ² (their mean over j > q), are unaffected
      unless σ² < 1e-12 × the total variance, which ``PPCA`` already
      refuses as noiseless data.
    * To save a pass over X, S is formed as XᵀX / N − x̄ x̄ᵀ, without
      centring X. The subtraction cancels about log10 κ digits, with
      κ = tr(XᵀX / N) / tr(S) (how far the mean is from 0 in units of
      the spread); when κ > 100 (more than two digits lost), S is
      recomputed from the centred data.

    Returns ``(eigenvalues, Vt)``: (D,) decreasing and (D, D).
    """
    N = X.shape[0]
    S = X.T @ X / N
    second_moment = np.trace(S)
    S -= np.outer(mean, mean)
    if second_moment > 100.0 * np.trace(S):  # cancellation: centre
        Xc = X - mean
        S = Xc.T @ Xc / N
    # NumPy's eigh, not SciPy's: SciPy links its own OpenBLAS, whose
    # threads, started right after NumPy's finished X.T @ X, contend with
    # them (with 2 threads the fit took 2.5 times longer)
    eigenvalues, V = np.linalg.eigh(S)
    return np.maximum(eigenvalues[::-1], 0.0), V[:, ::-1].T


# --------------------------------------------------------------------------
# Probabilistic PCA: closed form, likelihood, posterior (section
# "Probabilistic PCA")
# --------------------------------------------------------------------------


def ppca_closed_form(X, q):
    """Tipping and Bishop's maximum-likelihood PPCA (eqs. (ppca-mle-sigma)
    and (ppca-mle-W) in the chapter "PCA, probabilistic PCA and factor
    analysis").

    σ² = (1 / (D − q)) Σ_{j>q} λ_j, the average variance lost, and W = U_q
    (Λ_q − σ² I)^{1/2}, taking the rotation R = I. Bishop eqs.
    (12.45)-(12.46).

    Returns ``(mean, W, sigma2)`` with W of shape (D, q).
    """
    D = X.shape[1]
    mean, components, eigenvalues = principal_components(X, q)
    sigma2 = float(eigenvalues[q:].mean())
    W = components.T * np.sqrt(np.maximum(eigenvalues[:q] - sigma2, 0.0))
    return mean, W, sigma2


def minka_log_evidence(eigenvalues, q, n_samples):
    """Minka's Laplace approximation to log p(X | q) for PPCA with q latent
    dimensions (eq. (minka-evidence) in the chapter "PCA, probabilistic PCA
    and factor analysis").

    Minka (2000) integrates the PPCA likelihood over W (through its
    eigenvectors U, with a uniform prior on the Stiefel manifold, and its
    eigenvalues), the noise variance and the mean, by Laplace's method
    around the maximum-likelihood solution (eqs. (ppca-mle-sigma),
    (ppca-mle-W)). With λ_1 ≥ … ≥ λ_D the eigenvalues of the sample
    covariance, v = Σ_{j>q} λ_j / (D − q) and m = Dq − q(q+1)/2 the
    dimension of the Stiefel manifold,

        log p(X | q) ≈ log p(U) − (N/2) Σ_{j≤q} log λ_j − (N(D − q)/2) log v
                       + ((m + q)/2) log 2π − ½ log |A_Z| − (q/2) log N,

    where p(U) = 2^{−q} Π_{i≤q} Γ((D − i + 1)/2) π^{−(D−i+1)/2} is the
    inverse volume of the Stiefel manifold and |A_Z| = Π_{i≤q} Π_{j>i} N
    (λ_i − λ_j)(λ̂_j⁻¹ − λ̂_i⁻¹), with λ̂_j = v for j > q, is the determinant
    of the Hessian in the coordinates of U. This is the criterion
    scikit-learn's ``PCA(n_components='mle')`` maximises (it passes
    eigenvalues of the N − 1 covariance; pass whichever convention you want
    compared).

    Parameters
    ----------
    eigenvalues : (D,) array, decreasing
    q : int, 1 ≤ q < D
    n_samples : int

    Returns
    -------
    float (−inf when λ_q is zero: a rank the data cannot support)
    """
    from scipy.special import gammaln

    lam = np.asarray(eigenvalues, dtype=float)
    D, N = lam.size, float(n_samples)
    if not 1 <= q < D:
        raise ValueError(f"q must be in [1, D - 1] = [1, {D - 1}], got {q}")
    if lam[q - 1] <= 1e-15:
        return -np.inf
    v = max(lam[q:].sum() / (D - q), 1e-15)
    i = np.arange(1, q + 1)
    log_p_U = -q * np.log(2.0) + np.sum(
        gammaln((D - i + 1) / 2.0) - np.log(np.pi) * (D - i + 1) / 2.0
    )
    m = D * q - q * (q + 1) / 2.0
    lam_hat = np.concatenate([lam[:q], np.full(D - q, v)])
    rows, cols = np.triu_indices(D, k=1)
    rows, cols = rows[rows < q], cols[rows < q]
    log_A = np.sum(
        np.log(
            (lam[rows] - lam[cols])
            * (1.0 / lam_hat[cols] - 1.0 / lam_hat[rows])
            * N
        )
    )
    return float(
        log_p_U
        - N / 2.0 * np.log(lam[:q]).sum()
        - N * (D - q) / 2.0 * np.log(v)
        + (m + q) / 2.0 * np.log(2.0 * np.pi)
        - log_A / 2.0
        - q / 2.0 * np.log(N)
    )


def _precision_factor(W, psi):
    """Cholesky factor of P = I + Wᵀ Ψ⁻¹ W (q × q) and Wᵀ Ψ⁻¹ (q × D)."""
    Wt_psi = W.T / psi
    P = Wt_psi @ W
    P.flat[:: P.shape[0] + 1] += 1.0
    return linalg.cholesky(P, lower=True, check_finite=False), Wt_psi


def log_likelihood(X, mean, W, psi):
    """log p(x_n | μ, W, Ψ) = log 𝒩(x_n | μ, W Wᵀ + Ψ) for each row, shape
    (N,) (eq. (fa-marginal) in the chapter "PCA, probabilistic PCA and
    factor analysis").

    With P = I + Wᵀ Ψ⁻¹ W = L Lᵀ, the Woodbury identity (eq. (fa-woodbury))
    gives (x − μ)ᵀ C⁻¹ (x − μ) = Σ_d r_d² / ψ_d − ‖L⁻¹ Wᵀ Ψ⁻¹ r‖² and the
    determinant lemma (eq. (fa-det-lemma)) log det C = Σ_d log ψ_d + 2 Σ_j
    log L_jj: O(N D q), no D × D matrix. ``psi`` may be a scalar (σ², PPCA)
    or a (D,) vector (factor analysis).
    """
    D = X.shape[1]
    psi = np.broadcast_to(np.asarray(psi, dtype=float), (D,))
    L, Wt_psi = _precision_factor(W, psi)
    R = X - mean
    # (q, N)
    A = linalg.solve_triangular(
        L, Wt_psi @ R.T, lower=True, check_finite=False
    )
    maha = (R**2) @ (1.0 / psi) - np.einsum("qn,qn->n", A, A)
    log_det = np.sum(np.log(psi)) + 2.0 * np.sum(np.log(np.diag(L)))
    return -0.5 * (D * _LOG_2PI + log_det + maha)


def posterior(X, mean, W, psi):
    """The posterior p(z_n | x_n) = 𝒩(G Wᵀ Ψ⁻¹ (x_n − μ), G), G = (I + Wᵀ
    Ψ⁻¹ W)⁻¹ (eq. (fa-posterior) in the chapter "PCA, probabilistic PCA and
    factor analysis").

    For PPCA (Ψ = σ² I) this is Bishop eq. (12.42): G = σ² M⁻¹ with M = Wᵀ
    W + σ² I, and the mean M⁻¹ Wᵀ (x − μ). Returns ``(Ez, cov_z)`` of shapes
    (N, q) and (q, q); the covariance is the same for every n.
    """
    D = X.shape[1]
    psi = np.broadcast_to(np.asarray(psi, dtype=float), (D,))
    L, Wt_psi = _precision_factor(W, psi)
    cov_z = linalg.cho_solve(
        (L, True), np.eye(W.shape[1]), check_finite=False
    )
    Ez = (X - mean) @ (Wt_psi.T @ cov_z)
    return Ez, cov_z


# --------------------------------------------------------------------------
# EM for PPCA and factor analysis, complete data (sections "EM for PPCA",
# "Factor analysis")
# --------------------------------------------------------------------------


def e_step(Xc, var_x, W, psi):
    """E-step for PPCA / factor analysis on centred data (eqs.
    (fa-posterior) and (fa-em-stats) in the chapter "PCA, probabilistic PCA
    and factor analysis").

    ``Xc`` is X minus its mean x̄ (the MLE of μ, fixed during EM) and
    ``var_x`` the (D,) diagonal of S. Returns ``(log_lik, Ez, Szz)``: the
    mean log-likelihood of the current parameters, the posterior means
    E[z_n] (N, q), and Σ_n E[z_n z_nᵀ] = N G + Σ_n E[z_n] E[z_n]ᵀ.

    The cost is one (N × D) × (D × q) product. The log-likelihood comes
    almost free: its Mahalanobis term is (1/N) Σ_n [Σ_d x_nd² / ψ_d − a_nᵀ G
    a_n] with a_n = Wᵀ Ψ⁻¹ x_n and G a_n = E[z_n], so it needs only
    ``var_x`` and the products a_n · E[z_n].
    """
    N, D = Xc.shape
    L, Wt_psi = _precision_factor(W, psi)
    G = linalg.cho_solve((L, True), np.eye(W.shape[1]), check_finite=False)
    A = Xc @ Wt_psi.T  # a_n as rows, (N, q)
    Ez = A @ G
    maha = np.sum(var_x / psi) - np.einsum("nq,nq->", A, Ez) / N
    log_det = np.sum(np.log(psi)) + 2.0 * np.sum(np.log(np.diag(L)))
    log_lik = -0.5 * (D * _LOG_2PI + log_det + maha)
    Szz = N * G + Ez.T @ Ez
    return float(log_lik), Ez, Szz


def m_step(Xc, var_x, Ez, Szz):
    """M-step for factor analysis (eqs. (fa-em-W) and (fa-psi) in the
    chapter "PCA, probabilistic PCA and factor analysis"); PPCA averages ψ
    (eq. (ppca-em-sigma)).

    W_new = [Σ_n x_n E[z_n]ᵀ] [Σ_n E[z_n z_nᵀ]]⁻¹ (Bishop 12.56 / 12.69) and
    Ψ_new = diag(S − W_new (1/N) Σ_n E[z_n] x_nᵀ) (Bishop 12.70). For PPCA
    the same expression averaged over d is σ²_new (Bishop 12.57, see the
    chapter). Returns ``(W, psi)``.
    """
    N = Xc.shape[0]
    Sxz = Xc.T @ Ez  # Σ_n x_n E[z_n]ᵀ, (D, q)
    W = linalg.cho_solve(
        linalg.cho_factor(Szz, check_finite=False),
        Sxz.T,
        check_finite=False,
    ).T
    psi = var_x - np.einsum("dq,dq->d", W, Sxz) / N
    return W, np.maximum(psi, _PSI_FLOOR * var_x)


# --------------------------------------------------------------------------
# EM with missing values (section "Missing data")
# --------------------------------------------------------------------------


def e_step_missing(X, observed, mean, W, psi):
    """E-step with missing entries (eq. (miss-posterior) in the chapter
    "PCA, probabilistic PCA and factor analysis"); also the observed-data
    log-likelihood.

    ``observed`` is the (N, D) boolean mask of observed entries (``X`` may
    hold anything, e.g. 0, where it is False). Row n sees only its observed
    block O_n, so its posterior uses P_n = I + W_Oᵀ Ψ_O⁻¹ W_O, a different q
    × q matrix for each row (a batched Cholesky):

        cov_z[n] = P_n⁻¹,   Ez[n] = P_n⁻¹ W_Oᵀ Ψ_O⁻¹ (x_O − μ_O),

    and log p(x_O) = log 𝒩(x_O | μ_O, W_O W_Oᵀ + Ψ_O) by Woodbury and the
    determinant lemma on the observed block. Returns
    ``(log_lik, Ez, cov_z)`` with shapes (N,), (N, q), (N, q, q).
    """
    N, D = X.shape
    q = W.shape[1]
    m = observed.astype(np.float64)
    # Ψ^{-1/2} (x − μ), zero where missing
    R = np.where(observed, X - mean, 0.0) / np.sqrt(psi)
    V = W / np.sqrt(psi)[:, None]  # Ψ^{-1/2} W, (D, q)
    P = np.einsum("nd,di,dj->nij", m, V, V)
    P[:, np.arange(q), np.arange(q)] += 1.0
    Lc = np.linalg.cholesky(P)
    Linv = np.linalg.solve(Lc, np.broadcast_to(np.eye(q), P.shape))
    cov_z = np.einsum("nki,nkj->nij", Linv, Linv)
    B = R @ V  # (N, q): W_Oᵀ Ψ_O⁻¹ (x_O − μ_O)
    Ez = np.einsum("nij,nj->ni", cov_z, B)
    n_obs = m.sum(axis=1)
    log_det = m @ np.log(psi) + 2.0 * np.sum(
        np.log(np.diagonal(Lc, axis1=1, axis2=2)), axis=1
    )
    maha = np.einsum("nd,nd->n", R, R) - np.einsum("ni,ni->n", B, Ez)
    log_lik = -0.5 * (n_obs * _LOG_2PI + log_det + maha)
    return log_lik, Ez, cov_z


def m_step_missing(X, observed, mean, W, psi, Ez, cov_z, isotropic=False):
    """Exact M-step with missing entries (eqs. (miss-beta) in the chapter
    "PCA, probabilistic PCA and factor analysis" and (miss-psi)).

    Both z_n and the missing x_nd are latent. Writing z̃ = (z, 1) and β_d =
    (w_d, μ_d), each feature d is a linear regression of y_nd on z̃_n whose
    target is x_nd where observed and, where missing, its prediction
    β_d^oldᵀ z̃_n + ε under the current parameters:

        β_d = A⁻¹ b_d,   A = Σ_n E[z̃_n z̃_nᵀ],
        b_d = Σ_{n ∈ O_d} x_nd E[z̃_n] + (Σ_{n ∉ O_d} E[z̃_n z̃_nᵀ]) β_d^old,
        ψ_d = (1/N) (Σ_n E[y_nd²] − β_dᵀ b_d).

    With ``isotropic=True`` (PPCA) ψ is replaced by its average over d. With
    nothing missing this is exactly ``m_step`` (with μ = x̄). Returns
    ``(mean, W, psi)``.
    """
    N, D = X.shape
    q = W.shape[1]
    miss = (~observed).astype(np.float64)
    Xo = np.where(observed, X, 0.0)
    Ezt = np.hstack([Ez, np.ones((N, 1))])  # E[z̃_n], (N, q+1)
    Ezz = np.zeros((N, q + 1, q + 1))  # E[z̃_n z̃_nᵀ]
    Ezz[:, :q, :q] = cov_z
    Ezz += Ezt[:, :, None] * Ezt[:, None, :]
    A = Ezz.sum(axis=0)
    beta_old = np.hstack([W, mean[:, None]])  # (D, q+1)
    # Σ_{n ∉ O_d} E[z̃ z̃ᵀ], (D, q+1, q+1)
    Ezz_miss = np.einsum("nd,nij->dij", miss, Ezz)
    b = Xo.T @ Ezt + np.einsum("dij,dj->di", Ezz_miss, beta_old)
    beta = linalg.cho_solve(
        linalg.cho_factor(A, check_finite=False), b.T, check_finite=False
    ).T
    Ey2 = (
        np.sum(Xo**2, axis=0)
        + miss.sum(axis=0) * psi
        + np.einsum("di,dij,dj->d", beta_old, Ezz_miss, beta_old)
    )
    psi_new = (Ey2 - np.einsum("di,di->d", beta, b)) / N
    if isotropic:
        psi_new = np.full(D, psi_new.mean())
    var_x = np.nanvar(np.where(observed, X, np.nan), axis=0)
    floor = _PSI_FLOOR * (var_x.mean() if isotropic else var_x)
    return beta[:, q].copy(), beta[:, :q].copy(), np.maximum(psi_new, floor)


def impute_missing(X, observed, mean, W, psi):
    """Fill the missing entries with E[x_M | x_O] = μ_M + W_M E[z | x_O]
    (eq. (miss-impute) in the chapter "PCA, probabilistic PCA and factor
    analysis").
    """
    _, Ez, _ = e_step_missing(X, observed, mean, W, psi)
    return np.where(observed, X, mean + Ez @ W.T)


# --------------------------------------------------------------------------
# Estimators
# --------------------------------------------------------------------------


def _check_n_components(q, D, *, allow_full=False):
    q = check_positive_int(q, "n_components")
    limit = D if allow_full else D - 1
    if q > limit:
        raise ValueError(
            f"n_components={q} must be "
            f"{'at most' if allow_full else 'less than'} the number of "
            f"features, but X has {D} feature(s)"
            + (
                ""
                if allow_full
                else "; a latent space as large as the data leaves no "
                "noise to model"
            )
            + "; decrease n_components"
        )
    return q


class PCA(BaseEstimator):
    """Principal component analysis by the SVD (chapter section "Principal
    component analysis").

    Parameters
    ----------
    n_components : int
        q ≤ D, the number of principal axes kept.

    Attributes
    ----------
    mean_ : (D,)
    components_ : (q, D)
        Principal axes as rows; each row's largest-magnitude entry is
        positive.
    explained_variance_ : (q,)
        The q largest eigenvalues of S = X_cᵀ X_c / **N** (the MLE
        convention; scikit-learn's ``PCA`` divides by N − 1, so its values
        are these times N / (N − 1)).
    explained_variance_ratio_ : (q,)
        λ_j / Σ_all λ (the same in both conventions).
    eigenvalues_ : (D,)
        All eigenvalues of S, decreasing.
    """

    def __init__(self, n_components=2, batch_size=None):
        self.n_components = n_components
        self.batch_size = batch_size

    def fit(self, X, y=None):
        """Find the principal axes of ``X`` (N, D); returns self.

        With ``batch_size`` set: one pass of incremental PCA
        (``partial_fit``) over ``X`` (an array, memory map or ``.npy``
        path); ``eigenvalues_`` is then not available.
        """
        if self.batch_size is not None:  # chapter "Learning at scale"
            from .online import stream_fit

            return stream_fit(self, X, self.batch_size)
        X = check_array(X, min_samples=2)
        q = _check_n_components(
            self.n_components, X.shape[1], allow_full=True
        )
        if q > X.shape[0]:
            raise ValueError(
                f"n_components={q} exceeds the number of samples "
                f"N={X.shape[0]}; decrease it"
            )
        if _constant_features(X, X.var(axis=0)).size == X.shape[1]:
            raise ValueError(
                "every feature of X is constant (or all rows are "
                "identical); PCA has no axes to find"
            )
        self.mean_, self.components_, self.eigenvalues_ = (
            principal_components(X, q)
        )
        self.explained_variance_ = self.eigenvalues_[:q].copy()
        self.explained_variance_ratio_ = (
            self.explained_variance_ / self.eigenvalues_.sum()
        )
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        """Coordinates along the principal axes, (x − x̄) U_q, shape (N,
        q).
        """
        check_is_fitted(self, "components_")
        X = check_n_features(check_array(X), self.n_features_in_)
        return (X - self.mean_) @ self.components_.T

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def score_samples(self, X):
        """log p(x_n) under the probabilistic PCA these axes imply, shape
        (N,) (as scikit-learn).

        The model is 𝒩(x̄, C) with C = U_q (Λ_q − σ² I) U_qᵀ + σ² I and σ²
        the mean of the discarded eigenvalues (``ppca_closed_form``; σ² = 0
        when q = D).
        """
        check_is_fitted(self, "components_")
        X = check_n_features(check_array(X), self.n_features_in_)
        q, D = self.components_.shape
        sigma2 = float(self.eigenvalues_[q:].mean()) if q < D else 0.0
        C = (
            self.components_.T * (self.explained_variance_ - sigma2)
        ) @ self.components_ + sigma2 * np.eye(D)
        L = cholesky_or_raise(
            C,
            "model covariance",
            "the data are degenerate; decrease n_components",
        )
        R = linalg.solve_triangular(
            L, (X - self.mean_).T, lower=True, check_finite=False
        )
        return -0.5 * (
            D * np.log(2 * np.pi)
            + np.einsum("dn,dn->n", R, R)
            + log_det_from_cholesky(L)
        )

    def score(self, X, y=None):
        """Mean log-likelihood per sample (see ``score_samples``)."""
        return float(np.mean(self.score_samples(X)))

    def inverse_transform(self, Z):
        """Reconstruction x̂ = x̄ + U_q z from coordinates ``Z`` (N, q) (eq.
        (pca-recon) in the chapter "PCA, probabilistic PCA and factor
        analysis").
        """
        check_is_fitted(self, "components_")
        Z = check_array(Z, name="Z")
        if Z.shape[1] != len(self.components_):
            raise ValueError(
                f"Z has {Z.shape[1]} columns but the model has "
                f"{len(self.components_)} components"
            )
        return Z @ self.components_ + self.mean_

    def partial_fit(self, X, y=None):
        """Update the principal axes with a batch of rows: incremental PCA
        (eq. (ipca-stack) in the chapter "Learning at scale: stochastic and
        online inference").

        Ross et al. (2008), as scikit-learn's ``IncrementalPCA``: with n
        rows seen, mean x̄ and the q leading singular pairs (s, U_q) of the
        centred data so far, the SVD of

            [ diag(s) U_qᵀ ;  X_b − x̄_b ;  √(n b / (n + b)) (x̄ − x̄_b) ]

        gives those of all n + b rows (the last row corrects for the shift
        of the mean), if the data beyond the first q axes are kept exactly;
        keeping only q per step makes it an approximation that is exact when
        the data have rank ≤ q. Memory O((q + b) D). ``explained_variance_``
        is s² / n (the MLE convention of ``fit``), its ratio uses the
        running total variance; ``eigenvalues_`` (all D) is not available.
        The first batch needs at least ``n_components`` rows. Returns self.
        """
        X = check_array(X, min_samples=1)
        first = not hasattr(self, "n_samples_seen_")
        if first:
            q = _check_n_components(
                self.n_components, X.shape[1], allow_full=True
            )
            if q > X.shape[0]:
                raise ValueError(
                    f"the first batch has {X.shape[0]} rows; it needs "
                    f"at least n_components={q}"
                )
            # a previous fit's: no longer this model's
            self.__dict__.pop("eigenvalues_", None)
            self.n_features_in_ = X.shape[1]
            self.n_samples_seen_, self.mean_, self._sum_sq = (
                0,
                np.zeros(X.shape[1]),
                np.zeros(X.shape[1]),
            )
        X = check_n_features(X, self.n_features_in_)
        q = self.n_components
        n, b = self.n_samples_seen_, X.shape[0]
        batch_mean = X.mean(axis=0)
        shift = np.sqrt(n * b / (n + b)) * (self.mean_ - batch_mean)
        # Running sum of squared deviations per feature (Chan, Golub &
        # LeVeque's update).
        self._sum_sq = (
            self._sum_sq + ((X - batch_mean) ** 2).sum(axis=0) + shift**2
        )
        if first:
            stacked = X - batch_mean
        else:
            stacked = np.vstack(
                [
                    self.singular_values_[:, None] * self.components_,
                    X - batch_mean,
                    shift,
                ]
            )
        _, s, Vt = linalg.svd(
            stacked, full_matrices=False, check_finite=False
        )
        self.components_ = _flip_signs(Vt[:q])
        self.singular_values_ = s[:q]
        self.mean_ = (n * self.mean_ + b * batch_mean) / (n + b)
        self.n_samples_seen_ = n + b
        self.explained_variance_ = (
            self.singular_values_**2 / self.n_samples_seen_
        )
        self.explained_variance_ratio_ = (
            self.singular_values_**2 / self._sum_sq.sum()
        )
        return self


class _LinearGaussian(EMMixin, BaseEstimator):
    """What PPCA and factor analysis share: the marginal 𝒩(μ, W Wᵀ + Ψ),
    posterior and sampling.

    Subclasses set ``mean_``, ``W_`` (D, q) and implement ``_psi()`` ->
    (D,).
    """

    _allows_nan = False

    @property
    def components_(self):
        """Wᵀ, shape (q, D) (the orientation scikit-learn uses)."""
        check_is_fitted(self, "W_")
        return self.W_.T

    def get_covariance(self):
        """The model covariance C = W Wᵀ + Ψ, (D, D) (eq. (fa-marginal) in
        the chapter "PCA, probabilistic PCA and factor analysis").
        """
        check_is_fitted(self, "W_")
        return self.W_ @ self.W_.T + np.diag(self._psi())

    def _validate_X(self, X):
        check_is_fitted(self, "W_")
        X = check_array(X, allow_nan=self._allows_nan)
        X = check_n_features(X, self.n_features_in_)
        return X

    def score_samples(self, X):
        """log p(x_n) for each row, shape (N,); for PPCA, NaN entries are
        marginalised out.
        """
        X = self._validate_X(X)
        observed = ~np.isnan(X)
        if observed.all():
            return log_likelihood(X, self.mean_, self.W_, self._psi())
        return e_step_missing(
            X, observed, self.mean_, self.W_, self._psi()
        )[0]

    def score(self, X, y=None):
        """Mean log-likelihood per sample, (1/N) Σ_n log p(x_n)."""
        return float(np.mean(self.score_samples(X)))

    def transform(self, X):
        """Posterior means E[z_n | x_n], shape (N, q) (eq. (fa-posterior) in
        the chapter "PCA, probabilistic PCA and factor analysis").
        """
        X = self._validate_X(X)
        observed = ~np.isnan(X)
        if observed.all():
            return posterior(X, self.mean_, self.W_, self._psi())[0]
        return e_step_missing(
            X, observed, self.mean_, self.W_, self._psi()
        )[1]

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def sample(self, n_samples=1, random_state=None):
        """Draw from the generative story z ~ 𝒩(0, I), x = W z + μ + ε, ε ~
        𝒩(0, Ψ); shape (n_samples, D).
        """
        check_is_fitted(self, "W_")
        n_samples = check_positive_int(n_samples, "n_samples")
        rng = check_random_state(
            self.random_state if random_state is None else random_state
        )
        D, q = self.W_.shape
        Z = rng.standard_normal((n_samples, q))
        return (
            self.mean_
            + Z @ self.W_.T
            + rng.standard_normal((n_samples, D)) * np.sqrt(self._psi())
        )

    # --- EM hooks (complete data); data is a _Prepared bundle -------------

    def _random_start(self, data, rng):
        D = data.var_x.shape[0]
        scale = float(np.mean(data.var_x))
        W = rng.standard_normal((D, self.n_components)) * np.sqrt(
            scale / self.n_components
        )
        return W, np.full(D, scale)


def _constant_features(X, var_x):
    """Indices of the features that are constant up to round-off.

    ``var == 0`` misses most constants: the variance of a column of 0.1s
    comes out as 1.9e-34, the round-off of its mean squared. A feature is
    constant when its standard deviation is below a few hundred ulps of its
    largest magnitude.
    """
    max_abs = np.nanmax(np.abs(X), axis=0)
    return np.flatnonzero(
        np.sqrt(var_x) <= 256 * np.finfo(float).eps * max_abs
    )


def _check_rank_bound(X, q, n_varying):
    """Refuse data whose centred rank is surely <= q (then a noise variance
    -> 0 and the likelihood is unbounded, and EM chases it into round-off).

    The bound min(distinct rows − 1, varying features) is cheap; other
    rank-deficient data are caught after the fit (PPCA's ``_check_noise``)
    or held by the noise floor (FA).
    """
    n_distinct = (
        X.shape[0] if np.isnan(X).any() else len(np.unique(X, axis=0))
    )
    if min(n_distinct - 1, n_varying) <= q:
        raise ValueError(
            f"the data lie in a subspace of dimension <= n_components={q} "
            f"({n_distinct} distinct "
            f"rows, {n_varying} varying features), so a noise variance is "
            "0 and the likelihood is "
            "unbounded; decrease n_components"
        )


class _Prepared:
    """Data as EM sees it: centred once (N, D), the column variances, and
    the observed mask.
    """

    def __init__(self, X, observed=None):
        if observed is None:
            self.shift = X.mean(axis=0)
            self.Xc = X - self.shift
            self.var_x = (
                np.einsum("nd,nd->d", self.Xc, self.Xc) / X.shape[0]
            )
        else:
            # Shift by the observed means so the sums of squares in the
            # M-step do not cancel.
            self.shift = np.nanmean(X, axis=0)
            self.Xc = np.where(observed, X - self.shift, 0.0)
            self.var_x = np.sum(self.Xc**2, axis=0) / observed.sum(axis=0)
        self.observed = observed


class PPCA(_LinearGaussian):
    """Probabilistic PCA (Tipping and Bishop 1999): z ~ 𝒩(0, I), x | z ~ 𝒩(W
    z + μ, σ² I).

    Parameters
    ----------
    n_components : int
        q < D.
    method : {'closed_form', 'em'}
        The exact MLE from the eigendecomposition (``ppca_closed_form``), or
        EM (``e_step`` / ``m_step``, O(N D q) per iteration). Only ``'em'``
        accepts NaN (missing values) in X: it then maximises the
        observed-data likelihood with ``e_step_missing`` /
        ``m_step_missing``.
    max_iter, tol, n_init : int, float, int
        EM iterations, stopping threshold on the mean log-likelihood,
        restarts.
    random_state : None, int or numpy.random.Generator
        For EM's random start and for ``sample``.

    Attributes
    ----------
    mean_ (D,), W_ (D, q), sigma2_ (the noise variance σ²), components_ =
    W_ᵀ; n_iter_ and converged_ (1 and True for the closed form); for EM
    also history_ (mean log-likelihood per iteration, never decreasing) and
    lower_bound_.

    The closed form is unique only up to a rotation W R; compare W Wᵀ, not
    W.
    """

    _allows_nan = True

    def _declared_tags(self):
        # NaN means "missing" to EM only
        return {"allow_nan": self.method == "em"}

    def __init__(
        self,
        n_components=2,
        *,
        method="closed_form",
        max_iter=1000,
        tol=1e-8,
        n_init=1,
        random_state=None,
    ):
        self.n_components = n_components
        self.method = method
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.random_state = random_state

    def _psi(self):
        return np.full(self.W_.shape[0], self.sigma2_)

    def fit(self, X, y=None):
        """Fit by the closed form or by EM; returns self."""
        check_in(self.method, "method", ("closed_form", "em"))
        # refused for both methods, although the closed form uses none
        check_em_settings(self)
        closed_form = self.method == "closed_form"
        X = check_array(
            X,
            allow_nan=not closed_form,
            min_samples=2,
            nan_hint="the closed form needs complete data. Use "
            "PPCA(method='em'), which fits the observed-data likelihood",
        )
        D = X.shape[1]
        q = _check_n_components(self.n_components, D)
        self.n_features_in_ = D
        if closed_form:
            self.mean_, self.W_, self.sigma2_ = ppca_closed_form(X, q)
            self._check_noise()
            self.n_iter_ = 1  # one eigendecomposition
            self.converged_ = True
            return self
        # X has no inf, so a finite sum means no NaN (skips a pass)
        has_nan = not np.isfinite(X.sum()) and np.isnan(X).any()
        observed = ~np.isnan(X) if has_nan else None
        if has_nan:
            _check_missing_pattern(observed)
        data = _Prepared(X, observed)
        n_constant = _constant_features(X, data.var_x).size
        if n_constant == D:
            raise ValueError(
                "every feature of X is constant (or all rows are "
                "identical); PPCA needs variation "
                "in the data"
            )
        _check_rank_bound(X, q, D - n_constant)
        fit_em(self, data)
        self._check_noise()
        self.mean_ = self.mean_ + data.shift
        return self

    def _check_noise(self):
        total = np.sum(self.W_**2) + self.W_.shape[0] * self.sigma2_
        # zero up to round-off (EM drives it there)
        if not self.sigma2_ > 1e-12 * total:
            raise ValueError(
                "the data lie in a subspace of dimension <= n_components, "
                "so the noise "
                "variance sigma2 is 0 and the likelihood is unbounded; "
                "decrease n_components"
            )

    def _initialize(self, data, rng):
        self.W_, psi = self._random_start(data, rng)
        self.sigma2_ = float(psi[0])
        self.mean_ = np.zeros(data.var_x.shape[0])

    def _m_step(self, data, stats):
        if data.observed is None:
            Ez, Szz = stats
            self.W_, psi = m_step(data.Xc, data.var_x, Ez, Szz)
            self.sigma2_ = float(np.mean(psi))
        else:
            Ez, cov_z = stats
            mean, self.W_, psi = m_step_missing(
                data.Xc,
                data.observed,
                self.mean_,
                self.W_,
                self._psi(),
                Ez,
                cov_z,
                isotropic=True,
            )
            self.mean_ = mean
            self.sigma2_ = float(psi[0])

    def _e_step(self, data):
        if data.observed is None:
            log_lik, Ez, Szz = e_step(
                data.Xc, data.var_x, self.W_, self._psi()
            )
            return log_lik, (Ez, Szz)
        log_lik, Ez, cov_z = e_step_missing(
            data.Xc, data.observed, self.mean_, self.W_, self._psi()
        )
        return float(np.mean(log_lik)), (Ez, cov_z)

    def _get_parameters(self):
        return (self.mean_, self.W_, self.sigma2_)

    def _set_parameters(self, params):
        self.mean_, self.W_, self.sigma2_ = params

    def impute(self, X):
        """Return a copy of ``X`` with each NaN replaced by E[x_M | x_O]
        (eq. (miss-impute) in the chapter "PCA, probabilistic PCA and factor
        analysis").

        A row with every entry missing gets the mean μ (its conditional
        expectation).
        """
        X = self._validate_X(X)
        observed = ~np.isnan(X)
        return impute_missing(X, observed, self.mean_, self.W_, self._psi())


def _check_missing_pattern(observed):
    empty_rows = np.flatnonzero(~observed.any(axis=1))
    if empty_rows.size:
        raise ValueError(
            f"X has {empty_rows.size} row(s) with every entry missing "
            f"(first: row {empty_rows[0]}); "
            "they carry no information, drop them before fit"
        )
    empty_cols = np.flatnonzero(~observed.any(axis=0))
    if empty_cols.size:
        raise ValueError(
            f"X has {empty_cols.size} column(s) with every entry missing "
            "(first: column "
            f"{empty_cols[0]}); nothing can be learned about them, drop "
            "them before fit"
        )


def heywood_features(psi, var_x, threshold=1e-3):
    """Features in a Heywood case: ψ_d / var(x_d) < ``threshold`` (section
    "Heywood cases").

    The maximum of the FA likelihood can lie on the boundary ψ_d = 0, where
    feature d is an exact linear function of the factors (its "communality"
    is 1). EM then approaches the boundary slowly, and the M-step's floor
    ``_PSI_FLOOR`` keeps ψ_d > 0 (the clipped value is still the constrained
    maximiser, so EM stays monotone). A fitted ``FactorAnalysis`` stores the
    result as ``heywood_features_``; when it is not empty, consider fewer
    factors, dropping or merging those features, or a prior on ψ.
    """
    return np.flatnonzero(np.asarray(psi) / np.asarray(var_x) < threshold)

class FactorAnalysis(_LinearGaussian):
    """Factor analysis by EM (Rubin and Thayer 1982): z ~ 𝒩(0, I), x | z ~
    𝒩(W z + μ, Ψ), Ψ diagonal.

    Each feature has its own noise variance ψ_d, so FA is unchanged (up to
    the matching rescaling of W and Ψ) when a feature is rescaled, unlike
    PCA and PPCA.

    Parameters
    ----------
    n_components : int
        q < D.
    max_iter, tol, n_init : int, float, int
        EM iterations, stopping threshold on the mean log-likelihood,
        restarts.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    mean_ (D,), W_ (D, q), components_ = W_ᵀ (q, D), noise_variance_ (D,)
    the diagonal of Ψ, history_, n_iter_, converged_, lower_bound_;
    heywood_features_ : indices d with ψ_d below 10⁻³ of var(x_d), a Heywood
    case (``heywood_features``).
    """

    def __init__(
        self,
        n_components=2,
        *,
        max_iter=1000,
        tol=1e-8,
        n_init=1,
        random_state=None,
    ):
        self.n_components = n_components
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.random_state = random_state

    def _psi(self):
        return self.noise_variance_

    def fit(self, X, y=None):
        """Fit by EM; returns self."""
        X = check_array(X, min_samples=2)
        D = X.shape[1]
        _check_n_components(self.n_components, D)
        data = _Prepared(X)
        constant = _constant_features(X, data.var_x)
        if constant.size:
            raise ValueError(
                f"feature(s) {constant.tolist()} of X are constant; with a "
                "zero variance the "
                "factor-analysis likelihood is unbounded (psi_d -> 0). "
                "Drop those features"
            )
        _check_rank_bound(X, self.n_components, D)
        self.n_features_in_ = D
        fit_em(self, data)
        self.mean_ = data.shift.copy()
        self.heywood_features_ = heywood_features(
            self.noise_variance_, data.var_x
        )
        return self

    def _initialize(self, data, rng):
        self.W_, self.noise_variance_ = self._random_start(data, rng)
        self.noise_variance_ = data.var_x.copy()

    def _e_step(self, data):
        log_lik, Ez, Szz = e_step(
            data.Xc, data.var_x, self.W_, self.noise_variance_
        )
        return log_lik, (Ez, Szz)

    def _m_step(self, data, stats):
        self.W_, self.noise_variance_ = m_step(data.Xc, data.var_x, *stats)

    def _get_parameters(self):
        return (self.W_, self.noise_variance_)

    def _set_parameters(self, params):
        self.W_, self.noise_variance_ = params

"""Checks for the exercises of the chapter "Independent component analysis".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases
and compares it with the package's implementation in ``lvmteach.ica``,
without revealing the answer.
"""

import numpy as np

from .. import ica
from ._harness import run_cases

__all__ = [
    "check_whiten",
    "check_symmetric_decorrelation",
    "check_fastica_update",
    "check_natural_gradient_quartic",
]


def _mixed(N, D, seed, offset=0.0):
    rng = np.random.default_rng(seed)
    S = np.column_stack(
        [
            rng.laplace(size=N) if d % 2 else rng.uniform(-1, 1, size=N)
            for d in range(D)
        ]
    )
    return S @ rng.normal(size=(D, D)).T + offset


def _white(N, K, seed):
    """Whitened mixtures, shape (K, N) (one row per whitened coordinate, as
    in lvmteach.ica).
    """
    _, V, _, Xc = ica.whitening_matrix(_mixed(N, K, seed), K)
    return V @ Xc.T


def _reference_whiten(X, K):
    mean, V, _, Xc = ica.whitening_matrix(X, K)
    return Xc @ V.T


def check_whiten(fn, verbose=True):
    """Check ``fn(X, K) -> Z`` (N, K), the centred data projected on the top
    K principal directions and scaled to identity covariance (eq.
    ica-whiten); columns up to sign."""
    cases = []
    for i, (N, D, K) in enumerate([(200, 3, 3), (500, 5, 2), (50, 4, 4)]):
        cases.append(
            (
                f"N={N}, D={D}, K={K}",
                {"X": _mixed(N, D, seed=i, offset=3.0 * i), "K": K},
            )
        )
    return run_cases(
        fn,
        _reference_whiten,
        cases,
        title="check_whiten",
        hint="centre X, take the eigenvectors of the covariance "
        "(divided by N) for the K largest "
        "eigenvalues, project on them and divide each column by the "
        "square root of its eigenvalue",
        up_to_sign_columns=True,
        rtol=1e-6,
        atol=1e-8,
        verbose=verbose,
    )


def check_symmetric_decorrelation(fn, verbose=True):
    """Check ``fn(W) -> (W Wᵀ)^{-1/2} W`` (eq. ica-symdecor)."""
    rng = np.random.default_rng(40)
    cases = [
        (f"random {K}x{K}", {"W": rng.normal(size=(K, K))})
        for K in (2, 3, 6)
    ]
    cases.append(
        (
            "already orthogonal",
            {"W": np.linalg.qr(rng.normal(size=(4, 4)))[0]},
        )
    )
    return run_cases(
        fn,
        ica.symmetric_decorrelation,
        cases,
        title="check_symmetric_decorrelation",
        hint="a matrix function of the symmetric W W^T acts on its "
        "eigenvalues",
        rtol=1e-8,
        atol=1e-10,
        verbose=verbose,
    )


def check_fastica_update(fn, verbose=True):
    """Check ``fn(W, Z) -> W_new``: one parallel FastICA step with g = tanh
    on whitened Z (K, N), followed by symmetric decorrelation (eqs.
    ica-fixed-point, ica-symdecor)."""
    cases = []
    for i, (K, N) in enumerate([(2, 300), (3, 1000), (5, 200)]):
        rng = np.random.default_rng(50 + i)
        cases.append(
            (
                f"K={K}, N={N}",
                {
                    "W": rng.normal(size=(K, K)),
                    "Z": _white(N, K, seed=60 + i),
                },
            )
        )
    return run_cases(
        fn,
        lambda W, Z: ica.fastica_update(W, Z, "logcosh"),
        cases,
        title="check_fastica_update",
        hint="one fixed-point step per row, all rows at once, with the "
        "derivative term averaged per row; then decorrelate "
        "symmetrically",
        rtol=1e-7,
        atol=1e-9,
        verbose=verbose,
    )


def _natural_gradient_quartic(Z, W):
    """Reference: eq. (ica-natgrad) with the score φ(y) = −y³."""
    Y = W @ Z
    return W - ((Y**3) @ Y.T / Z.shape[1]) @ W


def check_natural_gradient_quartic(fn, verbose=True):
    """Check ``fn(Z, W) -> (K, K)``, the natural gradient for a quartic
    prior.

    The sources' prior is p(s) ∝ exp(−s⁴/4), a sub-Gaussian density (for
    uniform-like sources) where the chapter uses the sech prior; ``Z`` is
    (K, N) and the gradient is that of the mean log-likelihood.
    """
    cases = []
    for i, (K, N) in enumerate([(2, 100), (3, 400), (4, 50), (1, 30)]):
        rng = np.random.default_rng(70 + i)
        Z = rng.uniform(-1.7, 1.7, size=(K, N))
        W = rng.normal(size=(K, K))
        cases.append((f"K={K}, N={N}", {"Z": Z, "W": W}))
    return run_cases(
        fn,
        _natural_gradient_quartic,
        cases,
        title="check_natural_gradient_quartic",
        hint="start from the score φ(y) = d log p(y) / dy of the new "
        "prior; the structure of eq. (ica-natgrad) does not change",
        rtol=1e-8,
        atol=1e-10,
        verbose=verbose,
    )

"""Checks for the exercises of the chapter "Sparse coding".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases
and compares it with the package's implementation in ``lvmteach.sparse``,
without revealing the answer.
"""

import warnings

import numpy as np

from .. import sparse
from ..exceptions import ConvergenceWarning
from ._harness import run_cases

__all__ = [
    "check_fista",
    "check_nonnegative_ista",
    "check_omp",
    "check_group_soft_threshold",
    "check_update_dictionary",
]


def _problem(N, D, K, seed):
    rng = np.random.default_rng(seed)
    dictionary = rng.normal(size=(K, D))
    dictionary /= np.linalg.norm(dictionary, axis=1, keepdims=True)
    return rng.normal(size=(N, D)), dictionary


def _group_soft_threshold(V, threshold):
    """Reference: each row shrinks towards 0 by ``threshold`` in norm.

    The proximal operator of threshold · Σ_n ‖v_n‖₂; a row whose norm is at
    most the threshold (a zero row included) becomes exactly 0.
    """
    norms = np.sqrt(np.einsum("nk,nk->n", V, V))
    keep = norms > threshold
    scale = np.zeros_like(norms)
    scale[keep] = 1.0 - threshold / norms[keep]
    return V * scale[:, None]


def check_group_soft_threshold(fn, verbose=True):
    """Check ``fn(V, threshold) -> array``, group soft-thresholding.

    The proximal operator of the group-lasso penalty threshold · Σ_n ‖v_n‖₂
    over the rows of ``V`` (N, K): a row is shrunk as a whole or set to 0.
    Cases: a zero row, rows with norm exactly the threshold, threshold 0, a
    single column (where it is the entrywise operator of eq.
    (sparse-soft-threshold)).
    """
    rng = np.random.default_rng(0)
    V = rng.normal(size=(6, 5))
    V[2] = 0.0
    at = rng.normal(size=(3, 4))
    at /= np.linalg.norm(at, axis=1, keepdims=True)
    W0 = rng.normal(size=(3, 4))
    W0[1] = 0.0
    cases = [
        ("a matrix with a zero row", {"V": V, "threshold": 1.5}),
        (
            "rows with norm exactly the threshold",
            {"V": 2.0 * at, "threshold": 2.0},
        ),
        ("threshold 0, a zero row", {"V": W0, "threshold": 0.0}),
        (
            "a single column (the entrywise operator)",
            {
                "V": np.array([[-2.0], [-0.5], [0.0], [0.3], [4.0]]),
                "threshold": 0.5,
            },
        ),
        (
            "many rows below the threshold",
            {"V": 0.3 * rng.normal(size=(8, 3)), "threshold": 0.6},
        ),
    ]
    return run_cases(
        fn,
        _group_soft_threshold,
        cases,
        title="check_group_soft_threshold",
        hint="a row keeps its direction; only its length changes, and a "
        "length cannot become negative",
        rtol=1e-12,
        atol=1e-14,
        verbose=verbose,
    )


def _fixed_iterations(solver):
    def reference(X, dictionary, alpha, n_iter):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return solver(X, dictionary, alpha, max_iter=n_iter, tol=0.0)

    return reference


def _coding_cases(seed0):
    cases = []
    for i, (N, D, K, alpha, n_iter) in enumerate(
        [(4, 6, 3, 0.2, 1), (10, 8, 12, 0.1, 25), (3, 20, 10, 0.5, 60)]
    ):
        X, dictionary = _problem(N, D, K, seed0 + i)
        cases.append(
            (
                f"N={N}, D={D}, K={K}, {n_iter} iteration(s)",
                {
                    "X": X,
                    "dictionary": dictionary,
                    "alpha": alpha,
                    "n_iter": n_iter,
                },
            )
        )
    return cases


def _nonnegative_ista(X, dictionary, alpha, n_iter):
    """Reference: ISTA for the lasso with codes constrained to be ≥ 0.

    The proximal operator of α‖c‖₁ + (indicator of c ≥ 0) is the one-sided
    threshold max(v − α, 0); the step is 1/L as in eq. (sparse-ista).
    """
    L = sparse.lipschitz_constant(dictionary)
    codes = np.zeros((X.shape[0], dictionary.shape[0]))
    for _ in range(n_iter):
        grad = (codes @ dictionary - X) @ dictionary.T
        codes = np.maximum(codes - grad / L - alpha / L, 0.0)
    return codes


def check_nonnegative_ista(fn, verbose=True):
    """Check ``fn(X, dictionary, alpha, n_iter) -> codes``: ISTA, codes ≥ 0.

    Exactly ``n_iter`` proximal-gradient steps from zero codes for the lasso
    with the constraint c ≥ 0 (non-negative sparse coding), all rows at
    once.
    """
    return run_cases(
        fn,
        _nonnegative_ista,
        _coding_cases(10),
        title="check_nonnegative_ista",
        hint="the gradient step is the lasso's; only the proximal step "
        "changes: which c ≥ 0 is closest to v, with the penalty α/L · c?",
        rtol=1e-9,
        atol=1e-11,
        verbose=verbose,
    )


def check_fista(fn, verbose=True):
    """Check ``fn(X, dictionary, alpha, n_iter) -> codes`` after exactly
    ``n_iter`` FISTA steps from 0 (eq. sparse-fista).
    """
    return run_cases(
        fn,
        _fixed_iterations(sparse.fista),
        _coding_cases(20),
        title="check_fista",
        hint="take the proximal step from the extrapolated point, not "
        "from the last codes; the momentum sequence starts at t = 1",
        rtol=1e-9,
        atol=1e-11,
        verbose=verbose,
    )


def check_update_dictionary(fn, verbose=True):
    """Check ``fn(X, codes, dictionary) -> new dictionary``: one pass over
    the atoms in order (eq. sparse-dict-update).
    """
    cases = []
    for i, (N, D, K) in enumerate([(20, 3, 2), (50, 8, 12), (30, 16, 5)]):
        X, dictionary = _problem(N, D, K, 30 + i)
        rng = np.random.default_rng(40 + i)
        codes = rng.normal(size=(N, K)) * (rng.uniform(size=(N, K)) < 0.5)
        codes[0] = 1.0  # every atom is used
        cases.append(
            (
                f"N={N}, D={D}, K={K}",
                {"X": X, "codes": codes, "dictionary": dictionary},
            )
        )
    return run_cases(
        fn,
        sparse.update_dictionary,
        cases,
        title="check_update_dictionary",
        hint="update the atoms one at a time, each with the residual of "
        "the *current* dictionary, and renormalise each",
        rtol=1e-9,
        atol=1e-11,
        verbose=verbose,
    )


def check_omp(fn, verbose=True):
    """Check ``fn(X, dictionary, n_nonzero_coefs) -> codes``, orthogonal
    matching pursuit (alg-omp).
    """
    cases = []
    for i, (N, D, K, s) in enumerate(
        [(3, 5, 8, 1), (6, 12, 30, 3), (4, 20, 40, 6)]
    ):
        X, dictionary = _problem(N, D, K, 50 + i)
        cases.append(
            (
                f"N={N}, D={D}, K={K}, {s} atom(s)",
                {"X": X, "dictionary": dictionary, "n_nonzero_coefs": s},
            )
        )
    return run_cases(
        fn,
        sparse.orthogonal_matching_pursuit,
        cases,
        title="check_omp",
        hint="for each row: pick the atom with the largest |residual . "
        "atom|, then refit the code on "
        "*all* chosen atoms by least squares (numpy.linalg.lstsq) and "
        "recompute the residual",
        rtol=1e-9,
        atol=1e-10,
        verbose=verbose,
    )

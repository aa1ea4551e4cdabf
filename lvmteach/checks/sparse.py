"""Checks for the exercises of the chapter "Sparse coding".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases
and compares it with the package's implementation in ``lvmteach.sparse``,
without revealing the answer.
"""

import numpy as np

from .. import sparse
from ._harness import run_cases

__all__ = [
    "check_fista_restart",
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


def _fista_restart(X, dictionary, alpha, n_iter, *, shared=False,
                   restart=True):
    """Reference: FISTA with gradient-based adaptive restart, row by row.

    Each row is its own lasso problem with its own momentum counter t_n.
    After the proximal step, a row whose momentum points uphill,
    (y_n − c_n_new) · (c_n_new − c_n) > 0, restarts: t_n = 1 before the
    momentum update, so that row takes no momentum step (O'Donoghue and
    Candès 2015). ``shared`` (one test and counter for the whole matrix)
    and ``restart=False`` (plain FISTA) are the typical mistakes.
    """
    L = sparse.lipschitz_constant(dictionary)
    gram, XDt = dictionary @ dictionary.T, X @ dictionary.T
    codes = np.zeros((X.shape[0], dictionary.shape[0]))
    Y, t = codes.copy(), np.ones(X.shape[0])
    for _ in range(n_iter):
        new = sparse.soft_threshold(Y - (Y @ gram - XDt) / L, alpha / L)
        uphill = np.sum((Y - new) * (new - codes), axis=1)
        if shared:
            uphill = np.full_like(uphill, uphill.sum())
        t = np.where((uphill > 0) & restart, 1.0, t)
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        Y = new + ((t - 1.0) / t_new)[:, None] * (new - codes)
        codes, t = new, t_new
    return codes


def _restart_cases():
    cases = []
    for i, (N, D, K, alpha, n_iter, corr) in enumerate(
        [
            (4, 6, 3, 0.2, 1, 0.0),
            (10, 8, 12, 0.1, 25, 0.0),
            (6, 12, 20, 0.05, 150, 1.5),
            (5, 10, 8, 0.1, 80, 2.0),
        ]
    ):
        rng = np.random.default_rng(30 + n_iter)
        dictionary = rng.normal(size=(K, D))
        dictionary += corr * rng.normal(size=(1, D))  # correlated atoms
        dictionary /= np.linalg.norm(dictionary, axis=1, keepdims=True)
        X = rng.normal(size=(N, D))
        what = f"N={N}, D={D}, K={K}, {n_iter} iteration(s)"
        if corr:
            what += ", correlated atoms"
        cases.append(
            (
                what,
                {"X": X, "dictionary": dictionary, "alpha": alpha,
                 "n_iter": n_iter},
            )
        )
    return cases


def _diagnose_restart(got, expected, kwargs):
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    for variant, sentence in [
        (
            {"restart": False},
            "Your codes are those of plain FISTA: no restart happened in "
            "this case. Test each row on its own after its proximal step, "
            "and set its t_n to 1 when its momentum points uphill.",
        ),
        (
            {"shared": True},
            "Your rows restart together: one test and one counter for the "
            "whole matrix. Each row is its own problem, with its own t_n "
            "and its own test.",
        ),
    ]:
        other = _fista_restart(**kwargs, **variant)
        if got.shape == other.shape and np.allclose(
            got, other, rtol=1e-9, atol=1e-11
        ):
            return sentence
    return None


def check_fista_restart(fn, verbose=True):
    """Check ``fn(X, dictionary, alpha, n_iter) -> codes``: FISTA with
    adaptive restart.

    Exactly ``n_iter`` FISTA steps (eq.
    (sparse-fista) in the chapter "Sparse coding") from zero codes, where a
    row whose momentum points uphill, (y_n − c_n_new) · (c_n_new − c_n) > 0,
    resets its own counter t_n to 1 before the momentum update.
    """
    return run_cases(
        fn,
        _fista_restart,
        _restart_cases(),
        title="check_fista_restart",
        hint="the proximal step is taken from the extrapolated point Y; "
        "the restart test compares, for each row, the step just taken "
        "with the momentum that led to it",
        diagnose=_diagnose_restart,
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

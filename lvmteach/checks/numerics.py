"""Checks for the exercises of the chapter "Probabilistic latent variable
models" (the log domain).

Each ``check_<name>(fn)`` runs your function on random cases against the
reference in ``lvmteach.numerics`` and prints what is off, never the
expected values.
"""

import numpy as np

from .. import numerics
from ._harness import run_cases

__all__ = ["check_logsumexp"]


def _logsumexp_cases(seed=0):
    rng = np.random.default_rng(seed)
    inf = np.inf
    some_inf = rng.normal(size=(4, 5))
    some_inf[[0, 0, 2], [1, 3, 4]] = -inf  # entries of probability 0
    all_inf = rng.normal(size=(3, 4)) - 50.0
    all_inf[1] = -inf  # a row where every term has probability 0
    spread = rng.normal(size=(2, 3, 4))
    spread[:, 0] -= 800.0  # terms e^-800 below the others
    return [
        ("1-D, moderate values", {"a": rng.normal(size=6), "axis": 0}),
        (
            "values near -1000, where exp underflows to 0",
            {"a": -1000.0 + rng.normal(size=(3, 4)), "axis": 1},
        ),
        (
            "values near +1000, where exp overflows to inf",
            {"a": 1000.0 + rng.normal(size=(5, 3)), "axis": 0},
        ),
        ("some entries -inf, axis=1", {"a": some_inf, "axis": 1}),
        ("a row of only -inf, axis=-1", {"a": all_inf, "axis": -1}),
        (
            "3-D, axis=1, terms 800 apart",
            {"a": spread, "axis": 1},
        ),
        ("[-inf, 0]", {"a": np.array([-inf, 0.0]), "axis": 0}),
    ]


def _diagnose_logsumexp(got, expected, kwargs):
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    if got.shape != expected.shape:
        return None
    finite = np.isfinite(expected)
    if np.any(np.isnan(got) & ~finite):
        return (
            "A row of only -inf gives NaN: its maximum m is -inf and "
            "a - m is -inf - (-inf) = NaN. The sum of the exponentials "
            "is 0 there, so the answer is log 0 = -inf: handle a "
            "non-finite maximum apart (use 0 in its place)."
        )
    if np.any(np.isposinf(got) & finite):
        return (
            "A finite answer came out as +inf: exp overflows for "
            "arguments above about 709. Subtract the maximum first, "
            "eq. (lse)."
        )
    if np.any(np.isneginf(got) & finite):
        return (
            "A finite answer came out as -inf: every exp underflowed "
            "to 0, so you took log 0. Subtract the maximum first, "
            "eq. (lse)."
        )
    return None


def check_logsumexp(fn, verbose=True):
    """Check ``fn(a, axis) -> log(sum(exp(a), axis))``, computed stably.

    Eq. (lse) in the chapter "Probabilistic latent variable models": the
    axis is summed out (the result has one dimension fewer), a row of
    only -inf gives -inf, and nothing overflows or underflows.
    """
    return run_cases(
        fn,
        numerics.logsumexp,
        _logsumexp_cases(),
        title="check_logsumexp",
        hint="take out the largest term along the axis before "
        "exponentiating, and keep its shape so that it broadcasts",
        diagnose=_diagnose_logsumexp,
        rtol=1e-10,
        atol=1e-10,
        verbose=verbose,
    )

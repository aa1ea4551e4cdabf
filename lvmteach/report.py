"""Printing results so that the book's stored outputs hold on every machine.

The notebooks' outputs are reference results that nbval compares on every
run, on whatever CPU, BLAS kernel and library versions the reader has. Two
kinds of printed number survive that:

* a **result**, rounded to the digits that are stable across machines
  (``rounded``, ``fmt``);
* an **agreement check**, printed as the bound it asserts (``agree``), never
  as the round-off difference itself: ``max |ours - scikit-learn| < 1e-10``
  is the same everywhere, while ``4.4e-16`` on one CPU is ``0.0e+00`` on
  another.

Signed zeros (``-0.``) are removed from everything printed through these
helpers: a value that rounds to zero prints as ``0``, whatever side of zero
its round-off fell on.
"""

import numpy as np

__all__ = ["agree", "fmt", "rounded", "seed_summary"]


def rounded(x, decimals=4):
    """``x`` rounded to ``decimals`` places, with any ``-0.0`` turned into
    ``0.0``.

    Works for scalars and arrays; adding ``+0.0`` is the IEEE way to clear a
    zero's sign bit.
    """
    out = np.round(np.asarray(x, dtype=float), decimals) + 0.0
    return float(out) if out.ndim == 0 else out


def fmt(x, decimals=4):
    """``x`` as text with ``decimals`` places and never a ``-0``:
    ``fmt(-1e-17) == '0.0000'``.
    """
    return f"{rounded(x, decimals):.{decimals}f}"


def agree(ours, reference, tol, what="ours - reference", relative=False):
    """Assert ``max |ours - reference| < tol`` and print that bound (not the
    difference).

    With ``relative=True`` the difference is divided by ``max |reference|``.
    Raises ``AssertionError`` with the measured difference when the bound
    fails, so a notebook cell that calls it fails loudly under nbval if
    either side drifts.
    """
    ours = np.asarray(ours, dtype=float)
    reference = np.asarray(reference, dtype=float)
    if ours.shape != reference.shape:
        raise AssertionError(
            f"{what}: shapes differ, {ours.shape} vs {reference.shape}"
        )
    diff = float(np.max(np.abs(ours - reference))) if ours.size else 0.0
    if relative:
        scale = float(np.max(np.abs(reference))) if reference.size else 0.0
        diff = diff / scale if scale > 0 else diff
    bar = (
        "max |{}| / max |reference|".format(what)
        if relative
        else f"max |{what}|"
    )
    if not diff < tol:  # also catches NaN
        raise AssertionError(f"{bar} = {diff:.3g}, not below {tol:.0e}")
    print(f"{bar} < {tol:.0e}")


def seed_summary(values, decimals=2, what="", unit=""):
    """Mean and spread of a result over several seeds, as text rounded to
    what the spread allows.

    Returns ``"mean ± sd (min … max) over n
    seeds"`` with ``decimals`` places; choose ``decimals`` so that the
    spread, not round-off, sets the last printed digit.
    """
    v = np.asarray(values, dtype=float)
    text = (
        f"{fmt(v.mean(), decimals)} ± "
        f"{fmt(v.std(ddof=1) if v.size > 1 else 0.0, decimals)}"
    )
    text += (
        f" (min {fmt(v.min(), decimals)}, max "
        f"{fmt(v.max(), decimals)}) over {v.size} seeds"
    )
    if unit:
        text += f" {unit}"
    return f"{what}: {text}" if what else text

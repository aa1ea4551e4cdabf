"""Numerically stable building blocks used across the package.

Chapter "Probabilistic latent variable models", section "Computing in the
log domain", shows why these exist: a naive ``log(sum(exp(a)))`` overflows
or underflows for the log-densities that latent variable models produce, and
``inv``/``det`` lose accuracy and speed where a Cholesky factor does the
same job.
"""

import numpy as np
from scipy import linalg

__all__ = [
    "logsumexp",
    "softmax",
    "softplus",
    "cholesky_or_raise",
    "log_det_from_cholesky",
]


def logsumexp(a, axis=-1):
    """Compute ``log(sum(exp(a), axis))`` without overflow or underflow.

    Subtracts the maximum first: ``log Σ exp(a_i) = m + log Σ exp(a_i -
    m)`` with ``m = max_i a_i``, so the largest term is ``exp(0) =
    1``. Rows that are all ``-inf`` give ``-inf`` (not NaN).
    """
    a = np.asarray(a, dtype=np.float64)
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return np.squeeze(out, axis=axis)


def softmax(a, axis=-1):
    """``exp(a) / sum(exp(a))`` along ``axis``, computed stably (see
    ``logsumexp``).

    Entries may be −inf (probability 0), but not all of a row: its
    probabilities would be 0/0, so that is a ``ValueError``, as are NaN and
    +inf.
    """
    a = np.asarray(a, dtype=np.float64)
    m = np.max(a, axis=axis, keepdims=True)
    if not np.all(np.isfinite(m)):
        raise ValueError(
            "softmax needs in every row at least one finite entry and no "
            "NaN or +inf "
            "(a row of only -inf would give 0/0)"
        )
    e = np.exp(a - m)
    return e / e.sum(axis=axis, keepdims=True)


def softplus(a):
    """``log(1 + exp(a))`` without overflow:
    ``max(a, 0) + log1p(exp(-|a|))``.

    The log-partition of a binary unit: used by RBM free energies, Bernoulli
    log-likelihoods from logits and the planar-flow constraint.
    """
    return np.maximum(a, 0.0) + np.log1p(np.exp(-np.abs(a)))


def cholesky_or_raise(A, what="covariance", hint=None):
    """Lower Cholesky factor of the symmetric positive definite ``A``, or a
    clear ``ValueError``.
    """
    try:
        return linalg.cholesky(A, lower=True, check_finite=False)
    except linalg.LinAlgError:
        raise ValueError(
            f"the {what} matrix is not positive definite, so its Cholesky "
            "factor does not exist"
            + (f"; {hint}" if hint else "")
        ) from None


def log_det_from_cholesky(L):
    """``log det(A)`` from the Cholesky factor ``L`` of ``A``:
    ``2 Σ log L_ii``.

    Works on a single factor (D, D) or a stack (K, D, D). Never form
    ``det(A)``: it overflows to inf (or underflows to 0) already for
    moderate D.
    """
    return 2.0 * np.sum(np.log(np.diagonal(L, axis1=-2, axis2=-1)), axis=-1)

"""Checks for the exercises of the chapter "Non-negative matrix
factorisation".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases
and compares it with the package's implementation in ``lvmteach.nmf``,
without revealing the answer.
"""

import numpy as np

from .. import nmf
from ._harness import run_cases

__all__ = [
    "check_kl_divergence_masked",
    "check_mu_frobenius",
    "check_mu_kl",
    "check_nmf_to_plsa",
]


def _case(N, D, K, seed, zeros=True):
    rng = np.random.default_rng(seed)
    X = (
        rng.poisson(2.0, size=(N, D)).astype(float)
        if zeros
        else rng.uniform(0.5, 3.0, size=(N, D))
    )
    return (
        X,
        rng.uniform(0.1, 1.0, size=(N, K)),
        rng.uniform(0.1, 1.0, size=(K, D)),
    )


def _one_iteration(beta_loss):
    def reference(X, W, H):
        W = nmf.multiplicative_update_W(X, W, H, beta_loss)
        return W, nmf.multiplicative_update_H(X, W, H, beta_loss)

    return reference


def _cases(shapes, seed0, zeros=True):
    cases = []
    for i, (N, D, K) in enumerate(shapes):
        X, W, H = _case(N, D, K, seed0 + i, zeros)
        cases.append((f"N={N}, D={D}, K={K}", {"X": X, "W": W, "H": H}))
    return cases


def check_mu_frobenius(fn, verbose=True):
    """Check ``fn(X, W, H) -> (W_new, H_new)``: one Frobenius iteration, W
    first (eqs. nmf-mu-frob-W, nmf-mu-frob-H).
    """
    return run_cases(
        fn,
        _one_iteration("frobenius"),
        _cases([(6, 5, 2), (30, 20, 4), (4, 9, 1)], seed0=0),
        title="check_mu_frobenius",
        hint="update W first, then H with the *new* W; multiplications "
        "and divisions of the update are element-wise",
        rtol=1e-9,
        atol=1e-12,
        verbose=verbose,
    )


def check_mu_kl(fn, verbose=True):
    """Check ``fn(X, W, H) -> (W_new, H_new)``: one KL iteration, W first
    (eqs. nmf-mu-kl-W, nmf-mu-kl-H).
    """
    return run_cases(
        fn,
        _one_iteration("kullback-leibler"),
        _cases([(6, 5, 2), (30, 20, 4), (4, 9, 1)], seed0=10),
        title="check_mu_kl",
        hint="update W first; recompute W H with the new W before "
        "updating H; the denominators are sums of the other factor",
        rtol=1e-9,
        atol=1e-12,
        verbose=verbose,
    )


def _masked_kl(X, W, H, observed):
    """Reference: the package's generalised KL on the observed entries only.

    An unobserved entry (X may hold NaN there) gets x = y = 1, whose term x
    log(x/y) − x + y is exactly 0; the product W H enters as the first
    factor times the identity.
    """
    X1 = np.where(observed, X, 1.0)
    WH = np.where(observed, W @ H, 1.0)
    identity = np.eye(X.shape[1])
    return nmf.beta_divergence(X1, WH, identity, "kullback-leibler")


def check_kl_divergence_masked(fn, verbose=True):
    """Check ``fn(X, W, H, observed) -> float``: D(X || WH), observed part.

    The generalised KL (eq. nmf-kl-loss) summed over the entries where the
    boolean ``observed`` is True; the others hold NaN in ``X`` and must not
    count. Cases: zeros in X, a fully unobserved row, everything observed.
    """
    cases = []
    shapes = [(5, 4, 2), (20, 30, 3), (10, 8, 2), (6, 5, 3)]
    for i, (N, D, K) in enumerate(shapes):
        X, W, H = _case(N, D, K, 20 + i)
        rng = np.random.default_rng(40 + i)
        observed = rng.uniform(size=X.shape) < 0.7
        description = f"N={N}, D={D}, K={K}, 30% unobserved"
        if i == 2:
            X[X < 2] = 0.0
            description += ", many zeros in X"
        elif i == 3:
            observed[:] = True
            description = f"N={N}, D={D}, K={K}, everything observed"
        if i == 1:
            observed[0] = False
            description += ", row 0 entirely unobserved"
        X = np.where(observed, X, np.nan)
        cases.append(
            (description, {"X": X, "W": W, "H": H, "observed": observed})
        )
    return run_cases(
        fn,
        _masked_kl,
        cases,
        title="check_kl_divergence_masked",
        hint="every term of the sum, including the + y, belongs to one "
        "entry; 0 × NaN is NaN, so remove the unobserved entries before "
        "any arithmetic",
        rtol=1e-8,
        atol=1e-10,
        verbose=verbose,
    )


def check_nmf_to_plsa(fn, verbose=True):
    """Check ``fn(W, H) -> (p_z, p_d_given_z, p_w_given_z)`` (eq.
    nmf-plsa).
    """
    cases = []
    for i, (N, D, K) in enumerate([(5, 4, 2), (20, 30, 3), (3, 6, 1)]):
        _, W, H = _case(N, D, K, 40 + i)
        cases.append((f"N={N}, D={D}, K={K}", {"W": W * (i + 1.5), "H": H}))
    return run_cases(
        fn,
        nmf.nmf_to_plsa,
        cases,
        title="check_nmf_to_plsa",
        hint="divide each column of W by its sum and each row of H by "
        "its sum; P(z) is proportional "
        "to the product of the two sums",
        rtol=1e-9,
        atol=1e-12,
        verbose=verbose,
    )

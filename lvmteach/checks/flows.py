"""Checks for the exercises of the chapter "Normalizing flows".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases
and compares it with ``lvmteach.flows``, without revealing the answer.
"""

import numpy as np

from .. import flows
from ._harness import run_cases

__all__ = [
    "check_planar_constrain_u",
    "check_radial_log_det",
    "check_coupling_forward",
    "check_coupling_inverse",
]


def check_planar_constrain_u(fn, verbose=True):
    """Check ``fn(u, w) -> u_hat`` with wᵀû = −1 + softplus(wᵀu) (eq.
    flow-planar-constraint).
    """
    cases = []
    for i, (D, flip) in enumerate(
        [(2, False), (2, True), (5, True), (3, False)]
    ):
        rng = np.random.default_rng(i)
        u, w = rng.normal(size=D), rng.normal(size=D)
        if flip and w @ u > 0:
            u = -u  # wᵀu < 0: the case the constraint is for
        cases.append((f"D={D}, w.u={w @ u:.2f}", {"u": u, "w": w}))
    return run_cases(
        fn,
        flows.planar_constrain_u,
        cases,
        title="check_planar_constrain_u",
        hint="only the component of u along w changes; compute "
        "log(1 + exp(a)) so that it cannot overflow",
        verbose=verbose,
    )


def _radial_log_det(Z, z0, alpha, beta):
    """log |det ∂f/∂z| of the radial flow f(z) = z + β h(r) (z − z0).

    With r = ‖z − z0‖ and h(r) = 1/(α + r), the Jacobian is
    (1 + βh) I + βh'(r) r n nᵀ with n the unit vector along z − z0; by the
    determinant lemma, log|det| = (D − 1) log(1 + βh) + log(1 + βh + βh' r)
    (Rezende and Mohamed 2015), and h' = −h².
    """
    D = Z.shape[1]
    r = np.sqrt(np.sum((Z - z0) ** 2, axis=1))
    h = 1.0 / (alpha + r)
    along = np.log1p(beta * h - beta * h**2 * r)
    return (D - 1) * np.log1p(beta * h) + along


def check_radial_log_det(fn, verbose=True):
    """Check ``fn(Z, z0, alpha, beta) -> (N,)``, a radial flow's log|det|.

    The radial flow f(z) = z + β (z − z0) / (α + ‖z − z0‖), α > 0 and
    β ≥ −α (invertible). Cases: D = 1, 2 and 5, a point exactly at z0, and
    β close to −α, where 1 + βh is small.
    """
    cases = []
    for i, (N, D) in enumerate([(5, 2), (4, 1), (8, 5), (6, 3)]):
        rng = np.random.default_rng(10 + i)
        Z, z0 = rng.normal(size=(N, D)), rng.normal(size=D)
        alpha = float(rng.uniform(0.2, 2.0))
        beta = float(rng.uniform(-alpha, 3.0))
        description = f"N={N}, D={D}"
        if i == 2:
            Z[0] = z0
            description += ", one point exactly at z0"
        elif i == 3:
            beta = -0.98 * alpha
            description += ", β close to −α"
        cases.append(
            (description, {"Z": Z, "z0": z0, "alpha": alpha, "beta": beta})
        )
    return run_cases(
        fn,
        _radial_log_det,
        cases,
        title="check_radial_log_det",
        hint="the Jacobian is a multiple of I plus a rank-one term along "
        "z − z0; the determinant lemma gives its determinant",
        verbose=verbose,
    )


def _coupling_forward(X, s, t):
    d = X.shape[1] - s.shape[1]
    return np.hstack([X[:, :d], X[:, d:] * np.exp(s) + t]), s.sum(axis=1)


def _coupling_inverse(Y, s, t):
    d = Y.shape[1] - s.shape[1]
    return np.hstack([Y[:, :d], (Y[:, d:] - t) * np.exp(-s)]), -s.sum(
        axis=1
    )


def _coupling_cases(seed):
    cases = []
    for i, (N, D, d) in enumerate([(4, 2, 1), (6, 5, 2), (1, 3, 1)]):
        rng = np.random.default_rng(seed + i)
        cases.append(
            (
                f"N={N}, D={D}, d={d}",
                {
                    "X": rng.normal(size=(N, D)),
                    "s": np.tanh(rng.normal(size=(N, D - d))),
                    "t": rng.normal(size=(N, D - d)),
                },
            )
        )
    return cases


def check_coupling_forward(fn, verbose=True):
    """Check ``fn(X, s, t) -> (Y, log_det)``: the first D − k columns pass,
    the last k = s.shape[1] become x ⊙ exp(s) + t (eq. flow-coupling)."""
    return run_cases(
        fn,
        _coupling_forward,
        _coupling_cases(20),
        title="check_coupling_forward",
        hint="return a tuple (Y, log_det); the Jacobian is triangular "
        "with exp(s) on the diagonal",
        verbose=verbose,
    )


def check_coupling_inverse(fn, verbose=True):
    """Check ``fn(Y, s, t) -> (X, log_det)``, the inverse of
    ``check_coupling_forward``'s map.
    """
    cases = [
        (desc, {"Y": kw["X"], "s": kw["s"], "t": kw["t"]})
        for desc, kw in _coupling_cases(30)
    ]
    return run_cases(
        fn,
        _coupling_inverse,
        cases,
        title="check_coupling_inverse",
        hint="undo the affine map: subtract t, then divide by exp(s); "
        "the log-determinant changes sign",
        verbose=verbose,
    )

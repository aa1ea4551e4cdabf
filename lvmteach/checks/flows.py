"""Checks for the exercises of the chapter "Normalizing flows".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases and compares it
with ``lvmteach.flows``, without revealing the answer.
"""

import numpy as np

from .. import flows
from ._harness import run_cases

__all__ = ["check_planar_constrain_u", "check_planar_log_det", "check_coupling_forward", "check_coupling_inverse"]


def check_planar_constrain_u(fn, verbose=True):
    """Check ``fn(u, w) -> u_hat`` with wᵀû = −1 + softplus(wᵀu) (eq. flow-planar-constraint)."""
    cases = []
    for i, (D, flip) in enumerate([(2, False), (2, True), (5, True), (3, False)]):
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
        hint="add (m(w.u) - w.u) w / ||w||^2 to u, with m(a) = -1 + log(1 + exp(a))",
        verbose=verbose,
    )


def _planar_log_det(Z, u_hat, w, b):
    layer = flows.PlanarLayer(len(w))
    layer._u_hat = lambda: u_hat
    layer.params["w"], layer.params["b"] = w, np.array([b])
    return layer.forward(Z)[1]


def check_planar_log_det(fn, verbose=True):
    """Check ``fn(Z, u_hat, w, b) -> (N,)``, log |det| of z + û tanh(wᵀz + b) (eq. flow-planar-logdet)."""
    cases = []
    for i, (N, D) in enumerate([(5, 2), (1, 2), (8, 4)]):
        rng = np.random.default_rng(10 + i)
        w = rng.normal(size=D)
        u_hat = flows.planar_constrain_u(rng.normal(size=D), w)
        cases.append((f"N={N}, D={D}", {"Z": rng.normal(size=(N, D)), "u_hat": u_hat, "w": w, "b": float(rng.normal())}))
    return run_cases(
        fn,
        _planar_log_det,
        cases,
        title="check_planar_log_det",
        hint="by the matrix determinant lemma det(I + u psi^T) = 1 + psi^T u with psi = (1 - tanh(w.z + b)^2) w",
        verbose=verbose,
    )


def _coupling_forward(X, s, t):
    d = X.shape[1] - s.shape[1]
    return np.hstack([X[:, :d], X[:, d:] * np.exp(s) + t]), s.sum(axis=1)


def _coupling_inverse(Y, s, t):
    d = Y.shape[1] - s.shape[1]
    return np.hstack([Y[:, :d], (Y[:, d:] - t) * np.exp(-s)]), -s.sum(axis=1)


def _coupling_cases(seed):
    cases = []
    for i, (N, D, d) in enumerate([(4, 2, 1), (6, 5, 2), (1, 3, 1)]):
        rng = np.random.default_rng(seed + i)
        cases.append((f"N={N}, D={D}, d={d}", {"X": rng.normal(size=(N, D)), "s": np.tanh(rng.normal(size=(N, D - d))), "t": rng.normal(size=(N, D - d))}))
    return cases


def check_coupling_forward(fn, verbose=True):
    """Check ``fn(X, s, t) -> (Y, log_det)``: the first D − k columns pass, the last k = s.shape[1]
    become x ⊙ exp(s) + t (eq. flow-coupling)."""
    return run_cases(
        fn,
        _coupling_forward,
        _coupling_cases(20),
        title="check_coupling_forward",
        hint="return a tuple (Y, log_det); the Jacobian is triangular with exp(s) on the diagonal",
        verbose=verbose,
    )


def check_coupling_inverse(fn, verbose=True):
    """Check ``fn(Y, s, t) -> (X, log_det)``, the inverse of ``check_coupling_forward``'s map."""
    cases = [(desc, {"Y": kw["X"], "s": kw["s"], "t": kw["t"]}) for desc, kw in _coupling_cases(30)]
    return run_cases(
        fn,
        _coupling_inverse,
        cases,
        title="check_coupling_inverse",
        hint="undo the affine map: subtract t, then divide by exp(s); the log-determinant changes sign",
        verbose=verbose,
    )

"""Checks for the linear-dynamical-system exercises of "Latent variable models for sequences".

Each ``check_*`` runs your function on random cases against the reference in
``lvmteach.lds`` and prints what is off (never the expected values).
"""

import numpy as np

from .. import lds
from ._harness import run_cases

__all__ = ["check_kalman_update"]


def _cases(n_cases=6, seed=0):
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n_cases):
        M, D = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        B, E = rng.normal(size=(M, M)), rng.normal(size=(D, D))
        cases.append(
            (
                f"M={M}, D={D}",
                dict(
                    mu_pred=rng.normal(size=M),
                    V_pred=B @ B.T + 0.1 * np.eye(M),
                    x=rng.normal(size=D),
                    C=rng.normal(size=(D, M)),
                    R=E @ E.T + 0.1 * np.eye(D),
                ),
            )
        )
    return cases


def check_kalman_update(my_kalman_update, verbose=True):
    """Check ``my_kalman_update(mu_pred, V_pred, x, C, R) -> (mu, V)``, the Kalman update step."""

    def reference(mu_pred, V_pred, x, C, R):
        return lds.kalman_update(mu_pred, V_pred, x, C, R)[:2]

    return run_cases(
        my_kalman_update,
        reference,
        _cases(),
        title="kalman_update",
        verbose=verbose,
        hint="S = C V̄ Cᵀ + R, K = V̄ Cᵀ S⁻¹, μ = μ̄ + K (x − C μ̄), V = (I − K C) V̄",
        rtol=1e-7,
        atol=1e-10,
    )

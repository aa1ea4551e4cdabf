"""Checks for the linear-dynamical-system exercises of "Latent variable
models for sequences".

Each ``check_*`` runs your function on random cases against the reference in
``lvmteach.lds`` and prints what is off (never the expected values).
"""

import numpy as np

from .. import lds
from ._harness import run_cases

__all__ = ["check_kalman_update_partial"]


def _kalman_update_partial(mu_pred, V_pred, x, C, R):
    """Reference: the package's update on the observed part of ``x``.

    With observed set o, the observation model of x_o is C_o z + noise with
    covariance R_oo (the marginal of the Gaussian noise), so the update is
    the usual one with C[o] and R[o][:, o]; with nothing observed the
    prediction stands and log p adds 0.
    """
    o = ~np.isnan(x)
    if not o.any():
        return mu_pred, V_pred, 0.0
    return lds.kalman_update(mu_pred, V_pred, x[o], C[o], R[np.ix_(o, o)])


def _cases(n_cases=7, seed=0):
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n_cases):
        M, D = int(rng.integers(1, 4)), int(rng.integers(2, 5))
        B, E = rng.normal(size=(M, M)), rng.normal(size=(D, D))
        x = rng.normal(size=D)
        missing = rng.uniform(size=D) < 0.4
        if i == 0:
            missing[:] = False
        elif i == n_cases - 1:
            missing[:] = True
        else:
            missing[0], missing[-1] = True, False
        x[missing] = np.nan
        cases.append(
            (
                f"M={M}, D={D}, components "
                f"{np.flatnonzero(missing).tolist()} missing",
                dict(
                    mu_pred=rng.normal(size=M),
                    V_pred=B @ B.T + 0.1 * np.eye(M),
                    x=x,
                    C=rng.normal(size=(D, M)),
                    R=E @ E.T + 0.1 * np.eye(D),  # correlated noise
                ),
            )
        )
    return cases


def check_kalman_update_partial(my_kalman_update, verbose=True):
    """Check ``my_kalman_update(mu_pred, V_pred, x, C, R)``.

    Returns ``(mu, V, log_lik)``. ``x`` may have NaN components (a sensor
    that did not report); the update uses the observed ones, and ``log_lik``
    is log p(x_obs | earlier observations). Cases: nothing missing, some
    missing, everything missing; R is a full covariance.
    """
    return run_cases(
        my_kalman_update,
        _kalman_update_partial,
        _cases(),
        title="kalman_update_partial",
        verbose=verbose,
        no_mutation=True,
        hint="which rows of C and which block of R describe the observed "
        "components? The log-density is over the observed dimensions only",
        rtol=1e-7,
        atol=1e-10,
    )

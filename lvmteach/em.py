"""The EM driver shared by every model fitted by EM or coordinate ascent.

Chapter "The EM algorithm" derives the loop this module runs:

1. **E-step**: given parameters θ⁽ᵗ⁾, compute the posterior over the latents (the
   responsibilities, for a mixture) and, at no extra cost, the objective ℓ(θ⁽ᵗ⁾) -- the mean
   log-likelihood for EM, the ELBO for variational EM;
2. **M-step**: maximise the expected complete-data log-likelihood to get θ⁽ᵗ⁺¹⁾;
3. stop when the objective changes by less than ``tol``, or after ``max_iter`` iterations.

The theorem "EM never decreases the likelihood" (same chapter) is checked at run time inside
``with strict_monotonicity():`` -- the tests run every EM model under it.

A model opts in by inheriting ``EMMixin`` and writing five short methods::

    _initialize(X, rng)        set θ⁽⁰⁾ for one restart
    _e_step(X)                 -> (objective at the current θ, statistics for the M-step)
    _m_step(X, stats)          set θ to the maximiser
    _get_parameters()          -> a tuple holding θ
    _set_parameters(params)    the inverse of _get_parameters

and having the hyperparameters ``max_iter``, ``tol``, ``n_init`` and ``random_state``.
``fit_em`` then gives it restarts, convergence checks and the attributes ``history_``
(the objective of θ⁽⁰⁾, θ⁽¹⁾, … of the best restart), ``n_iter_``, ``converged_`` and
``lower_bound_`` (the best restart's final objective).

The loop matches scikit-learn's ``BaseMixture.fit`` step for step, so that our models can be
compared with scikit-learn's iteration by iteration: the objective recorded at iteration t is
the one computed in that iteration's E-step, i.e. of the parameters *before* its M-step.
"""

import contextlib
import warnings

import numpy as np

from .exceptions import ConvergenceWarning, ObjectiveDecreasedError
from .validation import check_positive_int, check_positive_scalar, check_random_state

__all__ = ["EMMixin", "fit_em", "run_em", "strict_monotonicity"]

# Relative round-off allowed by the monotonicity check; None means "not checking".
_MONOTONE_RTOL = None


@contextlib.contextmanager
def strict_monotonicity(rtol=1e-9):
    """Within this block, EM raises if its objective ever decreases by more than round-off.

    A decrease larger than ``rtol * max(1, |objective|)`` raises
    ``ObjectiveDecreasedError``. Use it when writing a new E- or
    M-step: a wrong step almost always shows up as a decrease.

    >>> from lvmteach.em import strict_monotonicity
    >>> with strict_monotonicity():            # doctest: +SKIP
    ...     GaussianMixture(3).fit(X)
    """
    global _MONOTONE_RTOL
    previous, _MONOTONE_RTOL = _MONOTONE_RTOL, rtol
    try:
        yield
    finally:
        _MONOTONE_RTOL = previous


def check_monotone(history, *, rtol=None, what="objective"):
    """Raise ``ObjectiveDecreasedError`` if ``history`` ever decreases beyond round-off.

    With ``rtol=None`` this is the check of ``strict_monotonicity`` and only runs inside it.
    """
    rtol = _MONOTONE_RTOL if rtol is None else rtol
    if rtol is None or len(history) < 2:
        return
    prev, cur = history[-2], history[-1]
    if cur < prev - rtol * max(1.0, abs(prev)):
        raise ObjectiveDecreasedError(
            f"the {what} decreased by {prev - cur:.3g} (from {prev:.8g} to {cur:.8g}) at iteration "
            f"{len(history)}; "
            "EM and coordinate ascent can never do that, so an E- or M-step is wrong"
        )


def run_em(model, X, *, max_iter, tol):
    """Run EM from the model's current parameters; return ``(history, converged)``.

    ``history[t]`` is the objective of θ⁽ᵗ⁾, computed in the E-step of iteration t+1.
    Converged means the objective changed by less than ``tol`` between two iterations.
    """
    history = []
    objective = -np.inf
    for _ in range(max_iter):
        prev = objective
        objective, stats = model._e_step(X)
        model._m_step(X, stats)
        history.append(float(objective))
        check_monotone(history)
        if abs(objective - prev) < tol:
            return history, True
    return history, False


def fit_em(model, X):
    """Fit ``model`` by EM with ``model.n_init`` restarts and keep the best.

    Sets ``history_``, ``n_iter_``, ``converged_`` and ``lower_bound_`` on the model and warns
    with ``ConvergenceWarning`` if the best restart did not converge.
    Returns the model.
    """
    max_iter = check_positive_int(model.max_iter, "max_iter")
    n_init = check_positive_int(model.n_init, "n_init")
    tol = check_positive_scalar(model.tol, "tol", allow_zero=True)
    rng = check_random_state(model.random_state)

    best = None
    for _ in range(n_init):
        model._initialize(X, rng)
        history, converged = run_em(model, X, max_iter=max_iter, tol=tol)
        if best is None or history[-1] > best[0][-1]:
            best = (history, converged, model._get_parameters())
    history, converged, params = best
    model._set_parameters(params)
    model.history_ = np.asarray(history)
    model.lower_bound_ = history[-1]
    model.n_iter_ = len(history)
    model.converged_ = converged
    if not converged:
        warnings.warn(
            f"{type(model).__name__}: the best of {n_init} restart(s) did not converge in "
            f"max_iter={max_iter} iterations (last change in the objective "
            f"{_last_change(history):.3g} >= tol={tol:g}); increase max_iter, increase tol, "
            "or rescale the data",
            ConvergenceWarning,
            stacklevel=3,
        )
    return model


def _last_change(history):
    return abs(history[-1] - history[-2]) if len(history) > 1 else np.inf


class EMMixin:
    """Gives a model ``fit`` by EM (see the module docstring for the five hooks)."""

    def _fit_em(self, X):
        return fit_em(self, X)

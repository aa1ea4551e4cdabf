"""The EM driver shared by every model fitted by EM or coordinate ascent.

Chapter "The EM algorithm" derives the loop this module runs:

1. **E-step**: given parameters θ⁽ᵗ⁾, compute the posterior over the latents
   (the responsibilities, for a mixture) and, at no extra cost, the
   objective -- the mean log-likelihood ℓ(θ⁽ᵗ⁾)/N for EM (the book's ℓ is
   the sum over the data), the ELBO for variational EM;
2. **M-step**: maximise the expected complete-data log-likelihood to get
   θ⁽ᵗ⁺¹⁾;
3. stop when the objective changes by less than ``tol``, or after
   ``max_iter`` iterations.

The theorem "EM never decreases the likelihood" (same chapter) is checked at
run time inside ``with strict_monotonicity():`` -- the tests run every EM
model under it.

A model opts in by inheriting ``EMMixin`` and writing five short methods::

    _initialize(X, rng)      set θ⁽⁰⁾ for one restart
    _e_step(X)               -> (objective at the current θ,
                                 statistics for the M-step)
    _m_step(X, stats)        set θ to the maximiser
    _get_parameters()        -> a tuple holding θ
    _set_parameters(params)  the inverse of _get_parameters

and having the hyperparameters ``max_iter``, ``tol``, ``n_init`` and
``random_state``. ``fit_em`` then gives it restarts, convergence checks and
the attributes ``history_`` (the objective of θ⁽⁰⁾, θ⁽¹⁾, … of the best
restart), ``n_iter_``, ``converged_`` and ``lower_bound_`` (the best
restart's final objective).

The loop matches scikit-learn's ``BaseMixture.fit`` step for step, so that
our models can be compared with scikit-learn's iteration by iteration: the
objective recorded at iteration t is the one computed in that iteration's
E-step, i.e. of the parameters *before* its M-step.
"""

import contextlib
import warnings

import numpy as np
from scipy import linalg

from .exceptions import ConvergenceWarning, ObjectiveDecreasedError
from .validation import (
    check_positive_int,
    check_positive_scalar,
    check_random_state,
)

__all__ = [
    "EMMixin",
    "check_em_settings",
    "em_rate_matrix",
    "fit_em",
    "fraction_missing_information",
    "gaussian_missing_em",
    "run_em",
    "squarem_step",
    "strict_monotonicity",
]

# Relative round-off allowed by the monotonicity check; None means "not
# checking".
_MONOTONE_RTOL = None


@contextlib.contextmanager
def strict_monotonicity(rtol=1e-9):
    """Within this block, EM raises if its objective ever decreases by more
    than round-off.

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
    """Raise ``ObjectiveDecreasedError`` if ``history`` ever decreases
    beyond round-off.

    With ``rtol=None`` this is the check of ``strict_monotonicity`` and only
    runs inside it.
    """
    rtol = _MONOTONE_RTOL if rtol is None else rtol
    if rtol is None or len(history) < 2:
        return
    prev, cur = history[-2], history[-1]
    if cur < prev - rtol * max(1.0, abs(prev)):
        raise ObjectiveDecreasedError(
            f"the {what} decreased by {prev - cur:.3g} (from {prev:.8g} to "
            f"{cur:.8g}) at iteration "
            f"{len(history)}; "
            "EM and coordinate ascent can never do that, so an E- or "
            "M-step is wrong"
        )


def run_em(model, X, *, max_iter, tol):
    """Run EM from the model's current parameters; return
    ``(history, converged)``.

    ``history[t]`` is the objective of θ⁽ᵗ⁾, computed in the E-step of
    iteration t+1. Converged means the objective changed by less than
    ``tol`` between two iterations.
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


def check_em_settings(model):
    """Validate ``max_iter``, ``n_init``, ``tol`` and ``random_state``;
    return them (rng last).

    Also for models with a closed-form alternative to EM (PPCA), so that a
    bad setting is refused whichever method is chosen.
    """
    max_iter = check_positive_int(model.max_iter, "max_iter")
    n_init = check_positive_int(model.n_init, "n_init")
    tol = check_positive_scalar(model.tol, "tol", allow_zero=True)
    return max_iter, n_init, tol, check_random_state(model.random_state)


def fit_em(model, X):
    """Fit ``model`` by EM with ``model.n_init`` restarts and keep the best.

    Sets ``history_``, ``n_iter_``, ``converged_`` and ``lower_bound_`` on
    the model and warns with ``ConvergenceWarning`` if the best restart did
    not converge. Returns the model.
    """
    max_iter, n_init, tol, rng = check_em_settings(model)

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
            f"{type(model).__name__}: the best of {n_init} restart(s) did "
            "not converge in "
            f"max_iter={max_iter} iterations (last change in the objective "
            f"{_last_change(history):.3g} >= tol={tol:g}); increase "
            "max_iter, increase tol, "
            "or rescale the data",
            ConvergenceWarning,
            stacklevel=3,
        )
    return model


def _last_change(history):
    return abs(history[-1] - history[-2]) if len(history) > 1 else np.inf


class EMMixin:
    """Gives a model ``fit`` by EM (see the module docstring for the five
    hooks).
    """

    def _fit_em(self, X):
        return fit_em(self, X)


# --------------------------------------------------------------------------
# How fast EM converges (chapter section "How fast EM converges")
# --------------------------------------------------------------------------


def em_rate_matrix(em_map, theta, h=1e-6):
    """The Jacobian J = ∂M/∂θ of one EM iteration θ ↦ M(θ) at θ, by central
    differences.

    Near a fixed point θ*, θ⁽ᵗ⁺¹⁾ − θ* ≈ J (θ⁽ᵗ⁾ − θ*) (eq.
    (em-rate) in the chapter "The EM algorithm"): EM converges linearly, and
    its rate is the largest eigenvalue of J. ``em_map`` takes and returns a
    1-D parameter vector (one E-step and one M-step).
    """
    theta = np.asarray(theta, dtype=float)
    J = np.empty((theta.size, theta.size))
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = h
        J[:, i] = (
            np.asarray(em_map(theta + step))
            - np.asarray(em_map(theta - step))
        ) / (2 * h)
    return J


def fraction_missing_information(complete_info, observed_info):
    """Eigenvalues of I_c⁻¹ I_m, largest first: the fractions of missing
    information.

    ``complete_info`` is I_c = −∂²Q(θ′ | θ*)/∂θ′² (the expected
    complete-data information) and ``observed_info`` is I_o = −∂²ℓ/∂θ² at a
    fixed point θ*; I_m = I_c − I_o is the information lost because Z is not
    observed. Dempster, Laird and Rubin's result, eq.
    (em-rate) in the chapter "The EM algorithm", is J = I_c⁻¹ I_m, so these
    are the eigenvalues of EM's rate matrix. They are real and in [0, 1) at
    a strict local maximum, as the solutions of the symmetric-definite
    problem I_m v = λ I_c v.
    """
    Ic = np.asarray(complete_info, dtype=float)
    Io = np.asarray(observed_info, dtype=float)
    return linalg.eigh(Ic - Io, Ic, eigvals_only=True)[::-1]


def squarem_step(em_map, theta):
    """One SQUAREM step (Varadhan & Roland 2008, scheme S3) built from two
    EM iterations.

    With r = M(θ) − θ and v = M(M(θ)) − 2M(θ) + θ, the step length α =
    −‖r‖/‖v‖ (capped at −1, which is plain EM applied twice) extrapolates
    θ′ = θ − 2αr + α²v along the path that EM is crawling along; one more EM
    iteration from θ′ stabilises it. Returns the new θ and the number of
    EM-map evaluations used (3). The caller must check the objective and
    fall back to M(M(θ)) if it decreased: SQUAREM is not monotone by
    construction.
    """
    theta = np.asarray(theta, dtype=float)
    theta1 = np.asarray(em_map(theta))
    theta2 = np.asarray(em_map(theta1))
    r, v = theta1 - theta, theta2 - 2 * theta1 + theta
    norm_v = np.linalg.norm(v)
    alpha = min(-np.linalg.norm(r) / norm_v, -1.0) if norm_v > 0 else -1.0
    return np.asarray(em_map(theta - 2 * alpha * r + alpha**2 * v)), 3


# --------------------------------------------------------------------------
# EM with missing data (chapter section "Missing data under MAR")
# --------------------------------------------------------------------------


def gaussian_missing_em(X, *, max_iter=1000, tol=1e-12):
    """Maximum-likelihood mean and covariance of a Gaussian from data with
    NaN entries, by EM.

    Under MAR the missingness mechanism drops out of the likelihood (eq.
    (em-mar) in the chapter "The EM algorithm"), and EM treats the missing
    entries as latent variables. For a row with observed set O and missing
    set M, the E-step needs the conditional moments

        E[x_M | x_O] = μ_M + Σ_MO Σ_OO⁻¹ (x_O − μ_O),
        Cov[x_M | x_O] = Σ_MM − Σ_MO Σ_OO⁻¹ Σ_OM,

    and the M-step sets μ to the mean of the completed rows and Σ to (1/N)
    Σ_n E[x_n x_nᵀ] − μμᵀ, where E[x_n x_nᵀ] is the outer product of the
    completed row **plus** the conditional covariance on its missing block
    (leaving that out, as if the conditional means had been observed,
    shrinks Σ). Rows are handled in groups that share a missingness pattern.

    Returns ``(mean, cov, history)``; ``history`` is the observed-data mean
    log-likelihood (1/N) Σ_n log 𝒩(x_n,O | μ_O, Σ_OO) of each iterate, which
    never decreases.
    """
    X = np.asarray(X, dtype=float)
    N, D = X.shape
    miss = np.isnan(X)
    if miss.all(axis=1).any():
        raise ValueError(
            "a row has no observed entry: drop it (it carries no "
            "information)"
        )
    patterns, which = np.unique(miss, axis=0, return_inverse=True)
    mean = np.nanmean(X, axis=0)
    cov = np.diag(np.nanvar(X, axis=0))
    history = []
    for _ in range(check_positive_int(max_iter, "max_iter")):
        filled, extra, log_lik = (
            np.where(miss, 0.0, X),
            np.zeros((D, D)),
            0.0,
        )
        for p, pattern in enumerate(patterns):
            rows, o, m = (
                np.flatnonzero(which.ravel() == p),
                ~pattern,
                pattern,
            )
            L = linalg.cholesky(cov[np.ix_(o, o)], lower=True)
            dev = linalg.solve_triangular(
                L, (X[np.ix_(rows, o)] - mean[o]).T, lower=True
            )
            log_lik += -0.5 * np.sum(dev**2) - rows.size * (
                np.log(np.diag(L)).sum() + 0.5 * o.sum() * np.log(2 * np.pi)
            )
            if m.any():
                # L⁻¹ Σ_OM
                B = linalg.solve_triangular(
                    L, cov[np.ix_(o, m)], lower=True
                )
                filled[np.ix_(rows, m)] = mean[m] + dev.T @ B
                extra[np.ix_(m, m)] += rows.size * (
                    cov[np.ix_(m, m)] - B.T @ B
                )
        history.append(log_lik / N)
        check_monotone(history, what="observed-data log-likelihood")
        mean = filled.mean(axis=0)
        centred = filled - mean
        cov = (centred.T @ centred + extra) / N
        if len(history) > 1 and abs(history[-1] - history[-2]) < tol:
            break
    return mean, cov, np.asarray(history)

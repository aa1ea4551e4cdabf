"""Linear dynamical systems: the Kalman filter, the RTS smoother and EM.

The chapter "Latent variable models for sequences" (book/sequences) derives
every function here as Gaussian message passing; each docstring names its
equation. The model, in the notation of Bishop §13.3 with Q and R for the
two noise covariances::

    z_1 ~ 𝒩(mu0, V0),  z_t = A z_{t−1} + w_t,  w_t ~ 𝒩(0, Q)  (M-dim. state)
    x_t = C z_t + v_t,  v_t ~ 𝒩(0, R)          (D-dimensional observation)

It is factor analysis (x = C z + noise) whose factors evolve linearly in
time. A row of X holding NaN is a missing time step: the filter predicts
through it without an update, and the smoother then fills it in from both
sides.

Numerical care: every gain and log-density goes through the Cholesky factor
of the innovation covariance S_t (never ``inv``/``det``), and the filtered
covariance is updated in Joseph form (I − KC) V (I − KC)ᵀ + K R Kᵀ, a sum of
two positive semi-definite terms that stays symmetric and positive definite
under round-off where the short form (I − KC) V does not.
"""

import numpy as np
from scipy import linalg

from .base import BaseEstimator, check_is_fitted
from .em import EMMixin, fit_em
from .hmm import check_lengths
from .validation import (
    check_array,
    check_n_features,
    check_positive_int,
    check_random_state,
)

__all__ = [
    "LinearDynamicalSystem",
    "kalman_predict",
    "kalman_update",
    "kalman_filter",
    "rts_smoother",
    "lds_e_step",
    "lds_m_step",
]

PARAMETERS = ("A", "C", "Q", "R", "mu0", "V0")


def _sym(V):
    return 0.5 * (V + np.swapaxes(V, -1, -2))


def _sqrt_psd(S):
    """A square root B Bᵀ = S of a positive semi-definite S
    (eigen-decomposition: S may be singular).
    """
    evals, evecs = np.linalg.eigh(_sym(S))
    return evecs * np.sqrt(np.maximum(evals, 0.0))


def kalman_predict(mu, V, A, Q):
    """Prediction step, eq. (kf-predict) of "Latent variable models for
    sequences".

    p(z_t | x_1..x_{t−1}) = 𝒩(A μ_{t−1}, A V_{t−1} Aᵀ + Q): push the
    filtered Gaussian through the linear dynamics and add the process noise.
    """
    return A @ mu, _sym(A @ V @ A.T + Q)


def kalman_update(mu_pred, V_pred, x, C, R):
    """Update step, eqs. (kf-gain)-(kf-update) of "Latent variable models
    for sequences".

    With the innovation e = x − C μ̄ and its covariance S = C V̄ Cᵀ + R = L Lᵀ
    (Cholesky), the gain is K = V̄ Cᵀ S⁻¹ (two solves with the triangular L,
    no inverse), μ = μ̄ + K e and, in Joseph form, V = (I − KC) V̄ (I − KC)ᵀ +
    K R Kᵀ. Also returns log p(x_t | x_1..x_{t−1}) = log 𝒩(e | 0, S), the
    term the filter adds to the log-likelihood. A missing x (any NaN) leaves
    the prediction unchanged and adds 0.
    """
    if np.isnan(x).any():
        return mu_pred, V_pred, 0.0
    M = len(mu_pred)
    e = x - C @ mu_pred
    CV = C @ V_pred
    L = np.linalg.cholesky(_sym(CV @ C.T + R))
    # L⁻¹ [C V̄, e]: one solve for both
    Y = np.linalg.solve(L, np.column_stack([CV, e]))
    W, y = Y[:, :M], Y[:, M]
    gain = np.linalg.solve(L.T, W).T  # (L⁻ᵀ L⁻¹ C V̄)ᵀ = V̄ Cᵀ S⁻¹
    I_KC = np.eye(M) - gain @ C
    V = _sym(I_KC @ V_pred @ I_KC.T + gain @ R @ gain.T)
    log_lik = (
        -0.5 * (len(x) * np.log(2 * np.pi) + y @ y)
        - np.log(np.diag(L)).sum()
    )
    return mu_pred + gain @ e, V, log_lik


def kalman_filter(X, A, C, Q, R, mu0, V0):
    """The Kalman filter, eq. (kf) of "Latent variable models for
    sequences": predict, update, repeat.

    Returns ``(mu, V, mu_pred, V_pred, log_lik)``: filtered means (T, M) and
    covariances (T, M, M) of p(z_t | x_1..x_t), the one-step predictions of
    p(z_t | x_1..x_{t−1}) (the first is the prior 𝒩(mu0, V0)), and log
    p(x_t | x_1..x_{t−1}) per step (T,), whose sum is the log-likelihood.
    """
    T, M = X.shape[0], len(mu0)
    mu, V = np.empty((T, M)), np.empty((T, M, M))
    mu_pred, V_pred = np.empty((T, M)), np.empty((T, M, M))
    log_lik = np.empty(T)
    m, P = mu0, V0
    for t in range(T):
        if t > 0:
            m, P = kalman_predict(mu[t - 1], V[t - 1], A, Q)
        mu_pred[t], V_pred[t] = m, P
        mu[t], V[t], log_lik[t] = kalman_update(m, P, X[t], C, R)
    return mu, V, mu_pred, V_pred, log_lik


def rts_smoother(mu, V, mu_pred, V_pred, A):
    """The Rauch-Tung-Striebel smoother, eq. (rts) of "Latent variable
    models for sequences".

    Backwards from the last filtered Gaussian: J_t = V_t Aᵀ V̄_{t+1}⁻¹ (a
    linear solve), μ̂_t = μ_t + J_t (μ̂_{t+1} − μ̄_{t+1}), V̂_t = V_t + J_t
    (V̂_{t+1} − V̄_{t+1}) J_tᵀ. Returns ``(mu_smooth, V_smooth, V_cross)``
    with V_cross[t] = Cov(z_{t+1}, z_t | X) = V̂_{t+1} J_tᵀ (T − 1, M, M),
    the lag-one covariance EM needs.
    """
    T, M = mu.shape
    mu_s, V_s = mu.copy(), V.copy()
    V_cross = np.empty((max(T - 1, 0), M, M))
    for t in range(T - 2, -1, -1):
        # V_t Aᵀ V̄⁻¹ (V̄ is symmetric)
        J = np.linalg.solve(V_pred[t + 1], A @ V[t]).T
        mu_s[t] = mu[t] + J @ (mu_s[t + 1] - mu_pred[t + 1])
        V_s[t] = _sym(V[t] + J @ (V_s[t + 1] - V_pred[t + 1]) @ J.T)
        V_cross[t] = V_s[t + 1] @ J.T
    return mu_s, V_s, V_cross


def lds_e_step(X, A, C, Q, R, mu0, V0):
    """E-step for the LDS: filter, smooth, and the expected sufficient
    statistics (eq. (lds-stats)).

    Returns ``(log_lik, Ez, Ezz, Ezz_lag)``: log p(X), E[z_t] (T, M), E[z_t
    z_tᵀ] (T, M, M) and E[z_{t+1} z_tᵀ] (T − 1, M, M), all under p(z | X).
    """
    mu, V, mu_pred, V_pred, log_lik = kalman_filter(X, A, C, Q, R, mu0, V0)
    Ez, V_s, V_cross = rts_smoother(mu, V, mu_pred, V_pred, A)
    Ezz = V_s + Ez[:, :, None] * Ez[:, None, :]
    Ezz_lag = V_cross + Ez[1:, :, None] * Ez[:-1, None, :]
    return float(log_lik.sum()), Ez, Ezz, Ezz_lag


def lds_m_step(stats, params, em_vars=PARAMETERS):
    """M-step for the LDS, eqs. (lds-m-c), (lds-m-a) and (lds-m-init) of the
    sequences chapter.

    The EM algorithm of Shumway & Stoffer (1982) and Ghahramani & Hinton
    (1996), "Parameter estimation for linear dynamical systems".

    ``stats`` is a list with one ``(X, Ez, Ezz, Ezz_lag)`` per sequence;
    ``params`` a dict of the current parameters. Each update is the
    maximiser of the expected complete-data log-likelihood in its block
    given the others; a parameter not in ``em_vars`` stays fixed:

    C = (Σ_t x_t E[z_t]ᵀ)(Σ_t E[z_t z_tᵀ])⁻¹ and R = mean_t E[(x_t − C
    z_t)(x_t − C z_t)ᵀ] over the observed steps; A = (Σ_t E[z_t
    z_{t−1}ᵀ])(Σ_t E[z_{t−1} z_{t−1}ᵀ])⁻¹ and Q = mean_t E[(z_t − A
    z_{t−1})(z_t − A z_{t−1})ᵀ]; mu0 = mean E[z_1] and V0 = mean E[(z_1 −
    mu0)(z_1 − mu0)ᵀ] over sequences. R and Q are written as expected outer
    products, so they are positive semi-definite whatever C and A are (fixed
    or new).
    """
    p = {k: np.array(v, dtype=float) for k, v in params.items()}
    obs = [
        (X[o], Ez[o], Ezz[o])
        for X, Ez, Ezz, _ in stats
        for o in [~np.isnan(X).any(axis=1)]
    ]
    if "C" in em_vars:
        xz = sum(X.T @ Ez for X, Ez, _ in obs)
        zz = sum(Ezz.sum(axis=0) for _, _, Ezz in obs)
        p["C"] = linalg.solve(zz, xz.T, assume_a="pos").T
    if "R" in em_vars:
        C, n_obs = p["C"], sum(len(X) for X, _, _ in obs)
        R = sum(
            X.T @ X
            - C @ Ez.T @ X
            - X.T @ Ez @ C.T
            + C @ Ezz.sum(axis=0) @ C.T
            for X, Ez, Ezz in obs
        )
        p["R"] = _sym(R) / n_obs
    if "A" in em_vars:
        lag = sum(L.sum(axis=0) for _, _, _, L in stats)
        prev = sum(Ezz[:-1].sum(axis=0) for _, _, Ezz, _ in stats)
        p["A"] = linalg.solve(prev, lag.T, assume_a="pos").T
    if "Q" in em_vars:
        A, n_trans = p["A"], sum(len(Ez) - 1 for _, Ez, _, _ in stats)
        Q = sum(
            Ezz[1:].sum(0)
            - A @ L.sum(0).T
            - L.sum(0) @ A.T
            + A @ Ezz[:-1].sum(0) @ A.T
            for _, _, Ezz, L in stats
        )
        p["Q"] = _sym(Q) / max(n_trans, 1)
    if "mu0" in em_vars:
        p["mu0"] = np.mean([Ez[0] for _, Ez, _, _ in stats], axis=0)
    if "V0" in em_vars:
        m = p["mu0"]
        V0 = np.mean(
            [
                Ezz[0] - np.outer(Ez[0], m) - np.outer(m, Ez[0])
                for _, Ez, Ezz, _ in stats
            ],
            axis=0,
        )
        p["V0"] = _sym(V0 + np.outer(m, m))
    return p


class LinearDynamicalSystem(EMMixin, BaseEstimator):
    """Linear-Gaussian state-space model fitted by EM (chapter "Latent
    variable models for sequences").

    The E-step is the Kalman filter and RTS smoother (``lds_e_step``), the
    M-step ``lds_m_step``; the loop is the shared ``lvmteach.em.fit_em``.

    Parameters
    ----------
    n_components : int
        M, the dimension of the hidden state.
    em_vars : sequence of str, optional
        The parameters EM estimates, a subset of ``('A', 'C', 'Q', 'R',
        'mu0', 'V0')`` (default: all). Fix the rest through ``init``; e.g.
        the local-level model has A = C = 1 fixed and estimates only the
        variances Q and R.
    init : dict, optional
        Starting (or fixed) parameters by name; the rest come from the data:
        C from the principal components of X, A = 0.9 I plus a random
        perturbation, Q = 0.19 I (so that the state's stationary variance is
        about I), R the residual variances, mu0 = 0, V0 = I.
    tol, max_iter, n_init, random_state
        As in ``lvmteach.hmm.HiddenMarkovModel`` (``tol`` on the total
        log-likelihood).

    Attributes
    ----------
    A_ (M, M), C_ (D, M), Q_ (M, M), R_ (D, D), mu0_ (M,), V0_ (M, M)
    history_, lower_bound_, n_iter_, converged_ as in the mixtures.
    """

    def __init__(
        self,
        n_components=1,
        *,
        em_vars=None,
        init=None,
        tol=1e-3,
        max_iter=100,
        n_init=1,
        random_state=None,
    ):
        self.n_components = n_components
        self.em_vars = em_vars
        self.init = init
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.random_state = random_state

    def _split(self, X, lengths):
        X = check_array(X, allow_nan=True)
        bad = np.isnan(X).any(axis=1) & ~np.isnan(X).all(axis=1)
        if bad.any():
            raise ValueError(
                f"row {int(np.flatnonzero(bad)[0])} of X is only partly "
                "missing; this model handles whole "
                "missing time steps (a row of NaN): set the row to NaN or "
                "impute the entries first"
            )
        lengths = check_lengths(lengths, X.shape[0])
        return X, np.split(X, np.cumsum(lengths)[:-1])

    def fit(self, X, lengths=None):
        """Fit by EM; rows of NaN are missing time steps; ``lengths`` as in
        hmmlearn. Returns self.
        """
        M = check_positive_int(self.n_components, "n_components")
        em_vars = (
            PARAMETERS if self.em_vars is None else tuple(self.em_vars)
        )
        unknown = set(em_vars) - set(PARAMETERS)
        if unknown:
            raise ValueError(
                f"em_vars must be a subset of {PARAMETERS}, got "
                f"unknown {sorted(unknown)}"
            )
        if self.init is not None and (
            not isinstance(self.init, dict)
            or set(self.init) - set(PARAMETERS)
        ):
            raise ValueError(
                f"init must be a dict with keys among {PARAMETERS}, "
                f"got {self.init!r}"
            )
        X, sequences = self._split(X, lengths)
        observed = X[~np.isnan(X).any(axis=1)]
        if len(observed) < 2:
            raise ValueError(
                "X needs at least two observed (non-NaN) time steps"
            )
        self.n_features_in_ = X.shape[1]
        self._em_vars, self._observed, self._M = em_vars, observed, M
        try:
            fit_em(self, sequences)
        finally:
            del self._em_vars, self._observed, self._M
        return self

    def _initialize(self, sequences, rng):
        X, M = self._observed, self._M
        D = X.shape[1]
        Xc = X - X.mean(axis=0)
        evals, evecs = np.linalg.eigh(Xc.T @ Xc / len(X))
        top = np.argsort(evals)[::-1][:M]
        C = np.zeros((D, M))
        C[:, : len(top)] = evecs[:, top] * np.sqrt(
            np.maximum(evals[top], 1e-12)
        )
        resid = np.maximum(
            np.diag(Xc.T @ Xc / len(X)) - np.sum(C**2, axis=1),
            1e-3 * np.var(Xc, axis=0).mean() + 1e-12,
        )
        params = dict(
            A=0.9 * np.eye(M)
            + 0.05 * rng.standard_normal((M, M)) / np.sqrt(M),
            C=C,
            Q=0.19 * np.eye(M),
            R=np.diag(resid),
            mu0=np.zeros(M),
            V0=np.eye(M),
        )
        params.update(
            {
                k: np.array(v, dtype=float)
                for k, v in (self.init or {}).items()
            }
        )
        self._set_parameters(
            tuple(np.atleast_1d(params[k]) for k in PARAMETERS)
        )
        self._check_shapes(D, M)

    def _check_shapes(self, D, M):
        expected = dict(
            A=(M, M), C=(D, M), Q=(M, M), R=(D, D), mu0=(M,), V0=(M, M)
        )
        for name, shape in expected.items():
            value = getattr(self, name + "_")
            if value.shape != shape:
                raise ValueError(
                    f"init[{name!r}] has shape {value.shape}, "
                    f"expected {shape} (D={D}, M={M})"
                )

    def _params(self):
        return {k: getattr(self, k + "_") for k in PARAMETERS}

    def _e_step(self, sequences):
        stats, total = [], 0.0
        for X in sequences:
            log_lik, Ez, Ezz, Ezz_lag = lds_e_step(
                X, *self._get_parameters()
            )
            total += log_lik
            stats.append((X, Ez, Ezz, Ezz_lag))
        return total, stats

    def _m_step(self, sequences, stats):
        params = lds_m_step(stats, self._params(), self._em_vars)
        self._set_parameters(tuple(params[k] for k in PARAMETERS))

    def _get_parameters(self):
        return tuple(getattr(self, k + "_") for k in PARAMETERS)

    def _set_parameters(self, params):
        for name, value in zip(PARAMETERS, params):
            setattr(self, name + "_", value)

    # ----
    # inference ------------------------------------------------------------

    def _validate(self, X, lengths):
        check_is_fitted(self, "A_")
        X, sequences = self._split(X, lengths)
        check_n_features(X, self.n_features_in_)
        return sequences

    def score(self, X, lengths=None):
        """Total log-likelihood log p(X) (missing steps contribute nothing),
        as ``history_``.
        """
        return float(
            sum(
                kalman_filter(x, *self._get_parameters())[4].sum()
                for x in self._validate(X, lengths)
            )
        )

    def filter(self, X):
        """Filtered means (T, M) and covariances (T, M, M) of p(z_t |
        x_1..x_t), one sequence.
        """
        (X,) = self._validate(X, None)
        return kalman_filter(X, *self._get_parameters())[:2]

    def smooth(self, X):
        """Smoothed means (T, M) and covariances (T, M, M) of p(z_t |
        x_1..x_T), one sequence.
        """
        (X,) = self._validate(X, None)
        mu, V, mu_pred, V_pred, _ = kalman_filter(
            X, *self._get_parameters()
        )
        return rts_smoother(mu, V, mu_pred, V_pred, self.A_)[:2]

    def impute(self, X):
        """X with each missing time step replaced by E[x_t | all observed
        steps] = C μ̂_t.
        """
        mu_s, _ = self.smooth(X)
        X = np.array(X, dtype=float)
        missing = np.isnan(X).any(axis=1)
        X[missing] = mu_s[missing] @ self.C_.T
        return X

    def one_step_predictions(self, X):
        """Means (T, D) and covariances (T, D, D) of p(x_t | x_1..x_{t−1}),
        one sequence.

        The innovations x_t − mean, standardised by these covariances, are
        the anomaly scores of the chapter's applications section.
        """
        (X,) = self._validate(X, None)
        _, _, mu_pred, V_pred, _ = kalman_filter(X, *self._get_parameters())
        return mu_pred @ self.C_.T, self.C_ @ V_pred @ self.C_.T + self.R_

    def forecast(self, X, steps):
        """Means (steps, D) and covariances (steps, D, D) of p(x_{T+h} |
        x_1..x_T), h = 1..steps.

        Filters X, then applies the prediction step ``kalman_predict``
        ``steps`` times without updates (as if the future were missing).
        """
        steps = check_positive_int(steps, "steps")
        mu, V = self.filter(X)
        m, P = mu[-1], V[-1]
        means, covs = (
            np.empty((steps, self.n_features_in_)),
            np.empty((steps, self.n_features_in_, self.n_features_in_)),
        )
        for h in range(steps):
            m, P = kalman_predict(m, P, self.A_, self.Q_)
            means[h], covs[h] = (
                self.C_ @ m,
                _sym(self.C_ @ P @ self.C_.T + self.R_),
            )
        return means, covs

    def sample(self, n_samples=1, random_state=None):
        """Draw one sequence: z_1 ~ 𝒩(mu0, V0), z_t = A z_{t−1} + w_t, x_t =
        C z_t + v_t.

        Returns ``(X, Z)`` of shapes (n_samples, D) and (n_samples, M).
        """
        check_is_fitted(self, "A_")
        T = check_positive_int(n_samples, "n_samples")
        rng = check_random_state(
            self.random_state if random_state is None else random_state
        )
        M, D = self.A_.shape[0], self.C_.shape[0]
        w = rng.standard_normal((T, M)) @ _sqrt_psd(self.Q_).T
        v = rng.standard_normal((T, D)) @ _sqrt_psd(self.R_).T
        Z = np.empty((T, M))
        Z[0] = self.mu0_ + _sqrt_psd(self.V0_) @ rng.standard_normal(M)
        for t in range(1, T):
            Z[t] = self.A_ @ Z[t - 1] + w[t]
        return Z @ self.C_.T + v, Z

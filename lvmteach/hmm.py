"""Hidden Markov models: forward-backward, Viterbi and Baum-Welch.

The chapter "Latent variable models for sequences" (book/sequences) derives
every function here; each docstring names its equation. Notation: K hidden
states, z_t the state at time t, ``startprob`` π with π_k = p(z_1 = k),
``transmat`` A with A_ij = p(z_t = j | z_{t-1} = i), and emission densities
p(x_t | z_t = k) (Gaussian, categorical or Poisson).

Several sequences are passed as in hmmlearn: their rows concatenated into
one X of shape (sum(lengths), D) with ``lengths`` giving each sequence's
length. The recursions run over time, so they cannot be vectorised along it;
they are vectorised *across sequences* instead: ``pad_sequences`` turns X
into a batch of shape (S, T_max, ...) with a ``mask`` that is True at real
time steps, and each time step of the recursion is one small matrix product
for all S sequences at once. The per-time-step Python loop then costs T_max
(not sum(lengths)) iterations of a handful of NumPy calls.
"""

import numpy as np
from scipy.special import gammaln

from .base import BaseEstimator, check_is_fitted
from .em import EMMixin, fit_em
from .mixture import KMeans, gaussian_log_prob, m_step, precision_cholesky
from .numerics import logsumexp
from .validation import (
    check_array,
    check_in,
    check_n_features,
    check_positive_int,
    check_positive_scalar,
    check_random_state,
)

__all__ = [
    "HiddenMarkovModel",
    "pad_sequences",
    "check_lengths",
    "scaled_emissions",
    "forward",
    "backward",
    "log_forward",
    "posterior_marginals",
    "pairwise_marginals",
    "expected_transitions",
    "viterbi",
    "transition_m_step",
    "categorical_log_prob",
    "categorical_m_step",
    "poisson_log_prob",
    "poisson_m_step",
]

EMISSIONS = ("gaussian", "categorical", "poisson")

# Added to expected counts that divide, so that an unused state divides by a
# tiny number, not 0.
_TINY = 10 * np.finfo(np.float64).eps

# --------------------------------------------------------------------------
# Sequences as a padded batch
# --------------------------------------------------------------------------


def check_lengths(lengths, n_samples):
    """``lengths`` as an int array summing to ``n_samples`` (None means one
    sequence).
    """
    if lengths is None:
        return np.array([n_samples])
    lengths = np.asarray(lengths)
    if (
        lengths.ndim != 1
        or lengths.size == 0
        or not np.issubdtype(lengths.dtype, np.integer)
    ):
        raise ValueError(
            "lengths must be a 1-D array of integers (one per "
            f"sequence), got {lengths!r}"
        )
    if np.any(lengths < 1) or lengths.sum() != n_samples:
        raise ValueError(
            "lengths must be positive and sum to the number of rows of X "
            f"({n_samples}), got "
            f"sum {int(lengths.sum())} with minimum {int(lengths.min())}"
        )
    return lengths.astype(np.intp)


def pad_sequences(values, lengths, fill=0.0):
    """Concatenated rows (sum(lengths), ...) as a padded batch (S, T_max,
    ...) and its mask.

    ``mask[s, t]`` is True where t < lengths[s]. Row-major boolean indexing
    visits the batch sequence by sequence, so ``padded[mask]`` gives back
    the concatenated rows.
    """
    lengths = np.asarray(lengths)
    mask = np.arange(lengths.max()) < lengths[:, None]
    padded = np.full(
        mask.shape + values.shape[1:], fill, dtype=values.dtype
    )
    padded[mask] = values
    return padded, mask


# --------------------------------------------------------------------------
# Forward-backward (chapter "Latent variable models for sequences", section
# "Inference")
# --------------------------------------------------------------------------


def scaled_emissions(log_frame, mask):
    """Emission probabilities scaled per time step, ready for the scaled
    recursions.

    Returns ``frame = exp(log p(x_t | z_t = k) − m_t)`` and the shifts
    ``m_t = max_k log p(x_t | z_t = k)``, both with padded steps set to
    frame 1, shift 0. The largest entry of every row is then exactly 1, so
    no emission underflows, and the shifts go back into the log-likelihood
    as log p(x) = Σ_t (log c_t + m_t) (eq.
    (loglik-scaled) in the chapter "Latent variable models for sequences").
    """
    shift = np.where(mask, log_frame.max(axis=-1), 0.0)
    frame = np.exp(log_frame - shift[..., None])
    frame[~mask] = 1.0
    return frame, shift


def forward(startprob, transmat, frame, mask):
    """The scaled forward recursion, eq. (fwd-scaled) of "Latent variable
    models for sequences".

    α̂_1 ∝ π ⊙ p(x_1 | ·) and α̂_t ∝ (α̂_{t−1} A) ⊙ p(x_t | ·), each normalised
    to sum to 1; the normaliser c_t is p(x_t | x_1, …, x_{t−1}) (times
    exp(−m_t) for scaled emissions). So α̂_t(k) = p(z_t = k | x_1, …, x_t) is
    the *filtering* distribution.

    ``frame`` (S, T, K), ``mask`` (S, T). Returns ``(alpha, scale)`` of
    shapes (S, T, K) and (S, T); at padded steps ``scale`` is exactly 1.
    """
    S, T, K = frame.shape
    alpha = np.empty((S, T, K))
    scale = np.ones((S, T))
    a = startprob * frame[:, 0]
    for t in range(T):
        if t > 0:
            a = (alpha[:, t - 1] @ transmat) * frame[:, t]
        scale[:, t] = a.sum(axis=1)
        alpha[:, t] = a / scale[:, t, None]
    scale[~mask] = 1.0
    return alpha, scale


def backward(transmat, frame, scale, mask):
    """The scaled backward recursion, eq. (bwd-scaled) of "Latent variable
    models for sequences".

    β̂_T = 1 and β̂_t = A (p(x_{t+1} | ·) ⊙ β̂_{t+1}) / c_{t+1}, with the
    forward pass's c_t, so that α̂_t ⊙ β̂_t is the posterior p(z_t | x_1, …,
    x_T). Returns beta (S, T, K); it is 1 at each sequence's last step and
    at padded steps.
    """
    S, T, K = frame.shape
    beta = np.ones((S, T, K))
    for t in range(T - 2, -1, -1):
        b = ((frame[:, t + 1] * beta[:, t + 1]) @ transmat.T) / scale[
            :, t + 1, None
        ]
        beta[:, t] = np.where(mask[:, t + 1, None], b, 1.0)
    return beta


def log_forward(log_startprob, log_transmat, log_frame, mask):
    """The forward recursion in the log domain, eq. (fwd-log) of "Latent
    variable models for sequences".

    log α_t(j) = log p(x_t | j) + logsumexp_i (log α_{t−1}(i) + log A_ij):
    the unnormalised α_t(j) = p(x_1, …, x_t, z_t = j), kept as logarithms.
    It costs a K × K log-sum-exp per step where the scaled ``forward`` needs
    one matrix product. Returns ``(log_alpha, log_lik)`` with log_alpha (S,
    T, K) and log_lik (S,) = log p(x_1, …, x_T) per sequence.
    """
    S, T, K = log_frame.shape
    log_alpha = np.empty((S, T, K))
    log_alpha[:, 0] = log_startprob + log_frame[:, 0]
    for t in range(1, T):
        step = (
            logsumexp(log_alpha[:, t - 1, :, None] + log_transmat, axis=1)
            + log_frame[:, t]
        )
        log_alpha[:, t] = np.where(
            mask[:, t, None], step, log_alpha[:, t - 1]
        )
    return log_alpha, logsumexp(log_alpha[:, -1], axis=1)


def posterior_marginals(alpha, beta):
    """γ_t(k) = p(z_t = k | x_1, …, x_T) = α̂_t(k) β̂_t(k), eq. (gamma) of the
    sequences chapter.
    """
    return alpha * beta


def pairwise_marginals(alpha, beta, transmat, frame, scale, mask):
    """ξ_t(i, j) = p(z_{t−1} = i, z_t = j | x_1..x_T) for t = 2..T, eq. (xi)
    of the sequences chapter.

    ξ_t(i, j) = α̂_{t−1}(i) A_ij p(x_t | j) β̂_t(j) / c_t. Shape (S, T − 1, K,
    K), zero where the step t is padding. Memory grows as T K²: the M-step
    needs only the sum over t, which ``expected_transitions`` computes as
    one matrix product.
    """
    right = (
        frame[:, 1:] * beta[:, 1:] / scale[:, 1:, None] * mask[:, 1:, None]
    )
    return alpha[:, :-1, :, None] * transmat * right[:, :, None, :]


def expected_transitions(alpha, beta, transmat, frame, scale, mask):
    """Σ_t ξ_t(i, j), the expected number of i → j transitions (eq. (xi)
    summed over t).

    Σ_t α̂_{t−1}(i) A_ij p(x_t | j) β̂_t(j) / c_t = A_ij · [Σ_t α̂_{t−1}(i)
    r_t(j)] with r_t = p(x_t | ·) ⊙ β̂_t / c_t: the bracket is one (K, S·T) ×
    (S·T, K) matrix product.
    """
    K = transmat.shape[0]
    right = (
        frame[:, 1:] * beta[:, 1:] / scale[:, 1:, None] * mask[:, 1:, None]
    )
    return transmat * (
        alpha[:, :-1].reshape(-1, K).T @ right.reshape(-1, K)
    )


def viterbi(log_startprob, log_transmat, log_frame, mask):
    """Most probable state paths, eq. (viterbi) of "Latent variable models
    for sequences".

    δ_1 = log π + log p(x_1 | ·) and δ_t(j) = max_i (δ_{t−1}(i) + log
    A_ij) + log p(x_t | j), remembering the maximising i; the path is read
    backwards from argmax δ_T. Max and sum of logs replace sum and product
    of the forward recursion (max-product message passing).

    Returns ``(log_prob, path)``: log p(x, z*) per sequence (S,) and the
    states (S, T) (at padded steps the path repeats the last real state).
    """
    S, T, K = log_frame.shape
    back = np.zeros((S, T, K), dtype=np.intp)
    delta = log_startprob + log_frame[:, 0]
    for t in range(1, T):
        # (S, previous state i, state j)
        scores = delta[:, :, None] + log_transmat
        back[:, t] = scores.argmax(axis=1)
        delta = np.where(
            mask[:, t, None], scores.max(axis=1) + log_frame[:, t], delta
        )
    path = np.empty((S, T), dtype=np.intp)
    path[:, -1] = delta.argmax(axis=1)
    rows = np.arange(S)
    for t in range(T - 1, 0, -1):
        path[:, t - 1] = np.where(
            mask[:, t], back[rows, t, path[:, t]], path[:, t]
        )
    return delta.max(axis=1), path


# --------------------------------------------------------------------------
# M-steps (section "Baum-Welch is EM")
# --------------------------------------------------------------------------


def transition_m_step(start_counts, trans_counts):
    """π_k ∝ Σ_sequences γ_1(k) and A_ij ∝ Σ_t ξ_t(i, j): eqs. (bw-start)
    and (bw-trans).

    Expected counts, normalised (the maximiser of Σ counts · log
    probabilities on the simplex). A state never left in expectation keeps a
    uniform row, so A stays stochastic.
    """
    startprob = start_counts / start_counts.sum()
    rows = trans_counts.sum(axis=1, keepdims=True)
    K = trans_counts.shape[0]
    transmat = np.where(
        rows > 0, trans_counts / np.where(rows > 0, rows, 1.0), 1.0 / K
    )
    return startprob, transmat


def categorical_log_prob(X, emissionprob):
    """log p(x_t | z_t = k) = log B_k,x_t for symbols X (N, 1) in 0..M−1,
    shape (N, K).
    """
    with np.errstate(divide="ignore"):
        return np.log(emissionprob).T[X[:, 0].astype(np.intp)]


def categorical_m_step(X, gamma, n_symbols):
    """B_km ∝ Σ_t γ_t(k) [x_t = m]: eq. (bw-categorical), one matrix product
    with the one-hot X.
    """
    one_hot = X[:, 0].astype(np.intp)[:, None] == np.arange(n_symbols)
    counts = gamma.T @ one_hot
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), _TINY)


def poisson_log_prob(X, lambdas):
    """log p(x_t | z_t = k) = Σ_d (x_td log λ_kd − λ_kd − log x_td!), shape
    (N, K).
    """
    return (
        X @ np.log(lambdas).T
        - lambdas.sum(axis=1)
        - gammaln(X + 1.0).sum(axis=1)[:, None]
    )


def poisson_m_step(X, gamma, floor=1e-10):
    """λ_k = Σ_t γ_t(k) x_t / Σ_t γ_t(k): eq. (bw-poisson), a
    responsibility-weighted mean.

    A state that sees only zeros in a feature would get λ = 0, and log λ =
    −∞ would turn the next E-step's 0 · log λ into NaN: rates are floored at
    ``floor`` (which changes the log-likelihood by at most ``floor`` per
    time step).
    """
    return np.maximum(
        (gamma.T @ X) / (gamma.sum(axis=0)[:, None] + _TINY), floor
    )


# --------------------------------------------------------------------------
# The estimator
# --------------------------------------------------------------------------


class _Batch:
    """The training data as the hooks of the EM driver see it: rows, lengths
    and padding.
    """

    def __init__(self, X, lengths):
        self.X, self.lengths = X, lengths
        self.mask = np.arange(lengths.max()) < lengths[:, None]
        # row of each sequence's t = 1
        self.first = np.concatenate([[0], np.cumsum(lengths)[:-1]])


class HiddenMarkovModel(EMMixin, BaseEstimator):
    """Hidden Markov model fitted by Baum-Welch (EM) (chapter "Latent
    variable models for sequences").

    p(x_1..x_T, z_1..z_T) = π_{z_1} Π_t A_{z_{t−1} z_t} Π_t p(x_t | z_t): a
    mixture whose labels form a Markov chain. The E-step is forward-backward
    (``forward``, ``backward``), the M-step ``transition_m_step`` plus the
    emission's own; the loop is the shared ``lvmteach.em.fit_em``.

    Parameters
    ----------
    n_components : int
        K, the number of hidden states.
    emission : {'gaussian', 'categorical', 'poisson'}
        Gaussian (``means_``, ``covars_``), categorical symbols 0..M−1
        (``emissionprob_``), or independent Poisson counts per feature
        (``lambdas_``).
    covariance_type : {'full', 'diag'}
        For Gaussian emissions; shapes as in
        ``lvmteach.mixture.GaussianMixture``.
    n_symbols : int, optional
        M for categorical emissions (default: largest symbol in X plus one).
    reg_covar : float
        Added to every Gaussian variance (a floor against a state collapsing
        on one point). As for ``lvmteach.mixture.GaussianMixture``, the
        floored M-step is no longer the exact maximiser, so near a collapse
        the log-likelihood can drop by a hair; with ``reg_covar=0``
        Baum-Welch is exactly monotone.
    tol, max_iter, n_init : as in ``lvmteach.mixture.GaussianMixture``
        ``tol`` applies to the total log-likelihood (as in hmmlearn).
    init : dict, optional
        Starting parameters by name (``startprob``, ``transmat``, ``means``,
        ``covars``, ``emissionprob``, ``lambdas``); the rest are initialised
        from the data: uniform π, Dirichlet(1) rows of A, k-means means with
        the data's covariance, random emissions.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    startprob_ (K,), transmat_ (K, K), and means_, covars_ / emissionprob_ /
    lambdas_
    history_ : (n_iter_,)
        Total log-likelihood log p(X) of the parameters before each M-step
        (never decreases).
    lower_bound_, n_iter_, converged_ as in the mixtures.
    """

    def __init__(
        self,
        n_components=2,
        *,
        emission="gaussian",
        covariance_type="full",
        n_symbols=None,
        reg_covar=1e-6,
        tol=1e-2,
        max_iter=100,
        n_init=1,
        init=None,
        random_state=None,
    ):
        self.n_components = n_components
        self.emission = emission
        self.covariance_type = covariance_type
        self.n_symbols = n_symbols
        self.reg_covar = reg_covar
        self.tol = tol
        self.max_iter = max_iter
        self.n_init = n_init
        self.init = init
        self.random_state = random_state

    # ---- input
    # checks ---------------------------------------------------------------

    def _check_X(self, X):
        if self.emission == "categorical":
            X = check_array(
                np.asarray(X).reshape(-1, 1) if np.ndim(X) == 1 else X
            )
            if X.shape[1] != 1 or np.any(X < 0) or np.any(X != np.round(X)):
                raise ValueError(
                    "categorical emissions need X of shape (N, 1) "
                    "holding symbols 0, 1, 2, ..."
                )
            return X
        X = check_array(X)
        if self.emission == "poisson" and (
            np.any(X < 0) or np.any(X != np.round(X))
        ):
            raise ValueError(
                "poisson emissions need non-negative integer counts in X"
            )
        return X

    def _validate(self, X, lengths):
        check_is_fitted(self, "transmat_")
        X = self._check_X(X)
        if self.emission != "categorical":
            X = check_n_features(X, self.n_features_in_)
        elif np.any(X >= self.emissionprob_.shape[1]):
            raise ValueError(
                "symbols must be below "
                f"n_symbols={self.emissionprob_.shape[1]}"
            )
        return _Batch(X, check_lengths(lengths, X.shape[0]))

    # ----
    # fitting --------------------------------------------------------------

    def fit(self, X, lengths=None):
        """Fit by Baum-Welch; ``lengths`` splits X into sequences as in
        hmmlearn. Returns self.
        """
        K = check_positive_int(self.n_components, "n_components")
        check_in(self.emission, "emission", EMISSIONS)
        check_in(self.covariance_type, "covariance_type", ("full", "diag"))
        check_positive_scalar(self.reg_covar, "reg_covar", allow_zero=True)
        X = self._check_X(X)
        if X.shape[0] < K:
            raise ValueError(
                f"X has {X.shape[0]} time steps but n_components={K}; "
                "need at least as many"
            )
        if self.init is not None and not isinstance(self.init, dict):
            raise ValueError(
                "init must be None or a dict of starting parameters, "
                f"got {type(self.init).__name__}"
            )
        if self.emission == "categorical" and self.n_symbols is not None:
            M = check_positive_int(self.n_symbols, "n_symbols")
            if X.max() >= M:
                raise ValueError(
                    f"X holds symbol {int(X.max())} but "
                    f"n_symbols={M}; symbols must be 0..n_symbols-1"
                )
        self.n_features_in_ = X.shape[1]
        return fit_em(self, _Batch(X, check_lengths(lengths, X.shape[0])))

    def _initialize(self, batch, rng):
        X, K = batch.X, self.n_components
        init = self.init or {}
        self.startprob_ = np.full(K, 1.0 / K)
        self.transmat_ = rng.dirichlet(np.ones(K), size=K)
        if self.emission == "categorical":
            M = (
                self.n_symbols
                if self.n_symbols is not None
                else int(X.max()) + 1
            )
            self.emissionprob_ = rng.dirichlet(np.ones(M), size=K)
        elif not {"means", "lambdas"} & set(init):
            centers = (
                KMeans(K, n_init=1, random_state=rng)
                .fit(X)
                .cluster_centers_
            )
            if self.emission == "poisson":
                self.lambdas_ = np.maximum(centers, 1e-3)
            else:
                self.means_ = centers
        if self.emission == "gaussian" and "covars" not in init:
            cov = np.atleast_2d(
                np.cov(X.T, bias=True)
            ) + self.reg_covar * np.eye(X.shape[1])
            full = self.covariance_type == "full"
            self.covars_ = np.stack([cov if full else np.diag(cov)] * K)
        allowed = {"startprob", "transmat"} | {
            n[:-1] for n in self._emission_names()
        }
        for name, value in init.items():
            if name not in allowed:
                raise ValueError(
                    f"init has an unknown parameter {name!r} for "
                    f"emission={self.emission!r}"
                )
            setattr(self, name + "_", np.array(value, dtype=float))
        self._update_precisions()

    def _update_precisions(self):
        if self.emission == "gaussian":
            self.prec_chol_ = precision_cholesky(
                self.covars_, self.covariance_type
            )

    def _log_frame(self, X):
        """log p(x_t | z_t = k) for every row, shape (N, K)."""
        if self.emission == "gaussian":
            return gaussian_log_prob(
                X, self.means_, self.prec_chol_, self.covariance_type
            )
        if self.emission == "categorical":
            return categorical_log_prob(X, self.emissionprob_)
        return poisson_log_prob(X, self.lambdas_)

    def _forward_backward(self, batch, posteriors=True):
        """Posteriors γ (N, K) as rows, expected transitions (K, K), log
        p(x) per sequence.

        A sequence the model gives probability 0 (a symbol no state emits, a
        transition the model forbids) has log p(x) = −inf; with
        ``posteriors=False`` that is returned, and otherwise it is a
        ValueError, since its posterior does not exist.
        """
        log_frame, mask = pad_sequences(
            self._log_frame(batch.X), batch.lengths
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            frame, shift = scaled_emissions(log_frame, mask)
            alpha, scale = forward(
                self.startprob_, self.transmat_, frame, mask
            )
            log_lik = np.log(scale).sum(axis=1) + shift.sum(axis=1)
        impossible = ~np.isfinite(log_lik)
        if impossible.any():
            if not posteriors:
                return None, None, np.where(impossible, -np.inf, log_lik)
            s = int(np.flatnonzero(impossible)[0])
            raise ValueError(
                f"sequence {s} has probability 0 under the model (an "
                "observation no state can "
                "produce, or a transition it forbids), so its posterior is "
                "undefined; score() "
                "returns -inf for it. Smooth the emission probabilities or "
                "check the data."
            )
        beta = backward(self.transmat_, frame, scale, mask)
        gamma = posterior_marginals(alpha, beta)[mask]
        xi_sum = expected_transitions(
            alpha, beta, self.transmat_, frame, scale, mask
        )
        return gamma, xi_sum, log_lik

    def _e_step(self, batch):
        gamma, xi_sum, log_lik = self._forward_backward(batch)
        return float(log_lik.sum()), (gamma, xi_sum)

    def _m_step(self, batch, stats):
        gamma, xi_sum = stats
        self.startprob_, self.transmat_ = transition_m_step(
            gamma[batch.first].sum(axis=0), xi_sum
        )
        if self.emission == "gaussian":
            _, self.means_, self.covars_ = m_step(
                batch.X, gamma, self.covariance_type, self.reg_covar
            )
            self.prec_chol_ = precision_cholesky(
                self.covars_, self.covariance_type, np.ptp(batch.X, axis=0)
            )
        elif self.emission == "categorical":
            self.emissionprob_ = categorical_m_step(
                batch.X, gamma, self.emissionprob_.shape[1]
            )
        else:
            self.lambdas_ = poisson_m_step(batch.X, gamma)

    def _emission_names(self):
        return {
            "gaussian": ("means_", "covars_"),
            "categorical": ("emissionprob_",),
            "poisson": ("lambdas_",),
        }[self.emission]

    def _get_parameters(self):
        return (self.startprob_, self.transmat_) + tuple(
            getattr(self, n) for n in self._emission_names()
        )

    def _set_parameters(self, params):
        self.startprob_, self.transmat_ = params[:2]
        for name, value in zip(self._emission_names(), params[2:]):
            setattr(self, name, value)
        self._update_precisions()

    # ----
    # inference ------------------------------------------------------------

    def score(self, X, lengths=None):
        """Total log-likelihood log p(X) = Σ_sequences log p(x_1..x_T) (as
        hmmlearn's ``score``).
        """
        return float(
            self._forward_backward(
                self._validate(X, lengths), posteriors=False
            )[2].sum()
        )

    def score_samples(self, X, lengths=None):
        """``(log p(X), posteriors)``: the total log-likelihood and γ (N,
        K), as hmmlearn.
        """
        gamma, _, log_lik = self._forward_backward(
            self._validate(X, lengths)
        )
        return float(log_lik.sum()), gamma

    def predict_proba(self, X, lengths=None):
        """Posterior state probabilities γ_t(k) = p(z_t = k | whole
        sequence), shape (N, K).
        """
        return self.score_samples(X, lengths)[1]

    def decode(self, X, lengths=None):
        """``(log p(X, Z*), Z*)``: the Viterbi paths of all sequences,
        concatenated (N,).
        """
        batch = self._validate(X, lengths)
        log_frame, mask = pad_sequences(
            self._log_frame(batch.X), batch.lengths
        )
        with np.errstate(divide="ignore"):
            log_prob, path = viterbi(
                np.log(self.startprob_),
                np.log(self.transmat_),
                log_frame,
                mask,
            )
        return float(log_prob.sum()), path[mask]

    def predict(self, X, lengths=None):
        """The most probable state sequence (Viterbi), concatenated over
        sequences, shape (N,).
        """
        return self.decode(X, lengths)[1]

    def n_parameters(self):
        """Number of free parameters: (K − 1) + K(K − 1) + the
        emissions'.
        """
        K = self.n_components
        if self.emission == "gaussian":
            D = self.means_.shape[1]
            emit = K * D + (
                K * D * (D + 1) // 2
                if self.covariance_type == "full"
                else K * D
            )
        elif self.emission == "categorical":
            emit = K * (self.emissionprob_.shape[1] - 1)
        else:
            emit = self.lambdas_.size
        return (K - 1) + K * (K - 1) + emit

    def bic(self, X, lengths=None):
        """Bayesian information criterion −2 log p(X) + p log N (lower is
        better).
        """
        return -2.0 * self.score(X, lengths) + self.n_parameters() * np.log(
            len(X)
        )

    def sample(self, n_samples=1, random_state=None):
        """Draw one sequence from the generative story: z_1 ~ π, z_t ~
        A_{z_{t−1}}, x_t ~ p(x | z_t).

        Returns ``(X, Z)`` of shapes (n_samples, D) and (n_samples,), as
        hmmlearn.
        """
        check_is_fitted(self, "transmat_")
        T = check_positive_int(n_samples, "n_samples")
        rng = check_random_state(
            self.random_state if random_state is None else random_state
        )
        cum = np.cumsum(self.transmat_, axis=1)
        Z = np.empty(T, dtype=np.intp)
        Z[0] = rng.choice(self.n_components, p=self.startprob_)
        u = rng.uniform(size=T)
        for t in range(1, T):
            Z[t] = min(
                np.searchsorted(cum[Z[t - 1]], u[t]), self.n_components - 1
            )
        if self.emission == "categorical":
            cum_b = np.cumsum(self.emissionprob_, axis=1)[Z]
            X = (
                (rng.uniform(size=(T, 1)) > cum_b)
                .sum(axis=1, keepdims=True)
                .astype(float)
            )
            return np.minimum(X, self.emissionprob_.shape[1] - 1), Z
        if self.emission == "poisson":
            return rng.poisson(self.lambdas_[Z]).astype(float), Z
        D = self.means_.shape[1]
        L = (
            np.linalg.cholesky(self.covars_)
            if self.covariance_type == "full"
            else np.sqrt(self.covars_)[:, :, None] * np.eye(D)
        )
        return self.means_[Z] + np.einsum(
            "tde,te->td", L[Z], rng.standard_normal((T, D))
        ), Z

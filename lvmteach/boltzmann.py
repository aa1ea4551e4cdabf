"""Boltzmann machines, restricted Boltzmann machines (RBMs) and deep belief
nets (DBNs).

The chapter "Boltzmann machines, RBMs and deep belief nets" (book/boltzmann)
derives every function here; each docstring names its equation. Notation
(see the notation page): ``V`` is an (N, D) array of visible vectors (binary
pixels), ``H`` an (N, K) array of hidden vectors, ``W`` the (K, D) weight
matrix, ``b`` the (D,) visible biases and ``c`` the (K,) hidden biases. The
RBM's energy is

    E(v, h) = − bᵀv − cᵀh − hᵀ W v                         (eq. rbm-energy)

and its parameters are stored under scikit-learn's ``BernoulliRBM`` names,
so that a model can be built from given values and the two compared:
``components_`` is W (n_hidden × n_visible), ``intercept_visible_`` is b and
``intercept_hidden_`` is c.

A general ``BoltzmannMachine`` has units s = (v, h) with symmetric weights
between *every* pair, E(s) = −½ sᵀ 𝐖 s − 𝐛ᵀ s (eq. bm-energy); it is kept
small enough (at most ``MAX_ENUMERATE`` units) that its partition function,
log-likelihood and gradient are computed exactly by enumerating all 2^(D+K)
states.

Inputs. Anything computing a likelihood (``score_samples``, exact
log-likelihoods, the Boltzmann machine's ``fit``) needs binary data and
rejects anything but 0 and 1. ``RBM.fit``, ``transform`` and ``free_energy``
also accept *probabilities* in [0, 1] (as scikit-learn does): this is how a
deep belief net feeds P(h = 1 | v) of one layer as the data of the next.
"""

from collections import namedtuple

import numpy as np
from scipy.special import expit

from .base import BaseEstimator, TransformerMixin, check_is_fitted
from .exceptions import ConvergenceWarning
from .numerics import logsumexp, softplus
from .validation import (
    check_array,
    check_binary,
    check_in,
    check_n_features,
    check_positive_int,
    check_positive_scalar,
    check_random_state,
)

__all__ = [
    "BoltzmannMachine",
    "RBM",
    "DBN",
    "AISResult",
    "all_binary_states",
    "bm_energy",
    "bm_log_partition",
    "bm_log_likelihood",
    "bm_gradient",
    "bm_gibbs_sweep",
    "rbm_energy",
    "free_energy",
    "hidden_probs",
    "visible_probs",
    "sample_bernoulli",
    "sigmoid",
    "gibbs_step",
    "log_partition_exact",
    "exact_log_likelihood",
    "exact_gradient",
    "contrastive_divergence",
    "pseudo_log_likelihood",
    "ais_log_partition",
    "ais_log_standard_error",
    "reconstruction_error",
    "rbm_training_curves",
    "dbn_bound_exact",
    "gb_energy",
    "gb_free_energy",
    "gb_hidden_probs",
    "gb_visible_mean",
    "gb_log_partition_exact",
    "gb_gibbs_step",
]

#: Largest number of units (or of the smaller RBM layer) we agree to
#: enumerate: 2^20 states.
MAX_ENUMERATE = 20


def all_binary_states(n):
    """All 2ⁿ binary vectors of length n, shape (2ⁿ, n), in counting order
    (row i is i in binary).
    """
    n = int(n)
    if n > MAX_ENUMERATE:
        raise ValueError(
            f"enumerating 2^{n} states is too expensive (the limit is "
            f"2^{MAX_ENUMERATE}); use a "
            "smaller model, or estimate log Z by annealed importance "
            "sampling (ais_log_partition)"
        )
    idx = np.arange(2**n)
    return ((idx[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(
        np.float64
    )


# --------------------------------------------------------------------------
# General Boltzmann machine (section "Boltzmann machines")
# --------------------------------------------------------------------------


def bm_energy(S, W, b):
    """Energy of each row of ``S`` (M, n) (eq. (bm-energy) in the chapter
    "Boltzmann machines, RBMs and deep belief nets"): E(s) = −½ sᵀ W s − bᵀ
    s.

    ``W`` (n, n) is symmetric with a zero diagonal (no self-connections), so
    ½ sᵀ W s sums each pair's weight once.
    """
    return -0.5 * np.einsum("mi,ij,mj->m", S, W, S) - S @ b


def bm_log_partition(W, b):
    """log Z = log Σ_s exp(−E(s)) over all 2ⁿ states (eq. (bm-partition) in
    the chapter "Boltzmann machines, RBMs and deep belief nets"), by
    enumeration.
    """
    return float(logsumexp(-bm_energy(all_binary_states(len(b)), W, b)))


def _bm_hidden_posterior(V, W, b, n_hidden):
    """All hidden states H (2^K, K) and the (N, 2^K) posteriors p(h | v_n),
    plus log p*(v_n).
    """
    D = V.shape[1]
    H = all_binary_states(n_hidden)
    Wvv, Wvh, Whh = W[:D, :D], W[:D, D:], W[D:, D:]
    # −E(v, h) = ½vᵀW_vv v + vᵀW_vh h + ½hᵀW_hh h + b_vᵀv + b_hᵀh, for every
    # (n, h) pair
    neg_E = (
        (0.5 * np.einsum("ni,ij,nj->n", V, Wvv, V) + V @ b[:D])[:, None]
        + V @ Wvh @ H.T
        + (0.5 * np.einsum("hi,ij,hj->h", H, Whh, H) + H @ b[D:])[None, :]
    )
    log_p_star = logsumexp(neg_E, axis=1)
    return H, np.exp(neg_E - log_p_star[:, None]), log_p_star


def bm_log_likelihood(V, W, b, n_hidden=0):
    """Mean exact log-likelihood (1/N) Σ_n log p(v_n) (eq. (bm-loglik) in
    the chapter "Boltzmann machines, RBMs and deep belief nets").

    p(v) = Σ_h exp(−E(v, h)) / Z; the first D units are visible, the last
    ``n_hidden`` hidden.
    """
    _, _, log_p_star = _bm_hidden_posterior(V, W, b, n_hidden)
    return float(log_p_star.mean() - bm_log_partition(W, b))


def bm_gradient(V, W, b, n_hidden=0):
    """Exact gradient of the mean log-likelihood: data minus model
    statistics (eq. (bm-grad) in the chapter "Boltzmann machines, RBMs and
    deep belief nets").

    ∂ℓ/∂W_ij = ⟨s_i s_j⟩_data − ⟨s_i s_j⟩_model and ∂ℓ/∂b_i = ⟨s_i⟩_data −
    ⟨s_i⟩_model, where "data" averages over the training vectors with the
    hidden units drawn from p(h | v) and "model" over p(s). Both
    expectations are exact sums over states. Returns ``(grad_W, grad_b)``
    with grad_W symmetric with a zero diagonal: entry (i, j) is the
    derivative with respect to the one weight shared by the pair (i, j).
    """
    N, D = V.shape
    H, post, _ = _bm_hidden_posterior(V, W, b, n_hidden)
    # data statistics ⟨s sᵀ⟩ with s = (v, h), h ~ p(h | v): blockwise, no
    # loop over n (N, K) E[h | v_n]
    EH = post @ H
    Evv, Evh = V.T @ V / N, V.T @ EH / N
    Ehh = H.T @ (post.sum(axis=0)[:, None] * H) / N
    data_ss = np.block([[Evv, Evh], [Evh.T, Ehh]])
    data_s = np.concatenate([V.mean(axis=0), EH.mean(axis=0)])
    # model statistics ⟨s sᵀ⟩ under p(s) = exp(−E(s)) / Z
    S = all_binary_states(len(b))
    log_p = -bm_energy(S, W, b)
    p = np.exp(log_p - logsumexp(log_p))
    model_ss = S.T @ (p[:, None] * S)
    model_s = p @ S
    grad_W = data_ss - model_ss
    np.fill_diagonal(grad_W, 0.0)
    return grad_W, data_s - model_s


def bm_gibbs_sweep(S, W, b, rng, units=None):
    """One sweep of sequential Gibbs sampling (eq. (bm-conditional) in the
    chapter "Boltzmann machines, RBMs and deep belief nets"), in place on
    ``S`` (M, n).

    Each unit i in ``units`` (all by default) in turn is redrawn from
    p(s_i = 1 | s_−i) = σ(Σ_j W_ij s_j + b_i); the M chains are updated
    together. Passing only the hidden units samples h ~ p(h | v) with the
    visible units clamped.
    """
    units = range(S.shape[1]) if units is None else units
    for i in units:
        S[:, i] = rng.random(S.shape[0]) < expit(S @ W[i] + b[i])
    return S


class BoltzmannMachine(BaseEstimator):
    """A small Boltzmann machine (Ackley, Hinton & Sejnowski 1985), with
    exact computations.

    Units s = (v, h): D visible (the data's columns) and ``n_hidden``
    hidden, every pair connected by a symmetric weight (eq. (bm-energy) in
    the chapter "Boltzmann machines, RBMs and deep belief nets"). With at
    most ``MAX_ENUMERATE`` units in all, log Z, the log-likelihood and its
    gradient are exact sums over states.

    Parameters
    ----------
    n_hidden : int
        K ≥ 0 hidden units (0 gives a fully visible Boltzmann machine, an
        Ising model).
    method : {'exact', 'gibbs'}
        How ``fit`` estimates the gradient (eq. (bm-grad)): exactly by
        enumeration, or from sampled statistics: clamped Gibbs sweeps over
        the hidden units for the data term and persistent free-running
        chains for the model term (Ackley et al. 1985).
    learning_rate : float
        Step size of full-batch gradient ascent on the mean log-likelihood.
    max_iter : int
        Number of gradient steps.
    tol : float
        With ``method='exact'``, stop when the largest absolute gradient
        entry is below ``tol``.
    n_chains, n_sweeps : int
        With ``method='gibbs'``: number of persistent model chains, and
        Gibbs sweeps per step (for both phases).
    init_scale : float
        Standard deviation of the random initial weights.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    weights_ : (n, n)
        Symmetric weights with zero diagonal, n = D + n_hidden (visible
        units first).
    biases_ : (n,)
    history_ : (n_iter_,)
        Exact mean log-likelihood of the training data before each step.
    n_iter_ : int
    converged_ : bool
    """

    def __init__(
        self,
        n_hidden=0,
        *,
        method="exact",
        learning_rate=0.1,
        max_iter=200,
        tol=1e-4,
        n_chains=100,
        n_sweeps=1,
        init_scale=0.01,
        random_state=None,
    ):
        self.n_hidden = n_hidden
        self.method = method
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.n_chains = n_chains
        self.n_sweeps = n_sweeps
        self.init_scale = init_scale
        self.random_state = random_state

    def fit(self, X, y=None):
        """Fit to binary ``X`` (N, D) by gradient ascent; returns self."""
        import warnings

        X = _check_visible(X, binary=True)
        K = check_positive_int(self.n_hidden, "n_hidden", minimum=0)
        method = check_in(self.method, "method", ("exact", "gibbs"))
        lr = check_positive_scalar(self.learning_rate, "learning_rate")
        max_iter = check_positive_int(self.max_iter, "max_iter")
        tol = check_positive_scalar(self.tol, "tol", allow_zero=True)
        n_chains = check_positive_int(self.n_chains, "n_chains")
        n_sweeps = check_positive_int(self.n_sweeps, "n_sweeps")
        scale = check_positive_scalar(
            self.init_scale, "init_scale", allow_zero=True
        )
        rng = check_random_state(self.random_state)
        N, D = X.shape
        n = D + K
        if n > MAX_ENUMERATE:
            raise ValueError(
                f"D + n_hidden = {n} units is too many to enumerate (limit "
                f"{MAX_ENUMERATE}); "
                "use fewer features or hidden units, or an RBM"
            )
        W = rng.normal(scale=scale, size=(n, n))
        W = np.triu(W, 1) + np.triu(W, 1).T
        b = np.zeros(n)
        b[:D] = np.log(
            (X.mean(axis=0) + 1e-3) / (1 - X.mean(axis=0) + 1e-3)
        )
        if method == "gibbs":
            data_S = np.concatenate(
                [X, (rng.random((N, K)) < 0.5).astype(float)], axis=1
            )
            model_S = (rng.random((n_chains, n)) < 0.5).astype(float)
        history, converged = [], False
        for n_iter in range(1, max_iter + 1):
            history.append(bm_log_likelihood(X, W, b, K))
            if method == "exact":
                grad_W, grad_b = bm_gradient(X, W, b, K)
                if max(np.abs(grad_W).max(), np.abs(grad_b).max()) < tol:
                    converged = True
                    break
            else:
                for _ in range(n_sweeps):
                    bm_gibbs_sweep(data_S, W, b, rng, units=range(D, n))
                    bm_gibbs_sweep(model_S, W, b, rng)
                grad_W = (
                    data_S.T @ data_S / N - model_S.T @ model_S / n_chains
                )
                np.fill_diagonal(grad_W, 0.0)
                grad_b = data_S.mean(axis=0) - model_S.mean(axis=0)
            W = W + lr * grad_W
            b = b + lr * grad_b
        self.weights_, self.biases_ = W, b
        self.history_ = np.asarray(history)
        self.n_iter_, self.converged_ = n_iter, converged
        self.n_features_in_ = D
        if method == "exact" and not converged:
            warnings.warn(
                f"BoltzmannMachine did not converge in max_iter={max_iter} "
                "steps (largest gradient "
                "entry above tol); increase max_iter or learning_rate, or "
                "loosen tol",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def _check_X(self, X):
        check_is_fitted(self, "weights_")
        return check_n_features(
            _check_visible(X, binary=True), self.n_features_in_
        )

    def energy(self, S):
        """Energy E(s) of full states ``S`` (M, D + n_hidden) (eq.
        (bm-energy) in the chapter "Boltzmann machines, RBMs and deep belief
        nets").
        """
        check_is_fitted(self, "weights_")
        S = check_binary(check_array(S, name="S"), name="S")
        check_n_features(S, len(self.biases_), name="S")
        return bm_energy(S, self.weights_, self.biases_)

    def log_partition(self):
        """Exact log Z (eq. (bm-partition) in the chapter "Boltzmann
        machines, RBMs and deep belief nets").
        """
        check_is_fitted(self, "weights_")
        return bm_log_partition(self.weights_, self.biases_)

    def score_samples(self, X):
        """Exact log p(v) for each row of binary ``X`` (N, D)."""
        X = self._check_X(X)
        _, _, log_p_star = _bm_hidden_posterior(
            X, self.weights_, self.biases_, len(self.biases_) - X.shape[1]
        )
        return log_p_star - self.log_partition()

    def score(self, X, y=None):
        """Mean exact log-likelihood of ``X`` (eq. (bm-loglik) in the
        chapter "Boltzmann machines, RBMs and deep belief nets").
        """
        return float(self.score_samples(X).mean())

    def gradient(self, X):
        """Exact gradient ``(grad_W, grad_b)`` of ``score`` at the current
        parameters.
        """
        X = self._check_X(X)
        return bm_gradient(
            X, self.weights_, self.biases_, len(self.biases_) - X.shape[1]
        )

    def sample(self, n_samples=1, n_sweeps=100, random_state=None):
        """Visible parts of ``n_samples`` independent Gibbs chains after
        ``n_sweeps`` sweeps.
        """
        check_is_fitted(self, "weights_")
        n_samples = check_positive_int(n_samples, "n_samples")
        n_sweeps = check_positive_int(n_sweeps, "n_sweeps")
        rng = check_random_state(random_state)
        S = (rng.random((n_samples, len(self.biases_))) < 0.5).astype(float)
        for _ in range(n_sweeps):
            bm_gibbs_sweep(S, self.weights_, self.biases_, rng)
        return S[:, : self.n_features_in_]


# --------------------------------------------------------------------------
# Restricted Boltzmann machine (section "Restricted Boltzmann machines")
# --------------------------------------------------------------------------


def rbm_energy(V, H, W, b, c):
    """E(v, h) = −bᵀv − cᵀh − hᵀWv for paired rows of ``V`` (N, D) and ``H``
    (N, K) (eq. (rbm-energy) in the chapter "Boltzmann machines, RBMs and
    deep belief nets").
    """
    return -(V @ b) - (H @ c) - np.einsum("nk,kd,nd->n", H, W, V)


def free_energy(V, W, b, c):
    """Free energy F(v) = −bᵀv − Σ_j log(1 + exp(c_j + W_j v)) (eq.
    (rbm-free-energy) in the chapter "Boltzmann machines, RBMs and deep
    belief nets").

    p(v) = exp(−F(v)) / Z: summing exp(−E(v, h)) over h factorises over the
    hidden units because E is linear in each h_j. Shape (N,).
    """
    return -(V @ b) - softplus(V @ W.T + c).sum(axis=1)


def sigmoid(a):
    """The logistic function σ(a) = 1 / (1 + exp(−a)), as ½ (1 + tanh(a /
    2)), in place on ``a``.

    The identity avoids exp overflow for large −a, and NumPy's vectorised
    tanh is about twice as fast as ``scipy.special.expit`` on the small
    arrays of mini-batch training. Its error is absolute (an ulp of 1, about
    2e-16), not relative: never take log σ(a) of this (use −log(1 +
    exp(−a))).
    """
    np.multiply(a, 0.5, out=a)
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def hidden_probs(V, W, c):
    """P(h_j = 1 | v) = σ(c_j + Σ_d W_jd v_d) for every row of ``V`` (eq.
    (rbm-cond-h) in the chapter "Boltzmann machines, RBMs and deep belief
    nets"), shape (N, K).
    """
    A = V @ W.T
    A += c
    return sigmoid(A)


def visible_probs(H, W, b):
    """P(v_d = 1 | h) = σ(b_d + Σ_j h_j W_jd) for every row of ``H`` (eq.
    (rbm-cond-v) in the chapter "Boltzmann machines, RBMs and deep belief
    nets"), shape (N, D).
    """
    A = H @ W
    A += b
    return sigmoid(A)


def sample_bernoulli(P, rng):
    """Independent 0/1 draws with success probabilities ``P`` (any shape),
    as float64.
    """
    return (rng.random(P.shape) < P).astype(np.float64)


def gibbs_step(V, W, b, c, rng):
    """One block-Gibbs step v → h ~ P(h | v) → v' ~ P(v | h) (eqs.
    (rbm-cond-h) and (rbm-cond-v) in the chapter "Boltzmann machines, RBMs
    and deep belief nets").
    """
    H = sample_bernoulli(hidden_probs(V, W, c), rng)
    return sample_bernoulli(visible_probs(H, W, b), rng)


def log_partition_exact(W, b, c):
    """Exact log Z of an RBM by enumerating the smaller layer (eq.
    (rbm-logz-enum) in the chapter "Boltzmann machines, RBMs and deep belief
    nets").

    Summing over the larger layer analytically, as in the free energy: with
    hidden states enumerated, log Z = log Σ_h exp(cᵀh + Σ_d log(1 +
    exp(b_d + (Wᵀh)_d))); symmetrically with visible states. Costs 2^min(D,
    K) terms.
    """
    K, D = W.shape
    if K <= D:
        H = all_binary_states(K)
        return float(logsumexp(H @ c + softplus(H @ W + b).sum(axis=1)))
    V = all_binary_states(D)
    return float(logsumexp(-free_energy(V, W, b, c)))


def exact_log_likelihood(V, W, b, c):
    """Mean exact log-likelihood (1/N) Σ_n [−F(v_n)] − log Z (eq.
    (rbm-loglik) in the chapter "Boltzmann machines, RBMs and deep belief
    nets").
    """
    return float(
        -free_energy(V, W, b, c).mean() - log_partition_exact(W, b, c)
    )


def exact_gradient(V, W, b, c):
    """Exact gradient of the mean log-likelihood (eq. (rbm-grad) in the
    chapter "Boltzmann machines, RBMs and deep belief nets"): data minus
    model.

    ∂ℓ/∂W = ⟨P(h=1|v) vᵀ⟩_data − ⟨h vᵀ⟩_model, ∂ℓ/∂b = ⟨v⟩_data − ⟨v⟩_model,
    ∂ℓ/∂c = ⟨P(h=1|v)⟩_data − ⟨h⟩_model. The model expectations enumerate
    the smaller layer and average the other one's conditional means over it.
    Returns ``(grad_W, grad_b, grad_c)``.
    """
    N = V.shape[0]
    PH = hidden_probs(V, W, c)
    K, D = W.shape
    if K <= D:  # enumerate h; p(h) ∝ exp(−F(h)) and E[v | h] = σ(b + Wᵀh)
        H = all_binary_states(K)
        log_p = H @ c + softplus(H @ W + b).sum(axis=1)
        p = np.exp(log_p - logsumexp(log_p))
        EV = visible_probs(H, W, b)
        model_hv, model_v, model_h = (p[:, None] * H).T @ EV, p @ EV, p @ H
    else:  # enumerate v; p(v) ∝ exp(−F(v)) and E[h | v] = σ(c + Wv)
        Vs = all_binary_states(D)
        log_p = -free_energy(Vs, W, b, c)
        p = np.exp(log_p - logsumexp(log_p))
        EH = hidden_probs(Vs, W, c)
        model_hv, model_v, model_h = (
            (p[:, None] * EH).T @ Vs,
            p @ Vs,
            p @ EH,
        )
    return (
        PH.T @ V / N - model_hv,
        V.mean(axis=0) - model_v,
        PH.mean(axis=0) - model_h,
    )


def contrastive_divergence(V, W, b, c, rng, k=1, H_chain=None):
    """CD-k (Hinton 2002) or persistent CD (Tieleman 2008) gradient estimate
    (eq. (rbm-cd) in the chapter "Boltzmann machines, RBMs and deep belief
    nets").

    The data term is exact given v (it uses P(h = 1 | v)); the model term is
    replaced by the statistics of a Gibbs chain run for ``k`` steps. CD-k
    starts the chain at the data (h₀ ~ P(h | v)); persistent CD passes the
    chain's hidden state ``H_chain`` from the previous update instead, so
    the chain keeps running between parameter updates.

    Returns ``(grad_W, grad_b, grad_c, H_chain)``: the gradient estimates
    (averaged over the rows) and the new hidden state of the chain (pass it
    back in for PCD). ``k >= 1``.
    """
    k = check_positive_int(k, "k")
    PH = hidden_probs(V, W, c)
    H = sample_bernoulli(PH, rng) if H_chain is None else H_chain
    for _ in range(k):
        V_neg = sample_bernoulli(visible_probs(H, W, b), rng)
        PH_neg = hidden_probs(V_neg, W, c)
        H = sample_bernoulli(PH_neg, rng)
    # averages over the n data rows minus averages over the m chains (sums
    # scaled once: these small arrays make NumPy's per-call overhead, not
    # arithmetic, the cost)
    n, m = V.shape[0], V_neg.shape[0]
    grad_W = PH.T @ V
    grad_W -= (n / m) * (PH_neg.T @ V_neg) if n != m else PH_neg.T @ V_neg
    grad_W *= 1.0 / n
    grad_b = V.sum(axis=0) / n - V_neg.sum(axis=0) / m
    grad_c = PH.sum(axis=0) / n - PH_neg.sum(axis=0) / m
    return grad_W, grad_b, grad_c, H


def pseudo_log_likelihood(V, W, b, c, flip=None):
    """Pseudo-log-likelihood Σ_d log p(v_d | v_−d) of each row of binary
    ``V`` (eq. (rbm-pll) in the chapter "Boltzmann machines, RBMs and deep
    belief nets").

    Each conditional is a logistic function of a free-energy difference, log
    p(v_d | v_−d) = log σ(F(v̄⁽ᵈ⁾) − F(v)), where v̄⁽ᵈ⁾ is v with bit d
    flipped. With ``flip=None`` the sum over all D bits is computed exactly
    (D free energies per row). With ``flip`` an (N,) array of bit indices,
    returns the unbiased one-bit estimate D · log σ(F(v̄⁽ᵈⁿ⁾) − F(v)) that
    scikit-learn's ``BernoulliRBM.score_samples`` computes with random
    indices.
    """
    N, D = V.shape
    F = free_energy(V, W, b, c)
    if flip is not None:
        V_ = V.copy()
        rows = np.arange(N)
        V_[rows, flip] = 1.0 - V_[rows, flip]
        return -D * softplus(-(free_energy(V_, W, b, c) - F))
    # Flipping bit d changes the hidden pre-activations by (1 − 2 v_d) W[:,
    # d]: the N × D flipped free energies come from (rows, D, K) arrays,
    # without copying V D times; rows are taken in chunks so that these
    # arrays stay near a million entries.
    K = W.shape[0]
    A = V @ W.T + c                                        # (N, K)
    # +1 turns a 0 on, −1 turns a 1 off
    sign = 1.0 - 2.0 * V
    out = np.empty(N)
    step = max(1, 2**20 // (D * K))
    for i in range(0, N, step):
        s = slice(i, i + step)
        A_flip = A[s, None, :] + sign[s, :, None] * W.T[None, :, :]
        F_flip = (
            -(V[s] @ b)[:, None]
            - sign[s] * b
            - softplus(A_flip).sum(axis=2)
        )
        out[s] = -softplus(-(F_flip - F[s, None])).sum(axis=1)
    return out


AISResult = namedtuple(
    "AISResult", ["log_Z", "log_Z_low", "log_Z_high", "log_weights"]
)
AISResult.__doc__ = """Annealed importance sampling estimate of log Z.

``log_Z`` = log Z_A + log w̄, with w̄ the mean importance weight (an unbiased
estimate of Z_B / Z_A). ``log_Z_low`` and ``log_Z_high`` are log Ẑ ∓ 3 ŝ
with ŝ = se(w̄) / w̄, the standard error of log Ẑ by the delta method (eq.
(ais-error-bar) in the chapter "Boltzmann machines, RBMs and deep belief
nets"): se(w̄) is the standard error of the mean weight, and dividing by w̄
puts it on the log scale (the factor Z_A cancels). ``log_weights`` (n_runs,)
are the runs' log weights, whose spread says how reliable the estimate is.
"""


def _ais_betas(betas):
    if np.ndim(betas) == 0:
        n = check_positive_int(betas, "betas", minimum=2)
        # Salakhutdinov & Murray's schedule, scaled: 1000 steps on [0, 0.5],
        # 4000 on [0.5, 0.9], 10 000 on [0.9, 1] for n = 15 000 (the
        # distributions change fastest near β = 1).
        n1, n2 = max(n * 1000 // 15000, 1), max(n * 4000 // 15000, 1)
        n3 = max(n - n1 - n2, 1)
        return np.concatenate(
            [
                np.linspace(0, 0.5, n1, endpoint=False),
                np.linspace(0.5, 0.9, n2, endpoint=False),
                np.linspace(0.9, 1.0, n3),
            ]
        )
    betas = np.asarray(betas, dtype=np.float64)
    if (
        betas.ndim != 1
        or len(betas) < 2
        or betas[0] != 0
        or betas[-1] != 1
        or np.any(np.diff(betas) < 0)
    ):
        raise ValueError(
            "betas must be an int >= 2 or an increasing 1-D array "
            "from 0 to 1"
        )
    return betas


def ais_log_partition(
    W, b, c, rng, n_runs=100, betas=15000, base_bias=None
):
    """Annealed importance sampling estimate of log Z (Salakhutdinov &
    Murray 2008; Neal 2001).

    Anneals from a base-rate RBM A (no weights, visible biases
    ``base_bias``, zeros by default; log Z_A = K log 2 + Σ_d log(1 +
    exp(b_A,d))) to the target through p*_β(v) = exp((1−β) b_Aᵀv + β bᵀv)
    Π_j (1 + exp(β (c_j + W_j v))) (eq. (ais-path) in the chapter "Boltzmann
    machines, RBMs and deep belief nets"). Each run starts with an exact
    draw from A; at every β it adds log p*_β(v) − log p*_β_prev(v) to its
    log weight (eq. (ais-weight)) and moves v by one Gibbs step that leaves
    p_β invariant. The mean weight estimates Z_B / Z_A without bias.

    ``betas`` is the number of temperatures (spaced as in the paper) or the
    increasing array from 0 to 1 itself. Returns an ``AISResult``.
    """
    K, D = W.shape
    betas = _ais_betas(betas)
    n_runs = check_positive_int(n_runs, "n_runs")
    b_A = (
        np.zeros(D)
        if base_bias is None
        else np.asarray(base_bias, dtype=np.float64)
    )
    log_Z_A = K * np.log(2.0) + softplus(b_A).sum()
    V = sample_bernoulli(np.broadcast_to(expit(b_A), (n_runs, D)), rng)
    log_w = np.zeros(n_runs)
    beta_prev = betas[0]
    for beta in betas[1:]:
        # (n_runs, K), shared by both terms
        A = V @ W.T + c
        log_w += (beta - beta_prev) * (V @ (b - b_A)) + (
            softplus(beta * A) - softplus(beta_prev * A)
        ).sum(axis=1)
        H = sample_bernoulli(sigmoid(beta * A), rng)
        V = sample_bernoulli(
            sigmoid((1 - beta) * b_A + beta * (H @ W + b)), rng
        )
        beta_prev = beta
    log_mean_w = float(logsumexp(log_w) - np.log(n_runs))
    log_Z = log_Z_A + log_mean_w
    se_log_Z = ais_log_standard_error(log_w)
    return AISResult(
        float(log_Z),
        float(log_Z - 3 * se_log_Z),
        float(log_Z + 3 * se_log_Z),
        log_w,
    )


def ais_log_standard_error(log_w):
    """Standard error of log w̄ from the runs' log weights, by the delta
    method (eq. (ais-error-bar) in the chapter "Boltzmann machines, RBMs and
    deep belief nets").

    w̄ = (1/M) Σ_m w_m has standard error se(w̄) = sd(w) / √M (sample standard
    deviation), and d log w̄ = dw̄ / w̄, so se(log w̄) ≈ se(w̄) / w̄: the relative
    standard error of the mean weight. It is also the standard error of log
    Ẑ = log Z_A + log w̄, since log Z_A is exact. Computed from w / max(w),
    so that no weight overflows (the ratio does not change).
    """
    log_w = np.asarray(log_w, dtype=np.float64)
    M = len(log_w)
    if M < 2:
        raise ValueError("the standard error needs at least two AIS runs")
    w = np.exp(log_w - log_w.max())
    return float(w.std(ddof=1) / np.sqrt(M) / w.mean())


def _check_visible(X, name="X", binary=False):
    X = check_array(X, name=name)
    return check_binary(X, name=name, allow_probabilities=not binary)


class RBM(BaseEstimator):
    """Bernoulli–Bernoulli restricted Boltzmann machine trained by CD-k or
    persistent CD.

    Binary visible units v (D) and hidden units h (K), connected only across
    layers (eq. (rbm-energy) in the chapter "Boltzmann machines, RBMs and
    deep belief nets"), so both conditionals factorise (eqs. (rbm-cond-h),
    (rbm-cond-v)). Trained by mini-batch stochastic gradient ascent on the
    log-likelihood with the model term estimated by contrastive divergence
    (``contrastive_divergence``). With ``persistent=True, k=1`` this is the
    algorithm of scikit-learn's ``BernoulliRBM`` (stochastic maximum
    likelihood, Tieleman 2008).

    Parameters
    ----------
    n_hidden : int
        K, the number of hidden units.
    learning_rate : float
    batch_size : int
        Rows per mini-batch (the batches are the even slices of a fresh
        permutation each epoch).
    n_epochs : int
        Passes over the data.
    k : int
        Gibbs steps per update (CD-k).
    persistent : bool
        Keep the negative chains (``batch_size`` of them) running across
        updates (PCD).
    momentum : float in [0, 1)
        Classical momentum: the update is ``momentum`` × previous update +
        lr × gradient.
    weight_decay : float
        L2 penalty on W: ``weight_decay`` × W is subtracted from its
        gradient.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    components_ : (K, D)
        W, as in scikit-learn's ``BernoulliRBM``.
    intercept_hidden_ : (K,)
        c.
    intercept_visible_ : (D,)
        b.
    h_samples_ : (batch_size, K)
        Hidden states of the persistent chains (with ``persistent=True``).
    n_features_in_ : int

    Fit, transform and free_energy accept probabilities in [0, 1] as inputs
    (the convention of scikit-learn and of greedy DBN training);
    score_samples and the exact log-likelihood need binary data.
    """

    def __init__(
        self,
        n_hidden=256,
        *,
        learning_rate=0.1,
        batch_size=10,
        n_epochs=10,
        k=1,
        persistent=False,
        momentum=0.0,
        weight_decay=0.0,
        random_state=None,
    ):
        self.n_hidden = n_hidden
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.k = k
        self.persistent = persistent
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.random_state = random_state

    # ---- construction ----------------------------------------------------
    @classmethod
    def from_parameters(
        cls, components, intercept_visible, intercept_hidden, **params
    ):
        """An RBM with the given W (K, D), b (D,) and c (K,), ready to use
        without fitting.
        """
        W = check_array(components, name="components")
        K, D = W.shape
        b = np.asarray(intercept_visible, dtype=np.float64)
        c = np.asarray(intercept_hidden, dtype=np.float64)
        if b.shape != (D,) or c.shape != (K,):
            raise ValueError(
                f"intercept_visible must have shape ({D},) and "
                f"intercept_hidden ({K},) to match "
                f"components of shape {W.shape}; got {b.shape} and "
                f"{c.shape}"
            )
        if not (np.isfinite(b).all() and np.isfinite(c).all()):
            raise ValueError("the intercepts contain NaN or infinity")
        model = cls(n_hidden=K, **params)
        (
            model.components_,
            model.intercept_visible_,
            model.intercept_hidden_,
        ) = W.copy(), b.copy(), c.copy()
        model.n_features_in_ = D
        return model

    def _params(self):
        check_is_fitted(self, "components_")
        return (
            self.components_,
            self.intercept_visible_,
            self.intercept_hidden_,
        )

    def _validated(self, X, binary=False):
        check_is_fitted(self, "components_")
        return check_n_features(
            _check_visible(X, binary=binary), self.n_features_in_
        )

    # ---- training --------------------------------------------------------
    def fit(self, X, y=None):
        """Fit to ``X`` (N, D), binary or probabilities in [0, 1]; returns
        self.
        """
        X = _check_visible(X)
        K = check_positive_int(self.n_hidden, "n_hidden")
        lr = check_positive_scalar(self.learning_rate, "learning_rate")
        B = check_positive_int(self.batch_size, "batch_size")
        n_epochs = check_positive_int(self.n_epochs, "n_epochs", minimum=0)
        k = check_positive_int(self.k, "k")
        momentum = check_positive_scalar(
            self.momentum, "momentum", allow_zero=True
        )
        if momentum >= 1:
            raise ValueError(
                f"momentum must be in [0, 1), got {momentum!r}"
            )
        decay = check_positive_scalar(
            self.weight_decay, "weight_decay", allow_zero=True
        )
        rng = check_random_state(self.random_state)
        N, D = X.shape
        # scikit-learn's initialisation
        W = rng.normal(0.0, 0.01, size=(K, D))
        b, c = np.zeros(D), np.zeros(K)
        H_chain = np.zeros((min(B, N), K)) if self.persistent else None
        vel = (
            [np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)]
            if momentum
            else None
        )
        n_batches = -(-N // B)
        bounds = np.linspace(0, N, n_batches + 1).round().astype(int)
        for _ in range(n_epochs):
            Xp = X[rng.permutation(N)]
            for start, stop in zip(bounds[:-1], bounds[1:]):
                gW, gb, gc, H = contrastive_divergence(
                    Xp[start:stop], W, b, c, rng, k=k, H_chain=H_chain
                )
                if self.persistent:
                    H_chain = H
                if decay:
                    gW -= decay * W
                if vel is None:  # plain SGD, updated in place
                    W += lr * gW
                    b += lr * gb
                    c += lr * gc
                else:
                    for v_, g, p in zip(vel, (gW, gb, gc), (W, b, c)):
                        v_ *= momentum
                        v_ += lr * g
                        p += v_
        (
            self.components_,
            self.intercept_visible_,
            self.intercept_hidden_,
        ) = W, b, c
        if self.persistent:
            self.h_samples_ = H_chain
        self.n_features_in_ = D
        self.random_state_ = rng
        return self

    # ---- inference -------------------------------------------------------
    def transform(self, X):
        """P(h = 1 | v) for each row (eq. (rbm-cond-h) in the chapter
        "Boltzmann machines, RBMs and deep belief nets"), shape (N, K): the
        RBM's features.
        """
        X = self._validated(X)
        return hidden_probs(X, self.components_, self.intercept_hidden_)

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def free_energy(self, X):
        """F(v) for each row (eq. (rbm-free-energy) in the chapter
        "Boltzmann machines, RBMs and deep belief nets"); log p(v) = −F(v) −
        log Z.
        """
        X = self._validated(X)
        return free_energy(X, *self._params())

    def score_samples(self, X):
        """Exact pseudo-log-likelihood Σ_d log p(v_d | v_−d) of each binary
        row (eq. (rbm-pll) in the chapter "Boltzmann machines, RBMs and deep
        belief nets").

        scikit-learn's ``BernoulliRBM.score_samples`` returns a random
        one-bit estimate of this sum (D times one randomly chosen term);
        this method computes the sum itself, so it is deterministic (see
        ``pseudo_log_likelihood``). Like ``fit``, it accepts rows in [0, 1];
        for those the flipped unit is 1 − v_d (as in scikit-learn), and the
        sum is the pseudo-log-likelihood proper only for binary rows.
        """
        X = self._validated(X)
        return pseudo_log_likelihood(X, *self._params())

    def score(self, X, y=None):
        """Mean pseudo-log-likelihood of ``X`` (see ``score_samples``)."""
        return float(self.score_samples(X).mean())

    def log_partition_exact(self):
        """Exact log Z by enumerating the smaller layer (eq. (rbm-logz-enum)
        in the chapter "Boltzmann machines, RBMs and deep belief nets").
        """
        return log_partition_exact(*self._params())

    def log_partition_ais(
        self, n_runs=100, betas=15000, base_rate=None, random_state=None
    ):
        """AIS estimate of log Z with its spread (``ais_log_partition``), an
        ``AISResult``.

        ``base_rate`` (D,) are the pixel means of the base-rate model A
        (e.g. the training data's, as Salakhutdinov & Murray do, which
        shortens the annealing); uniform by default.
        """
        W, b, c = self._params()
        base_bias = None
        if base_rate is not None:
            p = np.clip(
                np.asarray(base_rate, dtype=np.float64), 1e-3, 1 - 1e-3
            )
            if p.shape != b.shape:
                raise ValueError(
                    f"base_rate must have shape {b.shape}, got {p.shape}"
                )
            base_bias = np.log(p / (1 - p))
        return ais_log_partition(
            W,
            b,
            c,
            check_random_state(random_state),
            n_runs=n_runs,
            betas=betas,
            base_bias=base_bias,
        )

    def log_likelihood_exact(self, X):
        """Exact log p(v) = −F(v) − log Z of each binary row (needs a small
        layer to enumerate).
        """
        X = self._validated(X, binary=True)
        return -free_energy(X, *self._params()) - self.log_partition_exact()

    # ---- sampling --------------------------------------------------------
    def gibbs(self, V):
        """One Gibbs step v → h → v' from each row of ``V`` (as
        scikit-learn's ``gibbs``).
        """
        V = self._validated(V)
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        return gibbs_step(V, *self._params(), self.random_state_)

    def sample(
        self,
        n_samples=1,
        n_gibbs=1000,
        init=None,
        random_state=None,
        return_probabilities=False,
    ):
        """Run ``n_samples`` Gibbs chains for ``n_gibbs`` steps and return
        their visible states.

        ``init`` (n_samples, D) starts the chains (e.g. at data); by default
        they start at uniformly random pixels. With ``return_probabilities``
        the last step returns P(v = 1 | h) instead of a binary draw
        (smoother pictures of the same chain state).
        """
        W, b, c = self._params()
        rng = check_random_state(random_state)
        n_gibbs = check_positive_int(n_gibbs, "n_gibbs")
        if init is None:
            V = sample_bernoulli(
                np.full(
                    (check_positive_int(n_samples, "n_samples"), len(b)),
                    0.5,
                ),
                rng,
            )
        else:
            V = self._validated(init, binary=False)
        for _ in range(n_gibbs - 1):
            V = gibbs_step(V, W, b, c, rng)
        P = visible_probs(
            sample_bernoulli(hidden_probs(V, W, c), rng), W, b
        )
        return P if return_probabilities else sample_bernoulli(P, rng)


# --------------------------------------------------------------------------
# Deep belief net (section "Deep belief nets")
# --------------------------------------------------------------------------


class DBN(TransformerMixin, BaseEstimator):
    """Deep belief net (Hinton, Osindero & Teh 2006) trained greedily, layer
    by layer.

    The first RBM is fitted to the data; each next RBM is fitted to the
    previous layer's P(h = 1 | v) (its "data", probabilities in [0, 1]). As
    a generative model the top RBM is an undirected prior over the top two
    layers and every lower layer is a directed sigmoid belief net, P(v | h)
    of its RBM (eq. (dbn-joint) in the chapter "Boltzmann machines, RBMs and
    deep belief nets").

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Units per hidden layer, bottom to top.
    learning_rate, batch_size, n_epochs, k, persistent, momentum,
    weight_decay, random_state
        Passed to every layer's ``RBM``.
    init : {'random', 'transpose'}
        How each layer above the first starts. ``'random'``: small random
        weights, as every RBM. ``'transpose'``: at the transpose of the
        layer below (W = W_belowᵀ, visible and hidden biases swapped), the
        initialisation under which each added layer provably raises the
        variational bound (eq. (dbn-bound)) of Hinton et al. (2006); it
        needs each layer to have as many units as the layer two below
        (``hidden_layer_sizes[l] == n_visible`` of layer l − 1).

    Attributes
    ----------
    rbms_ : list of RBM
        The fitted layers, bottom to top.
    """

    def __init__(
        self,
        hidden_layer_sizes=(256, 64),
        *,
        learning_rate=0.1,
        batch_size=10,
        n_epochs=10,
        k=1,
        persistent=True,
        momentum=0.0,
        weight_decay=0.0,
        init="random",
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.init = init
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.k = k
        self.persistent = persistent
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.random_state = random_state

    def fit(self, X, y=None):
        """Greedy layer-wise training (Hinton et al. 2006, section 4);
        returns self.
        """
        X = _check_visible(X)
        sizes = self.hidden_layer_sizes
        if np.ndim(sizes) != 1 or len(sizes) == 0:
            raise ValueError(
                "hidden_layer_sizes must be a non-empty sequence of "
                f"ints, got {sizes!r}"
            )
        sizes = [
            check_positive_int(s, "hidden_layer_sizes entries")
            for s in sizes
        ]
        rng = check_random_state(self.random_state)
        params = dict(
            learning_rate=self.learning_rate,
            batch_size=self.batch_size,
            n_epochs=self.n_epochs,
            k=self.k,
            persistent=self.persistent,
            momentum=self.momentum,
            weight_decay=self.weight_decay,
        )
        check_in(self.init, "init", ("random", "transpose"))
        widths = [X.shape[1], *sizes]
        if self.init == "transpose" and any(
            widths[l + 1] != widths[l - 1] for l in range(1, len(sizes))
        ):
            raise ValueError(
                "init='transpose' needs every layer above the first to "
                "have as many units as the layer "
                "two below (the transpose of the weights below must fit); "
                f"got layer widths {widths}"
            )
        self.rbms_, data = [], X
        for K in sizes:
            if self.init == "transpose" and self.rbms_:
                below = self.rbms_[-1]
                W, b, c = (
                    below.components_.T.copy(),
                    below.intercept_hidden_.copy(),
                    below.intercept_visible_.copy(),
                )
                _cd_train(data, W, b, c, rng, **params)
                rbm = RBM.from_parameters(W, b, c, **params)
            else:
                rbm = RBM(K, random_state=rng, **params).fit(data)
            self.rbms_.append(rbm)
            data = rbm.transform(data)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X):
        """Upward pass: P(h = 1 | ·) of the top layer, feeding probabilities
        up (N, K_top).
        """
        check_is_fitted(self, "rbms_")
        data = check_n_features(_check_visible(X), self.n_features_in_)
        for rbm in self.rbms_:
            data = hidden_probs(
                data, rbm.components_, rbm.intercept_hidden_
            )
        return data

    def sample(
        self,
        n_samples=1,
        n_gibbs=1000,
        random_state=None,
        return_probabilities=True,
    ):
        """Generate: Gibbs-sample the top RBM, then one top-down pass (eq.
        (dbn-joint) in the chapter "Boltzmann machines, RBMs and deep belief
        nets").

        The top RBM's chains run ``n_gibbs`` steps from random states; its
        visible layer is then passed down, each layer drawn from P(v | h) of
        the RBM below. The bottom layer returns P(v = 1 | h)
        (``return_probabilities``) or a binary draw.
        """
        check_is_fitted(self, "rbms_")
        rng = check_random_state(random_state)
        top = self.rbms_[-1]
        if len(self.rbms_) == 1:
            return top.sample(
                n_samples,
                n_gibbs=n_gibbs,
                random_state=rng,
                return_probabilities=return_probabilities,
            )
        # binary state of layer L − 1
        H = top.sample(n_samples, n_gibbs=n_gibbs, random_state=rng)
        # directed layers L − 2, ..., 1: h_l ~ P(h_l | h_l+1)
        for rbm in self.rbms_[-2:0:-1]:
            H = sample_bernoulli(
                visible_probs(H, rbm.components_, rbm.intercept_visible_),
                rng,
            )
        bottom = self.rbms_[0]
        P = visible_probs(H, bottom.components_, bottom.intercept_visible_)
        return P if return_probabilities else sample_bernoulli(P, rng)


# --------------------------------------------------------------------------
# Monitoring training (section "Training in practice")
# --------------------------------------------------------------------------


def reconstruction_error(V, W, b, c):
    """Mean squared one-step reconstruction error of the rows of binary
    ``V``.

    v → P(h = 1 | v) → P(v = 1 | h) with the mean-field hidden
    probabilities, as Hinton's practical guide and most CD code report it:
    (1/N) Σ_n ‖v_n − σ(b + Wᵀ σ(c + W v_n))‖². It is *not* the objective CD
    approximates, and it rewards slow mixing (see the chapter).
    """
    return float(
        np.mean(
            np.sum(
                (V - visible_probs(hidden_probs(V, W, c), W, b)) ** 2,
                axis=1,
            )
        )
    )


def rbm_training_curves(
    X,
    n_hidden,
    *,
    learning_rate=0.05,
    batch_size=10,
    n_epochs=10,
    k=1,
    persistent=False,
    momentum=0.0,
    weight_decay=0.0,
    random_state=None,
):
    """Train an RBM by CD-k / PCD-k (eq. (rbm-cd) in the chapter "Boltzmann
    machines, RBMs and deep belief nets") and record, after every epoch, the
    reconstruction error (``reconstruction_error``) and the exact mean
    log-likelihood (eq. (rbm-loglik), with log Z by enumeration, so
    ``n_hidden`` ≤ 20).

    The updates are those of ``RBM`` (same initialisation, mini-batches,
    momentum and weight decay), written out here so that the model can be
    scored between epochs. Returns ``(W, b, c, curves)`` with ``curves`` a
    dict of arrays of length ``n_epochs + 1`` (entry 0 is the initial
    model): ``'reconstruction_error'`` and ``'log_likelihood'``.
    """
    X = check_binary(check_array(X), name="X")
    K = check_positive_int(n_hidden, "n_hidden")
    if K > MAX_ENUMERATE:
        raise ValueError(
            f"n_hidden = {K} is too many to enumerate (at most "
            f"{MAX_ENUMERATE})"
        )
    rng = check_random_state(random_state)
    W, b, c = (
        rng.normal(0.0, 0.01, size=(K, X.shape[1])),
        np.zeros(X.shape[1]),
        np.zeros(K),
    )
    curves = {"reconstruction_error": [], "log_likelihood": []}

    def record(W, b, c):
        curves["reconstruction_error"].append(
            reconstruction_error(X, W, b, c)
        )
        curves["log_likelihood"].append(exact_log_likelihood(X, W, b, c))

    _cd_train(
        X,
        W,
        b,
        c,
        rng,
        learning_rate=learning_rate,
        batch_size=batch_size,
        n_epochs=n_epochs,
        k=k,
        persistent=persistent,
        momentum=momentum,
        weight_decay=weight_decay,
        callback=record,
    )
    return W, b, c, {name: np.asarray(v) for name, v in curves.items()}


def _cd_train(
    X,
    W,
    b,
    c,
    rng,
    *,
    learning_rate,
    batch_size,
    n_epochs,
    k,
    persistent,
    momentum,
    weight_decay,
    callback=None,
):
    """CD-k / PCD-k training of (W, b, c) in place, with the updates of
    ``RBM`` (eq. (rbm-cd) in the chapter "Boltzmann machines, RBMs and deep
    belief nets"), from the given starting values; ``callback(W, b, c)``
    runs before the first epoch and after every epoch."""
    B = check_positive_int(batch_size, "batch_size")
    n_epochs = check_positive_int(n_epochs, "n_epochs")
    N, K = X.shape[0], W.shape[0]
    H_chain = np.zeros((min(B, N), K)) if persistent else None
    vel = [np.zeros_like(W), np.zeros_like(b), np.zeros_like(c)]
    bounds = np.linspace(0, N, -(-N // B) + 1).round().astype(int)
    if callback:
        callback(W, b, c)
    for _ in range(n_epochs):
        Xp = X[rng.permutation(N)]
        for start, stop in zip(bounds[:-1], bounds[1:]):
            gW, gb, gc, H = contrastive_divergence(
                Xp[start:stop], W, b, c, rng, k=k, H_chain=H_chain
            )
            H_chain = H if persistent else None
            gW -= weight_decay * W
            for v_, g, p in zip(vel, (gW, gb, gc), (W, b, c)):
                v_ *= momentum
                v_ += learning_rate * g
                p += v_
        if callback:
            callback(W, b, c)
    return W, b, c


def dbn_bound_exact(V, lower, upper):
    """The greedy DBN bound (eq. (dbn-bound) in the chapter "Boltzmann
    machines, RBMs and deep belief nets") for each binary row of ``V``,
    exactly.

    ``lower`` = (W¹, b¹, c¹) is the first RBM, ``upper`` = (W², b², c²) the
    second, whose visible layer is h¹. With Q(h¹ | v) = Π_j σ(c¹_j + W¹_j v)
    (eq. (rbm-cond-h)), P(v | h¹) of the first RBM (eq. (rbm-cond-v)) and
    the second RBM's marginal p(h¹) = exp(−F²(h¹)) / Z² (eq.
    (rbm-free-energy)), returns Σ_h¹ Q(h¹ | v) [log p(h¹) + log P(v | h¹) −
    log Q(h¹ | v)] by enumerating all 2^K¹ states h¹ (and the smaller layer
    of the second RBM for log Z²).
    """
    (W1, b1, c1), (W2, b2, c2) = lower, upper
    H = all_binary_states(W1.shape[0])                            # (S, K1)
    A = V @ W1.T + c1                                              # (N, K1)
    # (S, N): log Q(h | v_n)
    log_Q = H @ A.T - softplus(A).sum(axis=1)
    # (S, D) logits of P(v | h)
    L = H @ W1 + b1
    log_P = V @ L.T - softplus(L).sum(axis=1)                      # (N, S)
    # (S,)
    log_prior = -free_energy(H, W2, b2, c2) - log_partition_exact(
        W2, b2, c2
    )
    Q = np.exp(log_Q)
    return np.sum(Q.T * (log_prior + log_P - log_Q.T), axis=1)


# --------------------------------------------------------------------------
# Gaussian-Bernoulli RBM: real-valued visible units (section "Training in
# practice")
# --------------------------------------------------------------------------


def gb_energy(V, H, W, b, c, sigma):
    """E(v, h) = Σ_d (v_d − b_d)² / 2σ_d² − cᵀh − Σ_{j,d} h_j W_jd v_d / σ_d
    (eq. (gbrbm-energy) in the chapter "Boltzmann machines, RBMs and deep
    belief nets").
    """
    return (
        np.sum((V - b) ** 2 / (2 * sigma**2), axis=1)
        - H @ c
        - np.sum((H @ W) * (V / sigma), axis=1)
    )


def gb_free_energy(V, W, b, c, sigma):
    """F(v) = Σ_d (v_d − b_d)² / 2σ_d² − Σ_j log(1 + exp(c_j + Σ_d W_jd v_d
    / σ_d)), summing out the binary hidden units as in eq. (rbm-free-energy)
    in the chapter "Boltzmann machines, RBMs and deep belief nets"; p(v) =
    exp(−F(v)) / Z."""
    return np.sum((V - b) ** 2 / (2 * sigma**2), axis=1) - softplus(
        (V / sigma) @ W.T + c
    ).sum(axis=1)


def gb_hidden_probs(V, W, c, sigma):
    """P(h_j = 1 | v) = σ(c_j + Σ_d W_jd v_d / σ_d), shape (N, K)."""
    return sigmoid((V / sigma) @ W.T + c)


def gb_visible_mean(H, W, b, sigma):
    """E[v | h] = b + σ ⊙ Wᵀh: given h the visible units are independent
    𝒩(b_d + σ_d (Wᵀh)_d, σ_d²).
    """
    return b + sigma * (H @ W)


def gb_log_partition_exact(W, b, c, sigma):
    """log Z of a Gaussian–Bernoulli RBM by enumerating the 2^K hidden
    states.

    For fixed h the integral over v factorises into Gaussian integrals: with
    a = Wᵀh, ∫ exp(−(v − b)²/2σ² + a v/σ) dv = √(2π) σ exp(a b/σ + a²/2)
    (complete the square), so log Z = log Σ_h exp(cᵀh + Σ_d (a_d b_d/σ_d +
    a_d²/2)) + Σ_d log(√(2π) σ_d).
    """
    sigma = np.broadcast_to(np.asarray(sigma, dtype=np.float64), b.shape)
    H = all_binary_states(W.shape[0])
    A = H @ W
    return float(
        logsumexp(H @ c + np.sum(A * b / sigma + 0.5 * A**2, axis=1))
        + np.sum(0.5 * np.log(2 * np.pi) + np.log(sigma))
    )


def gb_gibbs_step(V, W, b, c, sigma, rng):
    """One block-Gibbs step v → h → v' of a Gaussian–Bernoulli RBM."""
    H = sample_bernoulli(gb_hidden_probs(V, W, c, sigma), rng)
    return gb_visible_mean(H, W, b, sigma) + sigma * rng.standard_normal(
        V.shape
    )

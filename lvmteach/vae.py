"""The variational autoencoder, from scratch in NumPy (chapter "Variational autoencoders").

A VAE (Kingma and Welling 2014; Rezende et al. 2014) is a latent variable model p(x, z) = p(z) p(x | z) with a
standard normal prior p(z) = 𝒩(0, I) and a decoder network giving p(x | z), trained together
with an encoder network giving a Gaussian approximate posterior
q(z | x) = 𝒩(μ(x), diag σ²(x)) ("amortised inference": one network serves every x). Both are
fitted by maximising the evidence lower bound (eq. (vae-elbo))

    ELBO(x) = E_q[log p(x | z)] − KL(q(z | x) ‖ p(z)) ≤ log p(x),

estimated with one reparameterised sample z = μ + σ ⊙ ε, ε ~ 𝒩(0, I) (eq. (vae-reparam)),
and the KL term in closed form (eq. (vae-kl)). The loss minimised is −ELBO averaged over a
mini-batch. Every gradient is written out (see ``lvmteach.nn``).

Shapes: ``X`` (N, D), latent codes ``Z`` (N, L) with ``L = latent_dim``.
"""

import numbers

import numpy as np

from . import nn
from .base import BaseEstimator, check_is_fitted
from .numerics import logsumexp
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
    "VAE",
    "gaussian_kl",
    "reparameterize",
    "bernoulli_log_lik",
    "gaussian_log_lik",
    "gradient_estimates",
]

_LOG_2PI = np.log(2.0 * np.pi)


def gaussian_kl(mu, log_var):
    """KL(𝒩(μ, diag σ²) ‖ 𝒩(0, I)) per row, shape (N,) (eq. (vae-kl) in the chapter "Variational autoencoders").

    = ½ Σ_l (μ_l² + σ_l² − log σ_l² − 1); zero exactly when μ = 0 and σ = 1.
    """
    return 0.5 * np.sum(mu**2 + np.exp(log_var) - log_var - 1.0, axis=1)


def reparameterize(mu, log_var, eps):
    """z = μ + σ ⊙ ε with σ = exp(½ log σ²) (eq. (vae-reparam) in the chapter "Variational autoencoders"): a sample of q(z | x)
    that is a differentiable function of (μ, log σ²) for a fixed noise ε ~ 𝒩(0, I)."""
    return mu + np.exp(0.5 * log_var) * eps


def bernoulli_log_lik(X, logits):
    """log p(x | z) = Σ_d x_d a_d − log(1 + e^{a_d}) for binary x and logits a, shape (N,).

    Written with ``lvmteach.nn.softplus`` so that large |a| neither overflows nor gives
    log(0). Its gradient with respect to the logits is x − sigmoid(a).
    """
    return np.sum(X * logits - nn.softplus(logits), axis=1)


def gaussian_log_lik(X, mean, log_var):
    """log 𝒩(x | mean, σ² I) per row with a scalar ``log_var`` = log σ², shape (N,)."""
    D = X.shape[1]
    return -0.5 * (D * (_LOG_2PI + log_var) + np.sum((X - mean) ** 2, axis=1) * np.exp(-log_var))


def _check_hidden_sizes(hidden_sizes):
    if isinstance(hidden_sizes, numbers.Integral):
        hidden_sizes = (hidden_sizes,)
    try:
        sizes = tuple(hidden_sizes)
    except TypeError:
        raise ValueError(f"hidden_sizes must be a tuple of positive integers, got {hidden_sizes!r}") from None
    for h in sizes:
        check_positive_int(h, "each entry of hidden_sizes")
    return sizes


class VAE(BaseEstimator):
    """Variational autoencoder with a Gaussian encoder and a Bernoulli or Gaussian decoder.

    Parameters
    ----------
    latent_dim : int
        L, the dimension of z.
    hidden_sizes : tuple of int
        Widths of the hidden layers of the encoder (D → ... → 2L) and, reversed, of the
        decoder (L → ... → D). ``()`` gives linear maps: with ``likelihood='gaussian'`` this
        is the linear-Gaussian VAE, whose best ELBO is the PPCA log-likelihood.
    likelihood : {'bernoulli', 'gaussian'}
        p(x | z): independent Bernoulli pixels with logits from the decoder (binary data), or
        𝒩(decoder(z), σ² I) with one learned noise variance σ², as in PPCA.
    activation : {'tanh', 'relu', 'softplus', 'sigmoid'}
    learning_rate : float
        Adam's step size.
    batch_size : int
    n_epochs : int
        Passes over the data (stochastic training has no convergence test).
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    encoder_, decoder_ : lvmteach.nn.Sequential
    log_noise_var_ : ndarray of shape (1,)
        log σ² (Gaussian likelihood only).
    history_ : ndarray of shape (n_epochs,)
        The mean ELBO per sample over each epoch's mini-batches (nats).
    n_iter_ : int
        Number of epochs run.
    """

    def __init__(
        self,
        latent_dim=2,
        hidden_sizes=(256,),
        *,
        likelihood="bernoulli",
        activation="tanh",
        learning_rate=1e-3,
        batch_size=128,
        n_epochs=50,
        random_state=None,
    ):
        self.latent_dim = latent_dim
        self.hidden_sizes = hidden_sizes
        self.likelihood = likelihood
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.random_state = random_state

    # ---------------------------------------------------------------- set-up and checks
    def _validate_data(self, X, *, reset=False):
        X = check_array(X)
        if reset:
            check_in(self.likelihood, "likelihood", ("bernoulli", "gaussian"))
        else:
            check_n_features(X, self.n_features_in_)
        if self.likelihood == "bernoulli":
            check_binary(X)
        return X

    def initialize(self, D, random_state=None):
        """Create the encoder and decoder for D features (``fit`` calls this); returns self."""
        L = check_positive_int(self.latent_dim, "latent_dim")
        hidden = _check_hidden_sizes(self.hidden_sizes)
        check_in(self.activation, "activation", tuple(nn.ACTIVATIONS))
        check_in(self.likelihood, "likelihood", ("bernoulli", "gaussian"))
        rng = check_random_state(random_state)
        self.encoder_ = nn.mlp([D, *hidden, 2 * L], activation=self.activation, random_state=rng)
        self.decoder_ = nn.mlp([L, *hidden[::-1], D], activation=self.activation, random_state=rng)
        self.log_noise_var_ = np.zeros(1)
        self.n_features_in_ = D
        return self

    def parameters(self):
        """All trainable arrays (encoder, decoder, and log σ² for a Gaussian likelihood)."""
        extra = [self.log_noise_var_] if self.likelihood == "gaussian" else []
        return self.encoder_.parameters() + self.decoder_.parameters() + extra

    def gradients(self):
        """Gradients of the last ``elbo_and_gradients`` call, in the order of ``parameters``."""
        extra = [self._grad_log_noise_var] if self.likelihood == "gaussian" else []
        return self.encoder_.gradients() + self.decoder_.gradients() + extra

    # ---------------------------------------------------------------- the model
    def encode(self, X):
        """The encoder's q(z | x) = 𝒩(μ, diag exp(log σ²)): returns ``(mu, log_var)``, each (N, L)."""
        H = self.encoder_.forward(X)
        L = H.shape[1] // 2
        return H[:, :L], H[:, L:]

    def decode(self, Z):
        """Mean of p(x | z): Bernoulli probabilities sigmoid(a), or the Gaussian mean; (N, D)."""
        out = self.decoder_.forward(Z)
        return nn.sigmoid(out) if self.likelihood == "bernoulli" else out

    def _log_lik(self, X, out):
        if self.likelihood == "bernoulli":
            return bernoulli_log_lik(X, out)
        return gaussian_log_lik(X, out, self.log_noise_var_[0])

    def elbo_and_gradients(self, X, eps):
        """The ELBO of each row of X with the noise ``eps`` (N, L), and the gradients of the
        loss −mean(ELBO) with respect to every parameter (eqs. (vae-elbo-grad) in the chapter "Variational autoencoders").

        Forward: encoder → (μ, log σ²) → z = μ + σ ε → decoder → log p(x | z); the KL term is
        analytic. Backward runs the same path in reverse. Returns the ELBO, shape (N,); the
        gradients are left in the layers (see ``gradients``).
        """
        N = X.shape[0]
        mu, log_var = self.encode(X)
        std = np.exp(0.5 * log_var)
        Z = mu + std * eps
        out = self.decoder_.forward(Z)
        if self.likelihood == "bernoulli":
            log_lik = bernoulli_log_lik(X, out)
            dlog_lik_dout = X - nn.sigmoid(out)
        else:
            s2_log = self.log_noise_var_[0]
            sq = np.sum((X - out) ** 2, axis=1)
            log_lik = -0.5 * (X.shape[1] * (_LOG_2PI + s2_log) + sq * np.exp(-s2_log))
            dlog_lik_dout = (X - out) * np.exp(-s2_log)
            # d/d(log σ²) of −mean(log_lik)
            self._grad_log_noise_var = np.array([np.mean(0.5 * X.shape[1] - 0.5 * sq * np.exp(-s2_log))])
        elbo = log_lik - gaussian_kl(mu, log_var)
        # Backward pass of the loss −(1/N) Σ_n ELBO_n.
        grad_Z = self.decoder_.backward(-dlog_lik_dout / N)
        grad_mu = grad_Z + mu / N  # the KL term contributes ∂KL/∂μ = μ
        grad_log_var = grad_Z * eps * 0.5 * std + 0.5 * (np.exp(log_var) - 1.0) / N
        self.encoder_.backward(np.hstack([grad_mu, grad_log_var]))
        return elbo

    # ---------------------------------------------------------------- training
    def fit(self, X, y=None):
        """Maximise the ELBO on X by Adam over shuffled mini-batches; returns self.

        Raises ``lvmteach.nn.TrainingDivergedError`` if the loss becomes NaN or infinite.
        """
        X = self._validate_data(X, reset=True)
        batch_size = check_positive_int(self.batch_size, "batch_size")
        n_epochs = check_positive_int(self.n_epochs, "n_epochs")
        lr = check_positive_scalar(self.learning_rate, "learning_rate")
        rng = check_random_state(self.random_state)
        self.initialize(X.shape[1], rng)
        L = self.latent_dim
        optimizer = nn.Adam(learning_rate=lr)
        params = self.parameters()
        history = []
        for epoch in range(n_epochs):
            total = 0.0
            for idx in nn.minibatches(X.shape[0], batch_size, rng):
                # Overflow is detected below and reported as divergence, not as a warning.
                with np.errstate(over="ignore", invalid="ignore"):
                    elbo = self.elbo_and_gradients(X[idx], rng.standard_normal((len(idx), L)))
                    batch_sum = float(np.sum(elbo))
                    finite = np.isfinite(batch_sum) and all(np.isfinite(g).all() for g in self.gradients())
                if not finite:
                    raise nn.TrainingDivergedError(
                        f"VAE training diverged in epoch {epoch + 1}: the loss became {-batch_sum}. "
                        f"Lower learning_rate (now {lr:g}), standardise X, or use a Bernoulli "
                        "likelihood for binary data"
                    )
                optimizer.step(params, self.gradients())
                total += batch_sum
            history.append(total / X.shape[0])
        self.history_ = np.asarray(history)
        self.n_iter_ = n_epochs
        return self

    # ---------------------------------------------------------------- using the model
    def transform(self, X):
        """The posterior means μ(x), shape (N, L): the VAE's counterpart of PCA scores."""
        check_is_fitted(self, "encoder_")
        return self.encode(self._validate_data(X))[0]

    def reconstruct(self, X):
        """decode(transform(X)): the mean of p(x | z = μ(x)), shape (N, D)."""
        return self.decode(self.transform(X))

    def sample(self, n_samples=1, random_state=None, *, return_means=False):
        """Draw z ~ 𝒩(0, I) and x ~ p(x | z). Returns ``(X, Z)``; with ``return_means`` X holds
        the decoder means (probabilities for Bernoulli) instead of draws."""
        check_is_fitted(self, "decoder_")
        n = check_positive_int(n_samples, "n_samples")
        rng = check_random_state(random_state)
        Z = rng.standard_normal((n, self.latent_dim))
        means = self.decode(Z)
        if return_means:
            return means, Z
        if self.likelihood == "bernoulli":
            return (rng.uniform(size=means.shape) < means).astype(np.float64), Z
        return means + np.exp(0.5 * self.log_noise_var_[0]) * rng.standard_normal(means.shape), Z

    def elbo(self, X, random_state=None, n_samples=1):
        """A Monte-Carlo estimate of the ELBO of each row (N,), averaging ``n_samples`` draws."""
        check_is_fitted(self, "encoder_")
        X = self._validate_data(X)
        rng = check_random_state(random_state)
        mu, log_var = self.encode(X)
        kl = gaussian_kl(mu, log_var)
        total = np.zeros(X.shape[0])
        for _ in range(check_positive_int(n_samples, "n_samples")):
            Z = reparameterize(mu, log_var, rng.standard_normal(mu.shape))
            total += self._log_lik(X, self.decoder_.forward(Z))
        return total / n_samples - kl

    def score_samples(self, X, n_importance=100, random_state=None):
        """Importance-weighted estimate of log p(x) per row (eq. (vae-iw) in the chapter "Variational autoencoders") (Burda et al. 2016).

        log p(x) ≈ log (1/K) Σ_k p(x | z_k) p(z_k) / q(z_k | x), z_k ~ q(z | x). It is a lower
        bound in expectation that tightens as K grows (K = 1 gives the ELBO).
        """
        check_is_fitted(self, "encoder_")
        X = self._validate_data(X)
        K = check_positive_int(n_importance, "n_importance")
        rng = check_random_state(random_state)
        mu, log_var = self.encode(X)
        log_w = np.empty((K, X.shape[0]))
        for k in range(K):
            eps = rng.standard_normal(mu.shape)
            Z = reparameterize(mu, log_var, eps)
            log_prior = -0.5 * np.sum(Z**2 + _LOG_2PI, axis=1)
            log_q = -0.5 * np.sum(eps**2 + _LOG_2PI + log_var, axis=1)
            log_w[k] = self._log_lik(X, self.decoder_.forward(Z)) + log_prior - log_q
        return logsumexp(log_w, axis=0) - np.log(K)

    def score(self, X, y=None, n_importance=100, random_state=None):
        """Mean importance-weighted log-likelihood per sample."""
        return float(np.mean(self.score_samples(X, n_importance, random_state)))


def gradient_estimates(model, x, n_samples=1000, random_state=None):
    """Single-sample estimates of ∇_μ E_q[log p(x | z)] for one data point, by two estimators.

    With q = 𝒩(μ, diag σ²) from the encoder at ``x`` (shape (D,)):

    * reparameterisation (eq. (vae-reparam-grad) in the chapter "Variational autoencoders"): ∇_z log p(x | z) at z = μ + σ ε;
    * score function / REINFORCE (eq. (vae-score-grad)): log p(x | z) ∇_μ log q(z) =
      log p(x | z) (z − μ) / σ².

    Both are unbiased; returns ``(reparam, score)``, each (n_samples, L), one estimate per row,
    so their variances can be compared.
    """
    check_is_fitted(model, "decoder_")
    rng = check_random_state(random_state)
    X1 = model._validate_data(np.reshape(x, (1, -1)))
    mu, log_var = model.encode(X1)
    eps = rng.standard_normal((n_samples, mu.shape[1]))
    Z = reparameterize(mu, log_var, eps)
    Xn = np.repeat(X1, n_samples, axis=0)
    out = model.decoder_.forward(Z)
    log_lik = model._log_lik(Xn, out)
    if model.likelihood == "bernoulli":
        dout = Xn - nn.sigmoid(out)
    else:
        dout = (Xn - out) * np.exp(-model.log_noise_var_[0])
    reparam = model.decoder_.backward(dout)
    score = log_lik[:, None] * (Z - mu) / np.exp(log_var)
    return reparam, score

"""The variational autoencoder, from scratch in NumPy (chapter "Variational
autoencoders").

A VAE (Kingma and Welling 2014; Rezende et al. 2014) is a latent variable
model p(x, z) = p(z) p(x | z) with a standard normal prior p(z) = 𝒩(0, I)
and a decoder network giving p(x | z), trained together with an encoder
network giving a Gaussian approximate posterior q(z | x) = 𝒩(μ(x), diag
σ²(x)) ("amortised inference": one network serves every x). Both are fitted
by maximising the evidence lower bound (eq. (vae-elbo))

    ELBO(x) = E_q[log p(x | z)] − KL(q(z | x) ‖ p(z)) ≤ log p(x),

estimated with one reparameterised sample z = μ + σ ⊙ ε, ε ~ 𝒩(0, I) (eq.
(vae-reparam)), and the KL term in closed form (eq. (vae-kl)). The loss
minimised is −ELBO averaged over a mini-batch. Every gradient is written out
(see ``lvmteach.nn``).

Shapes: ``X`` (N, D), latent codes ``Z`` (N, L) with ``L = latent_dim``.
"""

import numpy as np

from . import nn
from .base import BaseEstimator, TransformerMixin, check_is_fitted
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
    "optimize_posterior",
]

_LOG_2PI = np.log(2.0 * np.pi)


def gaussian_kl(mu, log_var):
    """KL(𝒩(μ, diag σ²) ‖ 𝒩(0, I)) per row, shape (N,) (eq.
    (vae-kl) in the chapter "Variational autoencoders").

    = ½ Σ_l (μ_l² + σ_l² − log σ_l² − 1); zero exactly when μ = 0 and σ = 1.
    """
    return 0.5 * np.sum(mu**2 + np.exp(log_var) - log_var - 1.0, axis=1)


def reparameterize(mu, log_var, eps):
    """z = μ + σ ⊙ ε with σ = exp(½ log σ²) (eq.
    (vae-reparam) in the chapter "Variational autoencoders"): a sample of
    q(z | x) that is a differentiable function of (μ, log σ²) for a fixed
    noise ε ~ 𝒩(0, I)."""
    return mu + np.exp(0.5 * log_var) * eps


def bernoulli_log_lik(X, logits):
    """log p(x | z) = Σ_d x_d a_d − log(1 + e^{a_d}) for binary x and logits
    a, shape (N,).

    Written with ``lvmteach.nn.softplus`` so that large |a| neither
    overflows nor gives log(0). Its gradient with respect to the logits is x
    − sigmoid(a).
    """
    return np.sum(X * logits - nn.softplus(logits), axis=1)


def gaussian_log_lik(X, mean, log_var):
    """log 𝒩(x | mean, σ² I) per row with a scalar ``log_var`` = log σ²,
    shape (N,).
    """
    D = X.shape[1]
    return -0.5 * (
        D * (_LOG_2PI + log_var)
        + np.sum((X - mean) ** 2, axis=1) * np.exp(-log_var)
    )


class VAE(TransformerMixin, BaseEstimator):
    """Variational autoencoder with a Gaussian encoder and a Bernoulli or
    Gaussian decoder.

    Parameters
    ----------
    latent_dim : int
        L, the dimension of z.
    hidden_sizes : tuple of int
        Widths of the hidden layers of the encoder (D → ... → 2L) and,
        reversed, of the decoder (L → ... → D). ``()`` gives linear maps:
        with ``likelihood='gaussian'`` this is the linear-Gaussian VAE,
        whose best ELBO is the PPCA log-likelihood.
    likelihood : {'bernoulli', 'gaussian'}
        p(x | z): independent Bernoulli pixels with logits from the decoder
        (binary data), or 𝒩(decoder(z), σ² I) with one learned noise
        variance σ², as in PPCA.
    activation : {'tanh', 'relu', 'softplus', 'sigmoid'}
    learning_rate : float
        Adam's step size.
    batch_size : int
    n_epochs : int
        Passes over the data (stochastic training has no convergence test).
    objective : {'elbo', 'iwae'}
        The training objective: the ELBO (eq.
        (vae-elbo) in the chapter "Variational autoencoders", one sample,
        analytic KL) or the importance-weighted bound with ``n_importance``
        samples (eq. (vae-iw)), trained directly as in Burda et al. (2016)
        (``iwae_and_gradients``).
    n_importance : int
        K, the number of samples per data point of the IWAE objective.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    encoder_, decoder_ : lvmteach.nn.Sequential
    log_noise_var_ : ndarray of shape (1,)
        log σ² (Gaussian likelihood only).
    history_ : ndarray of shape (n_epochs,)
        The mean training objective (ELBO or IWAE bound) per sample over
        each epoch's mini-batches (nats).
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
        objective="elbo",
        n_importance=5,
        random_state=None,
    ):
        self.latent_dim = latent_dim
        self.hidden_sizes = hidden_sizes
        self.likelihood = likelihood
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.objective = objective
        self.n_importance = n_importance
        self.random_state = random_state

    # ---------------------------------------------------- set-up and checks
    def _validate_data(self, X, *, reset=False):
        X = check_array(X)
        if reset:
            check_in(
                self.likelihood, "likelihood", ("bernoulli", "gaussian")
            )
        else:
            check_n_features(X, self.n_features_in_)
        if self.likelihood == "bernoulli":
            check_binary(X)
        return X

    def initialize(self, D, random_state=None):
        """Create the encoder and decoder for D features (``fit`` calls
        this); returns self.
        """
        L = check_positive_int(self.latent_dim, "latent_dim")
        hidden = nn.check_hidden_sizes(self.hidden_sizes)
        check_in(self.activation, "activation", tuple(nn.ACTIVATIONS))
        check_in(self.likelihood, "likelihood", ("bernoulli", "gaussian"))
        rng = check_random_state(random_state)
        self.encoder_ = nn.mlp(
            [D, *hidden, 2 * L],
            activation=self.activation,
            random_state=rng,
        )
        self.decoder_ = nn.mlp(
            [L, *hidden[::-1], D],
            activation=self.activation,
            random_state=rng,
        )
        self.log_noise_var_ = np.zeros(1)
        self.n_features_in_ = D
        return self

    def parameters(self):
        """All trainable arrays (encoder, decoder, and log σ² for a Gaussian
        likelihood).
        """
        extra = (
            [self.log_noise_var_] if self.likelihood == "gaussian" else []
        )
        return (
            self.encoder_.parameters() + self.decoder_.parameters() + extra
        )

    def gradients(self):
        """Gradients of the last ``elbo_and_gradients`` call, in the order
        of ``parameters``.
        """
        extra = (
            [self._grad_log_noise_var]
            if self.likelihood == "gaussian"
            else []
        )
        return self.encoder_.gradients() + self.decoder_.gradients() + extra

    # ------------------------------------------------------------ the model
    def encode(self, X):
        """The encoder's q(z | x) = 𝒩(μ, diag exp(log σ²)): returns
        ``(mu, log_var)``, each (N, L).
        """
        H = self.encoder_.forward(X)
        L = H.shape[1] // 2
        return H[:, :L], H[:, L:]

    def decode(self, Z):
        """Mean of p(x | z): Bernoulli probabilities sigmoid(a), or the
        Gaussian mean; (N, D).
        """
        out = self.decoder_.forward(Z)
        return nn.sigmoid(out) if self.likelihood == "bernoulli" else out

    def _log_lik(self, X, out):
        if self.likelihood == "bernoulli":
            return bernoulli_log_lik(X, out)
        return gaussian_log_lik(X, out, self.log_noise_var_[0])

    def _log_lik_and_grad(self, X, out):
        """log p(x | z) per row from the decoder output ``out``, its
        gradient with respect to ``out``, and (Gaussian likelihood) the
        squared residuals Σ_d (x_d − out_d)², else None."""
        if self.likelihood == "bernoulli":
            return bernoulli_log_lik(X, out), X - nn.sigmoid(out), None
        s2_log = self.log_noise_var_[0]
        sq = np.sum((X - out) ** 2, axis=1)
        log_lik = -0.5 * (
            X.shape[1] * (_LOG_2PI + s2_log) + sq * np.exp(-s2_log)
        )
        return log_lik, (X - out) * np.exp(-s2_log), sq

    def elbo_and_gradients(self, X, eps):
        """The ELBO of each row of X with the noise ``eps`` (N, L), and the
        gradients of the loss −mean(ELBO) with respect to every parameter
        (eqs. (vae-elbo-grad) in the chapter "Variational autoencoders").

        Forward: encoder → (μ, log σ²) → z = μ + σ ε → decoder → log p(x |
        z); the KL term is analytic. Backward runs the same path in reverse.
        Returns the ELBO, shape (N,); the gradients are left in the layers
        (see ``gradients``).
        """
        N = X.shape[0]
        mu, log_var = self.encode(X)
        std = np.exp(0.5 * log_var)
        Z = mu + std * eps
        log_lik, dlog_lik_dout, sq = self._log_lik_and_grad(
            X, self.decoder_.forward(Z)
        )
        if sq is not None:  # d/d(log σ²) of −mean(log_lik)
            self._grad_log_noise_var = np.array(
                [
                    np.mean(
                        0.5 * X.shape[1]
                        - 0.5 * sq * np.exp(-self.log_noise_var_[0])
                    )
                ]
            )
        elbo = log_lik - gaussian_kl(mu, log_var)
        # Backward pass of the loss −(1/N) Σ_n ELBO_n.
        grad_Z = self.decoder_.backward(-dlog_lik_dout / N)
        grad_mu = grad_Z + mu / N  # the KL term contributes ∂KL/∂μ = μ
        grad_log_var = (
            grad_Z * eps * 0.5 * std + 0.5 * (np.exp(log_var) - 1.0) / N
        )
        self.encoder_.backward(np.hstack([grad_mu, grad_log_var]))
        return elbo

    def iwae_and_gradients(self, X, eps):
        """The importance-weighted bound of each row of X with the noise
        ``eps`` (K, N, L), and the gradients of the loss −mean(bound) (Burda
        et al. 2016; eq.
        (vae-iwae-grad) in the chapter "Variational autoencoders").

        With z_k = μ + σ ⊙ ε_k, log w_k = log p(x | z_k) + log p(z_k) − log
        q(z_k | x) = log p(x | z_k) − ½‖z_k‖² + ½‖ε_k‖² + ½ Σ_l log σ_l²
        (the 2π terms cancel), and the bound is log (1/K) Σ_k w_k. Its
        gradient is Σ_k w̃_k ∇ log w_k with the normalised weights w̃_k = w_k
        / Σ_j w_j; through z_k, ∂ log w_k/∂μ = g_k and ∂ log w_k/∂ log σ² =
        ½ g_k ⊙ ε_k ⊙ σ + ½ with g_k = ∇_z log p(x | z_k) − z_k. K = 1 is
        the ELBO with a sampled, not analytic, KL term. Returns the bound,
        shape (N,); the gradients are left in the layers (see
        ``gradients``).
        """
        K, N, L = eps.shape
        mu, log_var = self.encode(X)
        std = np.exp(0.5 * log_var)
        Z = (mu + std * eps).reshape(K * N, L)
        XK = np.broadcast_to(X, (K, *X.shape)).reshape(K * N, -1)
        log_lik, dlog_lik_dout, sq = self._log_lik_and_grad(
            XK, self.decoder_.forward(Z)
        )
        log_w = (log_lik - 0.5 * np.sum(Z**2, axis=1)).reshape(K, N)
        log_w += 0.5 * np.sum(eps**2, axis=2) + 0.5 * np.sum(
            log_var, axis=1
        )
        bound = logsumexp(log_w, axis=0) - np.log(K)
        # d loss / d log w_k = −w̃_k / N with loss = −(1/N) Σ_n bound_n
        coef = (-np.exp(log_w - logsumexp(log_w, axis=0)) / N).reshape(
            K * N, 1
        )
        if sq is not None:
            dll_ds2 = -0.5 * XK.shape[1] + 0.5 * sq * np.exp(
                -self.log_noise_var_[0]
            )
            self._grad_log_noise_var = np.array(
                [np.sum(coef[:, 0] * dll_ds2)]
            )
        # prior term −½‖z‖²
        grad_Z = self.decoder_.backward(coef * dlog_lik_dout) - coef * Z
        grad_Z = grad_Z.reshape(K, N, L)
        grad_mu = grad_Z.sum(axis=0)
        # Σ_k w̃_k = 1
        grad_log_var = np.sum(grad_Z * eps, axis=0) * 0.5 * std - 0.5 / N
        self.encoder_.backward(np.hstack([grad_mu, grad_log_var]))
        return bound

    # ------------------------------------------------------------- training
    def fit(self, X, y=None):
        """Maximise the ELBO on X by Adam over shuffled mini-batches;
        returns self.

        Raises ``lvmteach.nn.TrainingDivergedError`` if the loss becomes NaN
        or infinite.
        """
        X = nn.check_data_scale(self._validate_data(X, reset=True))
        batch_size = check_positive_int(self.batch_size, "batch_size")
        n_epochs = check_positive_int(self.n_epochs, "n_epochs")
        lr = check_positive_scalar(self.learning_rate, "learning_rate")
        check_in(self.objective, "objective", ("elbo", "iwae"))
        K = check_positive_int(self.n_importance, "n_importance")
        rng = check_random_state(self.random_state)
        self.initialize(X.shape[1], rng)
        L = self.latent_dim
        optimizer = nn.Adam(learning_rate=lr)
        params = self.parameters()
        history = []
        for epoch in range(n_epochs):
            total = 0.0
            for idx in nn.minibatches(X.shape[0], batch_size, rng):
                # Overflow is detected below and reported as divergence, not
                # as a warning.
                with np.errstate(over="ignore", invalid="ignore"):
                    if self.objective == "elbo":
                        elbo = self.elbo_and_gradients(
                            X[idx], rng.standard_normal((len(idx), L))
                        )
                    else:
                        elbo = self.iwae_and_gradients(
                            X[idx], rng.standard_normal((K, len(idx), L))
                        )
                    batch_sum = float(np.sum(elbo))
                    finite = np.isfinite(batch_sum) and all(
                        np.isfinite(g).all() for g in self.gradients()
                    )
                if not finite:
                    raise nn.TrainingDivergedError(
                        f"VAE training diverged in epoch {epoch + 1}: the "
                        f"loss became {-batch_sum}. "
                        f"Lower learning_rate (now {lr:g}), standardise X, "
                        "or use a Bernoulli "
                        "likelihood for binary data"
                    )
                optimizer.step(params, self.gradients())
                total += batch_sum
            history.append(total / X.shape[0])
        self.history_ = np.asarray(history)
        self.n_iter_ = n_epochs
        return self

    # ------------------------------------------------------ using the model
    def transform(self, X):
        """The posterior means μ(x), shape (N, L): the VAE's counterpart of
        PCA scores.
        """
        check_is_fitted(self, "encoder_")
        return self.encode(self._validate_data(X))[0]

    def reconstruct(self, X):
        """decode(transform(X)): the mean of p(x | z = μ(x)), shape (N,
        D).
        """
        return self.decode(self.transform(X))

    def sample(self, n_samples=1, random_state=None, *, return_means=False):
        """Draw z ~ 𝒩(0, I) and x ~ p(x | z). Returns ``(X, Z)``; with
        ``return_means`` X holds the decoder means (probabilities for
        Bernoulli) instead of draws."""
        check_is_fitted(self, "decoder_")
        n = check_positive_int(n_samples, "n_samples")
        rng = check_random_state(random_state)
        Z = rng.standard_normal((n, self.latent_dim))
        means = self.decode(Z)
        if return_means:
            return means, Z
        if self.likelihood == "bernoulli":
            return (rng.uniform(size=means.shape) < means).astype(
                np.float64
            ), Z
        return means + np.exp(
            0.5 * self.log_noise_var_[0]
        ) * rng.standard_normal(means.shape), Z

    def elbo(self, X, random_state=None, n_samples=1, *, posterior=None):
        """A Monte-Carlo estimate of the ELBO of each row (N,), averaging
        ``n_samples`` draws.

        ``posterior=(mu, log_var)`` evaluates it for other Gaussians than
        the encoder's, e.g. the per-datapoint optimum of
        ``optimize_posterior``.
        """
        check_is_fitted(self, "encoder_")
        X = self._validate_data(X)
        rng = check_random_state(random_state)
        mu, log_var = self.encode(X) if posterior is None else posterior
        kl = gaussian_kl(mu, log_var)
        total = np.zeros(X.shape[0])
        for _ in range(check_positive_int(n_samples, "n_samples")):
            Z = reparameterize(mu, log_var, rng.standard_normal(mu.shape))
            total += self._log_lik(X, self.decoder_.forward(Z))
        return total / n_samples - kl

    def score_samples(self, X, n_importance=100, random_state=0):
        """Importance-weighted estimate of log p(x) per row (eq.
        (vae-iw) in the chapter "Variational autoencoders") (Burda et al.
        2016).

        log p(x) ≈ log (1/K) Σ_k p(x | z_k) p(z_k) / q(z_k | x), z_k ~ q(z |
        x). It is a lower bound in expectation that tightens as K grows (K =
        1 gives the ELBO).

        Each row gets its own K standard-normal draws ε_nk, from a generator
        seeded by ``random_state`` (0 by default) and the row's own values:
        the estimate for a row is reproducible and does not depend on which
        other rows are in the batch, or their order, while the errors of
        different rows stay independent, so their mean (``score``) averages
        them out.
        """
        import zlib

        check_is_fitted(self, "encoder_")
        X = self._validate_data(X)
        K = check_positive_int(n_importance, "n_importance")
        base = int(check_random_state(random_state).integers(2**32))
        mu, log_var = self.encode(X)
        L = mu.shape[1]
        draws = np.empty((K, X.shape[0], L))
        for n, row in enumerate(X):
            row_rng = np.random.default_rng(
                [base, zlib.crc32(np.ascontiguousarray(row).tobytes())]
            )
            draws[:, n] = row_rng.standard_normal((K, L))
        log_w = np.empty((K, X.shape[0]))
        for k in range(K):
            eps = draws[k]
            Z = reparameterize(mu, log_var, eps)
            log_prior = -0.5 * np.sum(Z**2 + _LOG_2PI, axis=1)
            log_q = -0.5 * np.sum(eps**2 + _LOG_2PI + log_var, axis=1)
            log_w[k] = (
                self._log_lik(X, self.decoder_.forward(Z))
                + log_prior
                - log_q
            )
        return logsumexp(log_w, axis=0) - np.log(K)

    def score(self, X, y=None, n_importance=100, random_state=0):
        """Mean importance-weighted log-likelihood per sample."""
        return float(
            np.mean(self.score_samples(X, n_importance, random_state))
        )


def gradient_estimates(
    model, x, n_samples=1000, random_state=None, *, return_samples=False
):
    """Single-sample estimates of ∇_μ E_q[log p(x | z)] for one data point,
    by two estimators.

    With q = 𝒩(μ, diag σ²) from the encoder at ``x`` (shape (D,)):

    * reparameterisation (eq.
      (vae-reparam-grad) in the chapter "Variational autoencoders"): ∇_z log
      p(x | z) at z = μ + σ ε;
    * score function / REINFORCE (eq. (vae-score-grad)): log p(x | z) ∇_μ
      log q(z) = log p(x | z) (z − μ) / σ².

    Both are unbiased; returns ``(reparam, score)``, each (n_samples, L),
    one estimate per row, so their variances can be compared. With
    ``return_samples=True`` it returns ``(reparam, score, log_lik, Z)``:
    also f(z) = log p(x | z) (n_samples,) and the samples z (n_samples, L),
    from which a baseline c gives the estimator (f(z) − c)(z − μ) / σ².
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
    if return_samples:
        return reparam, score, log_lik, Z
    return reparam, score


def optimize_posterior(
    model,
    X,
    n_steps=300,
    n_samples=16,
    learning_rate=0.05,
    random_state=None,
):
    """q*_x: the best diagonal Gaussian for each row of X *separately* (eq.
    (vae-gaps) in the chapter "Variational autoencoders").

    Starting from the encoder's (μ, log σ²), maximises each row's ELBO (1/S)
    Σ_s log p(x | μ + σ ⊙ ε_s) − KL(𝒩(μ, diag σ²) ‖ 𝒩(0, I)) by Adam, with
    ``n_samples`` fresh draws ε_s per step and the KL in closed form (eq.
    (vae-kl)). The gradients are those of ``VAE.elbo_and_gradients`` stopped
    at (μ, log σ²): ∂/∂μ = mean_s g_s − μ and ∂/∂log σ² = ½ σ ⊙ mean_s (g_s
    ⊙ ε_s) − ½(σ² − 1), with g_s = ∇_z log p(x | z_s). The rows are
    independent (Adam is elementwise), so all are optimised at once. The
    iterates of the second half are averaged (Polyak averaging), which
    removes most of the jitter that a fixed step size leaves in a stochastic
    optimisation. The decoder is not changed. Returns ``(mu, log_var)``,
    each (N, L); ELBO(q*) − ELBO(encoder) is the amortisation gap of the
    encoder.
    """
    check_is_fitted(model, "decoder_")
    X = model._validate_data(X)
    rng = check_random_state(random_state)
    S = check_positive_int(n_samples, "n_samples")
    mu, log_var = (a.copy() for a in model.encode(X))
    N, L = mu.shape
    XS = np.broadcast_to(X, (S, *X.shape)).reshape(S * N, -1)
    optimizer = nn.Adam(
        learning_rate=check_positive_scalar(learning_rate, "learning_rate")
    )
    n_steps = check_positive_int(n_steps, "n_steps")
    mean_mu, mean_log_var, n_avg = (
        np.zeros_like(mu),
        np.zeros_like(log_var),
        0,
    )
    for step in range(n_steps):
        eps = rng.standard_normal((S, N, L))
        std = np.exp(0.5 * log_var)
        _, dout, _ = model._log_lik_and_grad(
            XS, model.decoder_.forward((mu + std * eps).reshape(S * N, L))
        )
        g = model.decoder_.backward(dout).reshape(S, N, L)
        grad_mu = g.mean(axis=0) - mu
        grad_log_var = 0.5 * std * np.mean(g * eps, axis=0) - 0.5 * (
            std**2 - 1.0
        )
        # Adam minimises −ELBO
        optimizer.step([mu, log_var], [-grad_mu, -grad_log_var])
        if step >= n_steps // 2:
            n_avg += 1
            mean_mu += (mu - mean_mu) / n_avg
            mean_log_var += (log_var - mean_log_var) / n_avg
    return mean_mu, mean_log_var

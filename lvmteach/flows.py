"""Normalizing flows in NumPy: planar flows, affine coupling layers and
RealNVP.

Chapter "Normalizing flows" derives everything here. A flow is an
invertible, differentiable map between a simple base variable u ~ 𝒩(0, I)
and the variable of interest; by the change of variables formula (eq.
(flow-cov)) its density is

    log p(x) = log 𝒩(f(x) | 0, I) + log |det ∂f/∂x|.

Every layer here has

* ``forward(X) -> (Y, log_det)`` with ``log_det`` (N,) = log |det ∂Y/∂X| for
  each row,
* ``inverse(Y) -> (X, log_det)`` with the log-determinant of the inverse map
  (= −forward's),
* ``backward(grad_Y, grad_log_det) -> grad_X``, the chain rule for a loss
  that depends on both outputs of ``forward``; parameter gradients go to
  ``layer.grads`` (see ``lvmteach.nn``).

Directions follow the papers: in ``RealNVP`` (density estimation, (Dinh et
al. 2017)) ``forward`` maps data to the base (x → u), so log p(x) needs only
the forward pass and sampling runs the inverse. In ``PlanarFlow``
(variational inference, (Rezende and Mohamed 2015)) ``forward`` maps base
samples to the target (u → z), so sampling and the reverse KL need only the
forward pass.
"""

import numpy as np

from . import nn
from .base import BaseEstimator, TransformerMixin, check_is_fitted
from .datasets.toy2d import ENERGY_NAMES, energy
from .validation import (
    check_array,
    check_in,
    check_n_features,
    check_positive_int,
    check_positive_scalar,
    check_random_state,
)

__all__ = [
    "PlanarLayer",
    "AffineCoupling",
    "Permutation",
    "InvertibleLinear",
    "Flow",
    "PlanarFlow",
    "RealNVP",
    "MaskedDense",
    "made",
    "MaskedAutoregressive",
    "MAF",
    "IAF",
    "standard_normal_log_prob",
    "planar_constrain_u",
]

_LOG_2PI = np.log(2.0 * np.pi)


def standard_normal_log_prob(U):
    """log 𝒩(u | 0, I) for each row of U, shape (N,)."""
    return -0.5 * np.sum(U**2 + _LOG_2PI, axis=1)


# --------------------------------------------------------------------------
# Planar layers (section "Planar flows")
# --------------------------------------------------------------------------


def planar_constrain_u(u, w):
    """Rezende and Mohamed's û (their Appendix A.1, eq.
    (flow-planar-constraint) in the chapter "Normalizing flows").

    û = u + (m(wᵀu) − wᵀu) w / ‖w‖², m(a) = −1 + log(1 + e^a), so that wᵀû =
    m(wᵀu) > −1; this makes f(z) = z + û tanh(wᵀz + b) invertible.
    """
    a = w @ u
    return u + (-1.0 + nn.softplus(a) - a) * w / (w @ w)


class PlanarLayer(nn.Layer):
    """f(z) = z + û h(wᵀz + b), h = tanh (eq.
    (flow-planar) in the chapter "Normalizing flows"), with û from
    ``planar_constrain_u``.

    log |det ∂f/∂z| = log |1 + h'(wᵀz + b) wᵀû| (eq. (flow-planar-logdet)),
    by the matrix determinant lemma. The inverse has no closed form, but it
    reduces to one monotone scalar equation, solved by bisection in
    ``inverse``.
    """

    def __init__(self, D, *, random_state=None, scale=0.1):
        super().__init__()
        rng = check_random_state(random_state)
        self.params = {
            "u": scale * rng.standard_normal(D),
            "w": scale * rng.standard_normal(D),
            "b": np.zeros(1),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def _u_hat(self):
        return planar_constrain_u(self.params["u"], self.params["w"])

    def forward(self, Z):
        u_hat, w, b = self._u_hat(), self.params["w"], self.params["b"][0]
        h = np.tanh(Z @ w + b)
        c = 1.0 + (1.0 - h**2) * (w @ u_hat)  # > 0 because wᵀû > −1
        self._cache = (Z, h, c, u_hat)
        return Z + np.outer(h, u_hat), np.log(np.abs(c))

    def backward(self, grad_Y, grad_log_det):
        Z, h, c, u_hat = self._cache
        u, w = self.params["u"], self.params["w"]
        s = w @ u_hat
        dh = 1.0 - h**2
        # a = wᵀz + b enters through h in Y and through h' in log c.
        grad_a = (grad_Y @ u_hat) * dh + grad_log_det / c * (
            -2.0 * h * dh * s
        )
        grad_s = np.sum(grad_log_det / c * dh)  # s = wᵀû
        grad_u_hat = grad_Y.T @ h + grad_s * w
        grad_w = Z.T @ grad_a + grad_s * u_hat
        self.grads["b"] = np.array([grad_a.sum()])
        # Chain rule through û = u + κ(wᵀu, ‖w‖²) w, κ = (m(α) − α) / ‖w‖².
        alpha, ww = w @ u, w @ w
        kappa = (-1.0 + nn.softplus(alpha) - alpha) / ww
        dkappa_dalpha = (nn.sigmoid(alpha) - 1.0) / ww
        dkappa_dww = -kappa / ww
        g_dot_w = grad_u_hat @ w
        self.grads["u"] = grad_u_hat + g_dot_w * dkappa_dalpha * w
        self.grads["w"] = (
            grad_w
            + kappa * grad_u_hat
            + g_dot_w * (dkappa_dalpha * u + 2.0 * dkappa_dww * w)
        )
        return grad_Y + np.outer(grad_a, w)

    def inverse(self, Y, n_bisect=100):
        """Solve y = z + û tanh(wᵀz + b) for z.

        Writing α = wᵀz, the equation wᵀy = α + (wᵀû) tanh(α + b) is
        monotone in α (because wᵀû > −1) with the root within |wᵀû| of wᵀy,
        so bisection finds it; then z = y − û tanh(α + b).
        """
        u_hat, w, b = self._u_hat(), self.params["w"], self.params["b"][0]
        s, target = w @ u_hat, Y @ w
        lo, hi = target - abs(s) - 1e-12, target + abs(s) + 1e-12
        for _ in range(n_bisect):
            mid = 0.5 * (lo + hi)
            below = mid + s * np.tanh(mid + b) < target
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        alpha = 0.5 * (lo + hi)
        h = np.tanh(alpha + b)
        return Y - np.outer(h, u_hat), -np.log(
            np.abs(1.0 + (1.0 - h**2) * s)
        )


# --------------------------------------------------------------------------
# Coupling layers and mixing (section "Coupling layers")
# --------------------------------------------------------------------------


class AffineCoupling(nn.Layer):
    """RealNVP's affine coupling layer (eq.
    (flow-coupling) in the chapter "Normalizing flows") (Dinh et al. 2017).

    The first ``d`` coordinates pass unchanged and parameterise an
    elementwise affine map of the rest: y_{1:d} = x_{1:d}, y_{d+1:D} =
    x_{d+1:D} ⊙ exp(s) + t with (s̃, t) = NN(x_{1:d}) and s = tanh(s̃)
    (bounded scales keep training stable). The Jacobian is triangular, so
    log |det| = Σ s (eq. (flow-coupling-logdet)), and the inverse is
    x_{d+1:D} = (y_{d+1:D} − t) ⊙ exp(−s): neither needs to invert the
    network.
    """

    def __init__(
        self,
        D,
        d=None,
        hidden_sizes=(32, 32),
        *,
        activation="tanh",
        random_state=None,
        last_scale=0.0,
    ):
        super().__init__()
        self.d = D // 2 if d is None else d
        if not 0 < self.d < D:
            raise ValueError(
                f"the split d must satisfy 0 < d < D = {D}, got {self.d}"
            )
        self.net = nn.mlp(
            [self.d, *hidden_sizes, 2 * (D - self.d)],
            activation=activation,
            random_state=random_state,
            last_scale=last_scale,
        )
        # The network's parameters are this layer's parameters.
        self.params = {
            f"{i}{k}": layer.params[k]
            for i, layer in enumerate(self.net.layers)
            for k in layer.params
        }

    def _s_t(self, Xa):
        out = self.net.forward(Xa)
        k = out.shape[1] // 2
        return np.tanh(out[:, :k]), out[:, k:]

    def forward(self, X):
        Xa, Xb = X[:, : self.d], X[:, self.d :]
        s, t = self._s_t(Xa)
        es = np.exp(s)
        self._cache = (Xb, s, es)
        return np.hstack([Xa, Xb * es + t]), s.sum(axis=1)

    def backward(self, grad_Y, grad_log_det):
        Xb, s, es = self._cache
        grad_a, grad_yb = grad_Y[:, : self.d], grad_Y[:, self.d :]
        grad_s = grad_yb * Xb * es + grad_log_det[:, None]
        grad_out = np.hstack([grad_s * (1.0 - s**2), grad_yb])
        grad_Xa = grad_a + self.net.backward(grad_out)
        self.grads = {
            f"{i}{k}": layer.grads[k]
            for i, layer in enumerate(self.net.layers)
            for k in layer.params
        }
        return np.hstack([grad_Xa, grad_yb * es])

    def inverse(self, Y):
        Ya, Yb = Y[:, : self.d], Y[:, self.d :]
        s, t = self._s_t(Ya)
        return np.hstack([Ya, (Yb - t) * np.exp(-s)]), -s.sum(axis=1)


class Permutation(nn.Layer):
    """Reorder the coordinates, y = x[:, perm] (|det| = 1), so that the next
    coupling layer transforms the coordinates this one left alone."""

    def __init__(self, perm):
        super().__init__()
        self.perm = np.asarray(perm)
        self.inv_perm = np.argsort(self.perm)

    def forward(self, X):
        return X[:, self.perm], np.zeros(X.shape[0])

    def backward(self, grad_Y, grad_log_det):
        return grad_Y[:, self.inv_perm]

    def inverse(self, Y):
        return Y[:, self.inv_perm], np.zeros(Y.shape[0])


class InvertibleLinear(nn.Layer):
    """Glow's learned "1×1 convolution" (Kingma and Dhariwal 2018) on
    vectors: y = x W, log |det| = log |det W|.

    A learned generalisation of ``Permutation``. Initialised at a random
    rotation. Glow stores W = P L (U + diag(s)) so that log |det W| = Σ log
    |s_i| costs O(D); here D is small and ``numpy.linalg.slogdet`` (an LU
    factorisation) is used directly. ∂ log|det W| / ∂W = W⁻ᵀ.
    """

    def __init__(self, D, *, random_state=None):
        super().__init__()
        rng = check_random_state(random_state)
        Q, R = np.linalg.qr(rng.standard_normal((D, D)))
        self.params = {"W": Q * np.sign(np.diag(R))}
        self.grads = {"W": np.zeros((D, D))}

    def forward(self, X):
        self._X = X
        log_det = np.linalg.slogdet(self.params["W"])[1]
        return X @ self.params["W"], np.full(X.shape[0], log_det)

    def backward(self, grad_Y, grad_log_det):
        W = self.params["W"]
        self.grads["W"] = (
            self._X.T @ grad_Y + grad_log_det.sum() * np.linalg.inv(W).T
        )
        return grad_Y @ W.T

    def inverse(self, Y):
        W = self.params["W"]
        return np.linalg.solve(W.T, Y.T).T, np.full(
            Y.shape[0], -np.linalg.slogdet(W)[1]
        )


class Flow(nn.Layer):
    """A composition of flow layers: log-determinants add up (eq.
    (flow-compose) in the chapter "Normalizing flows").
    """

    def __init__(self, layers):
        super().__init__()
        self.layers = list(layers)

    def forward(self, X):
        log_det = np.zeros(X.shape[0])
        for layer in self.layers:
            X, ld = layer.forward(X)
            log_det += ld
        return X, log_det

    def backward(self, grad_Y, grad_log_det):
        for layer in reversed(self.layers):
            grad_Y = layer.backward(grad_Y, grad_log_det)
        return grad_Y

    def inverse(self, Y):
        log_det = np.zeros(Y.shape[0])
        for layer in reversed(self.layers):
            Y, ld = layer.inverse(Y)
            log_det += ld
        return Y, log_det

    def parameters(self):
        return [
            layer.params[k]
            for layer in self.layers
            for k in sorted(layer.params)
        ]

    def gradients(self):
        return [
            layer.grads[k]
            for layer in self.layers
            for k in sorted(layer.params)
        ]


def _train(flow, loss_and_grads, n_steps, lr, what):
    """Adam on ``loss_and_grads(step) -> loss`` (it runs the backward pass);
    returns the losses.
    """
    optimizer = nn.Adam(learning_rate=lr)
    params = flow.parameters()
    losses = np.empty(n_steps)
    for step in range(n_steps):
        # reported as divergence below
        with np.errstate(over="ignore", invalid="ignore"):
            loss = loss_and_grads(step)
            finite = np.isfinite(loss) and all(
                np.isfinite(g).all() for g in flow.gradients()
            )
        if not finite:
            raise nn.TrainingDivergedError(
                f"{what} training diverged at step {step + 1}: the loss "
                f"became {loss}; lower learning_rate (now {lr:g})"
            )
        optimizer.step(params, flow.gradients())
        losses[step] = loss
    return losses


# --------------------------------------------------------------------------
# RealNVP: density estimation by maximum likelihood (section "RealNVP on two
# moons")
# --------------------------------------------------------------------------


class RealNVP(TransformerMixin, BaseEstimator):
    """A stack of affine couplings separated by permutations (or Glow's
    invertible linear maps).

    Fitted by maximum likelihood: the loss is −(1/N) Σ_n [log 𝒩(f(x_n)) +
    log |det ∂f/∂x_n|] (eq. (flow-ml) in the chapter "Normalizing flows").
    ``forward`` = ``transform`` maps data to the base; ``sample`` runs the
    inverse.

    Parameters
    ----------
    n_couplings : int
    hidden_sizes : tuple of int
        Hidden widths of each coupling network.
    mixing : {'reverse', 'linear'}
        Between couplings: reverse the coordinates, or a learned invertible
        linear map (Glow).
    learning_rate, batch_size, n_epochs : float, int, int
        Adam's step, mini-batch size, passes over the data.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    flow_ : Flow
    history_ : ndarray of shape (n_epochs,)
        Mean log-likelihood per sample (nats) over each epoch's
        mini-batches.
    """

    def __init__(
        self,
        n_couplings=6,
        hidden_sizes=(32, 32),
        *,
        mixing="reverse",
        activation="tanh",
        learning_rate=3e-3,
        batch_size=128,
        n_epochs=100,
        random_state=None,
    ):
        self.n_couplings = n_couplings
        self.hidden_sizes = hidden_sizes
        self.mixing = mixing
        self.activation = activation
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.random_state = random_state

    def initialize(self, D, random_state=None, last_scale=0.0):
        """Build the flow for D features (``fit`` calls this;
        ``last_scale=0`` starts at the identity).
        """
        if D < 2:
            raise ValueError(
                f"X has {D} feature(s), but RealNVP needs at least 2 "
                "features: a coupling layer splits the coordinates "
                "in two"
            )
        K = check_positive_int(self.n_couplings, "n_couplings")
        check_in(self.mixing, "mixing", ("reverse", "linear"))
        check_in(self.activation, "activation", tuple(nn.ACTIVATIONS))
        hidden = nn.check_hidden_sizes(self.hidden_sizes)
        rng = check_random_state(random_state)
        layers = []
        for k in range(K):
            layers.append(
                AffineCoupling(
                    D,
                    hidden_sizes=hidden,
                    activation=self.activation,
                    random_state=rng,
                    last_scale=last_scale,
                )
            )
            if k < K - 1:
                layers.append(
                    Permutation(np.arange(D)[::-1])
                    if self.mixing == "reverse"
                    else InvertibleLinear(D, random_state=rng)
                )
        self.flow_ = Flow(layers)
        self.n_features_in_ = D
        return self

    def loss_and_gradients(self, X):
        """−mean log p(x) over the rows of X, and its gradients (left in
        ``flow_``).
        """
        N = X.shape[0]
        U, log_det = self.flow_.forward(X)
        log_p = standard_normal_log_prob(U) + log_det
        self.flow_.backward(U / N, np.full(N, -1.0 / N))
        return -float(np.mean(log_p))

    def fit(self, X, y=None):
        """Maximum likelihood by Adam over mini-batches; returns self."""
        X = nn.check_data_scale(check_array(X, min_samples=2))
        batch_size = check_positive_int(self.batch_size, "batch_size")
        n_epochs = check_positive_int(self.n_epochs, "n_epochs")
        lr = check_positive_scalar(self.learning_rate, "learning_rate")
        rng = check_random_state(self.random_state)
        self.initialize(X.shape[1], rng)
        batches = []

        def step(i):
            if not batches:
                batches.extend(nn.minibatches(X.shape[0], batch_size, rng))
            return self.loss_and_gradients(X[batches.pop()])

        n_batches = len(
            nn.minibatches(X.shape[0], batch_size, np.random.default_rng(0))
        )
        losses = _train(
            self.flow_, step, n_epochs * n_batches, lr, "RealNVP"
        )
        self.history_ = -losses.reshape(n_epochs, n_batches).mean(axis=1)
        self.n_iter_ = n_epochs
        return self

    def _check(self, X):
        check_is_fitted(self, "flow_")
        return check_n_features(check_array(X), self.n_features_in_)

    def transform(self, X):
        """u = f(x), the data mapped to the base space, shape (N, D)."""
        X = self._check(X)
        return self.flow_.forward(X)[0]

    def inverse_transform(self, U):
        """x = f⁻¹(u), shape (N, D)."""
        U = self._check(U)
        return self.flow_.inverse(U)[0]

    def score_samples(self, X):
        """log p(x) per row (eq.
        (flow-cov) in the chapter "Normalizing flows"), shape (N,).
        """
        X = self._check(X)
        U, log_det = self.flow_.forward(X)
        return standard_normal_log_prob(U) + log_det

    def score(self, X, y=None):
        return float(np.mean(self.score_samples(X)))

    def sample(self, n_samples=1, random_state=None):
        """Draw u ~ 𝒩(0, I) and return x = f⁻¹(u), shape (n_samples, D)."""
        check_is_fitted(self, "flow_")
        rng = check_random_state(random_state)
        U = rng.standard_normal(
            (
                check_positive_int(n_samples, "n_samples"),
                self.n_features_in_,
            )
        )
        return self.flow_.inverse(U)[0]


# --------------------------------------------------------------------------
# Planar flows: variational inference by reverse KL (section "Planar flows")
# --------------------------------------------------------------------------


class PlanarFlow(BaseEstimator):
    """q_K: the density of z_K = f_K ∘ … ∘ f_1(z_0), z_0 ~ 𝒩(0, I), with
    planar layers f_k.

    ``fit`` minimises the reverse KL to an unnormalised target p(z) ∝
    exp(−U(z)) (eq. (flow-reverse-kl) in the chapter "Normalizing flows"),
    up to the constant log Z:

        F = E_{z_0}[log 𝒩(z_0) − Σ_k log |det ∂f_k/∂z_{k−1}| + β U(z_K)],

    estimated with ``batch_size`` samples per step. β rises linearly from
    0.01 to 1 over the first ``warmup`` steps (the annealing of Rezende and
    Mohamed, which helps q spread over all modes before it commits to one).

    Parameters
    ----------
    n_layers : int
    D : int
        Dimension of z (2 for the U1-U4 targets).
    learning_rate, batch_size, n_iter, warmup : optimisation settings.
    random_state : None, int or numpy.random.Generator

    Attributes
    ----------
    flow_ : Flow
    history_ : ndarray of shape (n_iter,)
        The estimate of F at each step (β U included).
    """

    def __init__(
        self,
        n_layers=16,
        *,
        D=2,
        learning_rate=1e-2,
        batch_size=256,
        n_iter=2000,
        warmup=0,
        random_state=None,
    ):
        self.n_layers = n_layers
        self.D = D
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.warmup = warmup
        self.random_state = random_state

    def initialize(self, random_state=None, scale=0.1):
        """Build the flow (``fit`` calls this); returns self."""
        K = check_positive_int(self.n_layers, "n_layers")
        D = check_positive_int(self.D, "D")
        rng = check_random_state(random_state)
        self.flow_ = Flow(
            [
                PlanarLayer(D, random_state=rng, scale=scale)
                for _ in range(K)
            ]
        )
        return self

    def loss_and_gradients(self, Z0, energy_fn, beta=1.0):
        """The Monte-Carlo estimate of F on the base samples Z0 (N, D);
        gradients left in ``flow_``.

        ``energy_fn(Z) -> (U, ∇U)``.
        """
        N = Z0.shape[0]
        ZK, log_det = self.flow_.forward(Z0)
        U, grad_U = energy_fn(ZK)
        F = standard_normal_log_prob(Z0) - log_det + beta * U
        self.flow_.backward(beta * grad_U / N, np.full(N, -1.0 / N))
        return float(np.mean(F))

    def fit(self, target="U1"):
        """Fit q_K to exp(−U) with ``target`` in 'U1'..'U4' or a callable Z
        -> (U, ∇U); returns self.

        A name means ``lvmteach.datasets.toy2d.energy`` with
        ``confine=True`` (U2-U4 are improper without the soft wall at |z₁| =
        4).
        """
        if isinstance(target, str):
            check_in(target, "target", ENERGY_NAMES)
            if self.D != 2:
                raise ValueError(
                    f"the targets U1-U4 are 2-D; set D=2 (got D={self.D})"
                )
            name = target
            energy_fn = lambda Z: energy(
                Z, name, confine=True, return_grad=True
            )  # noqa: E731
        elif callable(target):
            energy_fn = target
        else:
            raise ValueError(
                f"target must be one of {list(ENERGY_NAMES)} or a "
                f"callable Z -> (U, grad U), got {target!r}"
            )
        n_iter = check_positive_int(self.n_iter, "n_iter")
        batch_size = check_positive_int(self.batch_size, "batch_size")
        warmup = check_positive_int(self.warmup, "warmup", minimum=0)
        lr = check_positive_scalar(self.learning_rate, "learning_rate")
        rng = check_random_state(self.random_state)
        self.initialize(rng)

        def step(i):
            beta = min(1.0, 0.01 + i / warmup) if warmup else 1.0
            return self.loss_and_gradients(
                rng.standard_normal((batch_size, self.D)), energy_fn, beta
            )

        self.history_ = _train(self.flow_, step, n_iter, lr, "PlanarFlow")
        self.n_iter_ = n_iter
        return self

    def sample(self, n_samples=1, random_state=None):
        """z_K for z_0 ~ 𝒩(0, I): returns ``(Z, log_q)`` with log q_K(z_K) =
        log 𝒩(z_0) − Σ log|det|.
        """
        check_is_fitted(self, "flow_")
        rng = check_random_state(random_state)
        Z0 = rng.standard_normal(
            (check_positive_int(n_samples, "n_samples"), self.D)
        )
        ZK, log_det = self.flow_.forward(Z0)
        return ZK, standard_normal_log_prob(Z0) - log_det

    def score_samples(self, Z):
        """log q_K(z) at given points, through the inverse (bisection in
        each planar layer).
        """
        check_is_fitted(self, "flow_")
        Z = check_n_features(check_array(Z, name="Z"), self.D, name="Z")
        Z0, log_det_inv = self.flow_.inverse(Z)
        return standard_normal_log_prob(Z0) + log_det_inv


# --------------------------------------------------------------------------
# Autoregressive flows: MADE, MAF and IAF (section "Autoregressive flows")
# --------------------------------------------------------------------------


class MaskedDense(nn.Dense):
    """A dense layer whose weight matrix is multiplied by a fixed 0/1
    ``mask`` (n_in, n_out).

    Y = X (W ⊙ mask) + b: output j depends only on the inputs i with
    ``mask[i, j] = 1``. The masked weights start at zero and get zero
    gradients, so Adam never moves them.
    """

    def __init__(self, mask, *, random_state=None, scale=1.0):
        mask = np.asarray(mask, dtype=np.float64)
        super().__init__(
            *mask.shape, random_state=random_state, scale=scale
        )
        self.mask = mask
        self.params["W"] *= mask

    def forward(self, X):
        self._X = X
        return nn.dense_forward(
            X, self.params["W"] * self.mask, self.params["b"]
        )

    def backward(self, grad_Y):
        grad_X, grad_W, self.grads["b"] = nn.dense_backward(
            grad_Y, self._X, self.params["W"] * self.mask
        )
        self.grads["W"] = grad_W * self.mask
        return grad_X


def made(
    D,
    hidden_sizes=(32, 32),
    n_outputs_per_input=2,
    *,
    activation="tanh",
    random_state=None,
    last_scale=0.0,
):
    """MADE (Germain et al. 2015): an MLP from D inputs to
    ``n_outputs_per_input`` × D outputs in which output block k, coordinate
    d depends only on inputs 1, ..., d − 1 (eq.
    (flow-made) in the chapter "Normalizing flows").

    Inputs have degrees m(i) = i (1..D); hidden unit j of every layer has
    degree 1 + (j mod (D − 1)) (all of 1..D−1 are used); a connection from
    degree m to degree m' is kept if m' ≥ m between hidden layers (and from
    the inputs), and if m' > m into the outputs, whose degrees are those of
    their coordinates. Any path from input i to output d then has i ≤ ... <
    d. The output is ordered [block 0 (D), block 1 (D), ...].
    """
    if D < 2:
        raise ValueError("MADE needs at least 2 inputs")
    rng = check_random_state(random_state)
    degrees = [np.arange(1, D + 1)] + [
        1 + np.arange(h) % (D - 1) for h in hidden_sizes
    ]
    layers = []
    for m_in, m_out in zip(degrees[:-1], degrees[1:]):
        layers.append(
            MaskedDense(m_out[None, :] >= m_in[:, None], random_state=rng)
        )
        layers.append(nn.ACTIVATIONS[activation]())
    m_last = np.tile(np.arange(1, D + 1), n_outputs_per_input)
    layers.append(
        MaskedDense(
            m_last[None, :] > degrees[-1][:, None],
            random_state=rng,
            scale=last_scale,
        )
    )
    return nn.Sequential(layers)


class MaskedAutoregressive(nn.Layer):
    """An affine autoregressive layer (MAF (Papamakarios et al. 2017); IAF
    (Kingma et al. 2016)).

    y_d = x_d exp(s_d(x_<d)) + t_d(x_<d) for every d at once (eq.
    (flow-autoregressive) in the chapter "Normalizing flows"), with (s̃, t)
    from a MADE network of x and s = tanh(s̃). The Jacobian ∂y/∂x is lower
    triangular with diagonal exp(s), so log |det| = Σ_d s_d. ``forward`` is
    one pass of the network; ``inverse`` must recover x_1, x_2, ... in turn
    (x_d needs x_<d), D passes.

    Used data → base (``MAF``) this is a masked autoregressive flow: density
    in one pass, sampling in D. Used base → sample (``IAF``) the same layer
    is an inverse autoregressive flow: sampling and the density of its own
    samples in one pass, the density of other points in D. (AffineCoupling
    is the special case in which s_d and t_d are constant for d ≤ d₀ and
    depend only on x_1..x_d₀ for d > d₀.)
    """

    def __init__(
        self,
        D,
        hidden_sizes=(32, 32),
        *,
        activation="tanh",
        random_state=None,
        last_scale=0.0,
    ):
        super().__init__()
        self.D = D
        self.net = made(
            D,
            hidden_sizes,
            2,
            activation=activation,
            random_state=random_state,
            last_scale=last_scale,
        )
        self.params = {
            f"{i}{k}": layer.params[k]
            for i, layer in enumerate(self.net.layers)
            for k in layer.params
        }

    def _s_t(self, X):
        out = self.net.forward(X)
        return np.tanh(out[:, : self.D]), out[:, self.D :]

    def forward(self, X):
        s, t = self._s_t(X)
        es = np.exp(s)
        self._cache = (X, s, es)
        return X * es + t, s.sum(axis=1)

    def backward(self, grad_Y, grad_log_det):
        X, s, es = self._cache
        grad_s = grad_Y * X * es + grad_log_det[:, None]
        grad_X = grad_Y * es + self.net.backward(
            np.hstack([grad_s * (1.0 - s**2), grad_Y])
        )
        self.grads = {
            f"{i}{k}": layer.grads[k]
            for i, layer in enumerate(self.net.layers)
            for k in layer.params
        }
        return grad_X

    def inverse(self, Y):
        X = np.zeros_like(Y)
        # x_d = (y_d − t_d(x_<d)) exp(−s_d(x_<d)), in order
        for d in range(self.D):
            s, t = self._s_t(X)
            X[:, d] = (Y[:, d] - t[:, d]) * np.exp(-s[:, d])
        s, _ = self._s_t(X)
        return X, -s.sum(axis=1)


def _autoregressive_stack(
    D, n_layers, hidden_sizes, activation, rng, last_scale
):
    layers = []
    for k in range(n_layers):
        layers.append(
            MaskedAutoregressive(
                D,
                hidden_sizes,
                activation=activation,
                random_state=rng,
                last_scale=last_scale,
            )
        )
        # reverse the order, so that each coordinate conditions on the
        # others in turn
        if k < n_layers - 1:
            layers.append(Permutation(np.arange(D)[::-1]))
    return Flow(layers)


class MAF(RealNVP):
    """Masked autoregressive flow (Papamakarios et al. 2017):
    ``MaskedAutoregressive`` layers with reversals between them, fitted by
    maximum likelihood like ``RealNVP`` (``n_couplings`` is the number of
    autoregressive layers). ``forward`` maps data to the base in one pass
    per layer; ``sample`` inverts each layer in D passes.
    """

    def __init__(
        self,
        n_couplings=5,
        hidden_sizes=(32, 32),
        *,
        activation="tanh",
        learning_rate=3e-3,
        batch_size=128,
        n_epochs=100,
        random_state=None,
    ):
        super().__init__(
            n_couplings,
            hidden_sizes,
            mixing="reverse",
            activation=activation,
            learning_rate=learning_rate,
            batch_size=batch_size,
            n_epochs=n_epochs,
            random_state=random_state,
        )

    def initialize(self, D, random_state=None, last_scale=0.0):
        """Build the flow for D ≥ 2 features, starting at the identity;
        returns self.
        """
        if D < 2:
            raise ValueError("MAF needs at least 2 features")
        K = check_positive_int(self.n_couplings, "n_couplings")
        check_in(self.activation, "activation", tuple(nn.ACTIVATIONS))
        hidden = tuple(
            check_positive_int(h, "each entry of hidden_sizes")
            for h in self.hidden_sizes
        )
        self.flow_ = _autoregressive_stack(
            D,
            K,
            hidden,
            self.activation,
            check_random_state(random_state),
            last_scale,
        )
        self.n_features_in_ = D
        return self


class IAF(PlanarFlow):
    """Inverse autoregressive flow (Kingma et al. 2016) as a variational
    family: q_K is the density of z_K = f_K ∘ … ∘ f_1(z_0), z_0 ~ 𝒩(0, I),
    with ``MaskedAutoregressive`` layers f_k used base → sample, fitted by
    the reverse KL exactly as ``PlanarFlow``. ``sample`` returns z_K and log
    q_K(z_K) in one pass per layer; ``score_samples`` at other points
    inverts every layer (D passes each).
    """

    def __init__(
        self,
        n_layers=4,
        hidden_sizes=(32, 32),
        *,
        D=2,
        learning_rate=1e-2,
        batch_size=256,
        n_iter=2000,
        warmup=0,
        random_state=None,
    ):
        super().__init__(
            n_layers,
            D=D,
            learning_rate=learning_rate,
            batch_size=batch_size,
            n_iter=n_iter,
            warmup=warmup,
            random_state=random_state,
        )
        self.hidden_sizes = hidden_sizes

    def initialize(self, random_state=None, scale=0.0):
        """Build the flow at the identity (``scale`` multiplies the last
        weights); returns self.
        """
        K = check_positive_int(self.n_layers, "n_layers")
        D = check_positive_int(self.D, "D", minimum=2)
        hidden = tuple(
            check_positive_int(h, "each entry of hidden_sizes")
            for h in self.hidden_sizes
        )
        self.flow_ = _autoregressive_stack(
            D, K, hidden, "tanh", check_random_state(random_state), scale
        )
        return self

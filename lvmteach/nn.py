"""A minimal neural-network toolkit in NumPy, with every gradient written
out.

Chapter "Variational autoencoders" (section "Networks with explicit
gradients") derives the backward passes here; chapter "Normalizing flows"
reuses them for the coupling layers. There is no automatic differentiation:
each layer stores what its forward pass needs and its ``backward`` applies
the chain rule by hand, so a reader can see every gradient. Because
hand-written gradients are easy to get wrong, ``check_gradients`` compares
them with central finite differences; the tests run it on every layer and
every model.

Conventions (as in the book's notation): a batch ``X`` is (N, D_in), one row
per sample; a dense layer computes ``Y = X W + b`` with ``W`` of shape
(D_in, D_out). A layer's parameters live in the dict ``layer.params`` and
the gradients of the loss with respect to them, after ``backward``, in
``layer.grads`` under the same names: these dicts are the parameter
containers that ``Adam`` updates in place.
"""

import numbers

import numpy as np

from .exceptions import TrainingDivergedError  # noqa: F401  (re-exported: nn.TrainingDivergedError)
from .numerics import softplus  # noqa: F401  (re-exported: nn.softplus)
from .validation import check_option, check_positive_int, check_random_state

__all__ = [
    "TrainingDivergedError",
    "dense_forward",
    "dense_backward",
    "tanh_backward",
    "relu_backward",
    "Layer",
    "Dense",
    "Tanh",
    "ReLU",
    "Sigmoid",
    "Softplus",
    "Sequential",
    "mlp",
    "Adam",
    "minibatches",
    "softplus",
    "sigmoid",
    "numerical_gradient",
    "check_gradients",
    "layer_gradient_error",
]




# --------------------------------------------------------------------------
# Elementwise functions, computed stably
# --------------------------------------------------------------------------


def sigmoid(a):
    """``1 / (1 + exp(-a))`` without overflow for large ``|a|``."""
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# --------------------------------------------------------------------------
# The dense layer and activations as short functions (section "Networks with
# explicit gradients")
# --------------------------------------------------------------------------


def dense_forward(X, W, b):
    """Dense (affine) layer ``Y = X W + b`` (eq.
    (vae-dense) in the chapter "Variational autoencoders"). X (N, D_in), W
    (D_in, D_out).
    """
    return X @ W + b


def dense_backward(grad_Y, X, W):
    """Backward pass of ``dense_forward`` (eq.
    (vae-dense-grad) in the chapter "Variational autoencoders").

    Given ``grad_Y`` = ∂L/∂Y (N, D_out), returns
    ``(grad_X, grad_W, grad_b)``: ∂L/∂X = (∂L/∂Y) Wᵀ, ∂L/∂W = Xᵀ (∂L/∂Y) and
    ∂L/∂b = Σ_n ∂L/∂Y_n (the bias is added to every row, so its gradient
    sums over rows).
    """
    return grad_Y @ W.T, X.T @ grad_Y, grad_Y.sum(axis=0)


def tanh_backward(grad_Y, Y):
    """Backward pass of ``Y = tanh(A)``: ∂L/∂A = ∂L/∂Y ⊙ (1 − Y²), from the
    output Y.
    """
    return grad_Y * (1.0 - Y**2)


def relu_backward(grad_Y, A):
    """Backward pass of ``Y = max(A, 0)``: ∂L/∂A = ∂L/∂Y where A > 0, else
    0.
    """
    return grad_Y * (A > 0)


# --------------------------------------------------------------------------
# Layers: forward caches what backward needs
# --------------------------------------------------------------------------


class Layer:
    """A differentiable map. ``forward(X)`` returns Y and caches;
    ``backward(grad_Y)`` returns ∂L/∂X and fills ``self.grads`` (same keys
    as ``self.params``)."""

    def __init__(self):
        self.params = {}
        self.grads = {}

    def forward(self, X):
        raise NotImplementedError

    def backward(self, grad_Y):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class Dense(Layer):
    """``Y = X W + b`` with ``W`` (n_in, n_out) initialised by Glorot's
    uniform rule.

    ``scale`` multiplies the initial weights (0 gives an all-zero layer,
    used for the last layer of a coupling network so that a new flow starts
    at the identity).
    """

    def __init__(self, n_in, n_out, *, random_state=None, scale=1.0):
        super().__init__()
        rng = check_random_state(random_state)
        limit = np.sqrt(6.0 / (n_in + n_out))
        self.params = {
            "W": scale * rng.uniform(-limit, limit, size=(n_in, n_out)),
            "b": np.zeros(n_out),
        }
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, X):
        self._X = X
        return dense_forward(X, self.params["W"], self.params["b"])

    def backward(self, grad_Y):
        grad_X, self.grads["W"], self.grads["b"] = dense_backward(
            grad_Y, self._X, self.params["W"]
        )
        return grad_X

    def __repr__(self):
        return (
            f"Dense({self.params['W'].shape[0]}, "
            f"{self.params['W'].shape[1]})"
        )


class Tanh(Layer):
    """``Y = tanh(X)``."""

    def forward(self, X):
        self._Y = np.tanh(X)
        return self._Y

    def backward(self, grad_Y):
        return tanh_backward(grad_Y, self._Y)


class ReLU(Layer):
    """``Y = max(X, 0)``."""

    def forward(self, X):
        self._X = X
        return np.maximum(X, 0.0)

    def backward(self, grad_Y):
        return relu_backward(grad_Y, self._X)


class Sigmoid(Layer):
    """``Y = 1 / (1 + exp(−X))``; ∂Y/∂X = Y (1 − Y)."""

    def forward(self, X):
        self._Y = sigmoid(X)
        return self._Y

    def backward(self, grad_Y):
        return grad_Y * self._Y * (1.0 - self._Y)


class Softplus(Layer):
    """``Y = log(1 + exp(X))``, a smooth ReLU; ∂Y/∂X = sigmoid(X)."""

    def forward(self, X):
        self._X = X
        return softplus(X)

    def backward(self, grad_Y):
        return grad_Y * sigmoid(self._X)


ACTIVATIONS = {
    "tanh": Tanh,
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "softplus": Softplus,
}


class Sequential(Layer):
    """Layers applied in order; backward runs them in reverse (the chain
    rule).
    """

    def __init__(self, layers):
        super().__init__()
        self.layers = list(layers)

    def forward(self, X):
        for layer in self.layers:
            X = layer.forward(X)
        return X

    def backward(self, grad_Y):
        for layer in reversed(self.layers):
            grad_Y = layer.backward(grad_Y)
        return grad_Y

    def parameters(self):
        """The parameter arrays of all layers, in a fixed order (updated in
        place by Adam).
        """
        return [
            layer.params[k]
            for layer in self.layers
            for k in sorted(layer.params)
        ]

    def gradients(self):
        """The gradients after ``backward``, in the order of
        ``parameters``.
        """
        return [
            layer.grads[k]
            for layer in self.layers
            for k in sorted(layer.params)
        ]

    def __repr__(self):
        return f"Sequential({', '.join(map(repr, self.layers))})"


def check_data_scale(X, name="X", limit=1e8):
    """Refuse training data far beyond the scale the initialisation assumes
    (entries of order 1).

    Weights start at ~1/sqrt(fan-in), so inputs of 1e78 give pre-activations
    and squared errors that overflow float64 (a loss of inf, then NaN).
    Returns ``X``.
    """
    big = float(np.max(np.abs(X))) if X.size else 0.0
    if big > limit:
        raise ValueError(
            f"{name} has entries up to {big:.3g}; neural networks here "
            "assume data of order 1. "
            "Standardise it first, e.g. (X - X.mean(axis=0)) / "
            "X.std(axis=0)"
        )
    return X


def check_hidden_sizes(hidden_sizes):
    """Return ``hidden_sizes`` (an int or a sequence of ints >= 1) as a
    tuple of ints.
    """
    if isinstance(hidden_sizes, numbers.Integral):
        hidden_sizes = (hidden_sizes,)
    try:
        sizes = tuple(hidden_sizes)
    except TypeError:
        raise ValueError(
            "hidden_sizes must be a tuple of positive integers, got "
            f"{hidden_sizes!r}"
        ) from None
    for h in sizes:
        check_positive_int(h, "each entry of hidden_sizes")
    return sizes


def mlp(sizes, *, activation="tanh", random_state=None, last_scale=1.0):
    """A multilayer perceptron: Dense layers of the given ``sizes`` with
    ``activation`` between them (none after the last). ``mlp([64, 256, 4])``
    is Dense(64, 256), Tanh, Dense(256, 4)."""
    rng = check_random_state(random_state)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = i == len(sizes) - 2
        layers.append(
            Dense(
                n_in,
                n_out,
                random_state=rng,
                scale=last_scale if last else 1.0,
            )
        )
        if not last:
            layers.append(
                check_option(activation, "activation", ACTIVATIONS)()
            )
    return Sequential(layers)


# --------------------------------------------------------------------------
# Optimisation
# --------------------------------------------------------------------------


class Adam:
    """The Adam optimiser (Kingma and Ba 2015) (Algorithm 1 there), eq.
    (vae-adam) in the chapter "Variational autoencoders".

    Keeps running means of the gradient (m) and of its square (v), corrects
    their bias towards 0 at the start, and steps by ``learning_rate · m̂ /
    (√v̂ + eps)``: roughly the same step size for every parameter whatever
    the scale of its gradient. ``step`` *descends* (it minimises the loss
    whose gradients it is given).
    """

    def __init__(
        self, learning_rate=1e-3, beta1=0.9, beta2=0.999, eps=1e-8
    ):
        self.learning_rate = learning_rate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.t = 0
        self._m = self._v = None

    def step(self, params, grads):
        """Update each array in ``params`` in place using the matching array
        in ``grads``.
        """
        if self._m is None:
            self._m = [np.zeros_like(p) for p in params]
            self._v = [np.zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        for p, g, m, v in zip(params, grads, self._m, self._v):
            m *= b1
            m += (1.0 - b1) * g  # m_t = β₁ m_{t−1} + (1 − β₁) g
            v *= b2
            v += (1.0 - b2) * g * g  # v_t = β₂ v_{t−1} + (1 − β₂) g²
            # bias corrections: m and v start at 0
            m_hat = m / (1.0 - b1**self.t)
            v_hat = v / (1.0 - b2**self.t)
            p -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.eps)


def minibatches(N, batch_size, rng):
    """Split ``range(N)`` into shuffled index arrays of at most
    ``batch_size`` (one epoch).
    """
    order = rng.permutation(N)
    return [order[i : i + batch_size] for i in range(0, N, batch_size)]


# --------------------------------------------------------------------------
# Gradient checking (section "Checking gradients")
# --------------------------------------------------------------------------


def numerical_gradient(f, x, eps=1e-6):
    """Central differences ``(f(x + ε e_i) − f(x − ε e_i)) /
    2ε`` for every entry of ``x``.

    ``f()`` takes no arguments and reads ``x``, which is perturbed in place
    and restored. The error is O(ε²) from truncation plus O(δ/ε) from
    round-off (δ ≈ 1e-16 · |f|).

    ``x`` must be a floating-point NumPy array (an integer array cannot hold
    x ± ε); any memory order works, since entries are addressed by index,
    not through a flattened view (which for a Fortran-ordered array would be
    a copy, and the perturbations would never reach f).
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise ValueError(
            "x must be a floating-point numpy array that f reads (it is "
            "perturbed in place), got "
            f"{type(x).__name__} of dtype {getattr(x, 'dtype', None)}; use "
            "np.asarray(x, dtype=float)"
        )
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        f_plus = f()
        x[i] = old - eps
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def check_gradients(f, params, grads, eps=1e-6):
    """Largest relative error between analytic gradients and finite
    differences.

    Parameters
    ----------
    f : callable
        ``f()`` returns the scalar loss computed from the current values of
        ``params``.
    params : list of arrays
        Perturbed in place (and restored) one entry at a time.
    grads : list of arrays
        The analytic gradients ∂f/∂params, same shapes.

    Returns
    -------
    float
        ``max_k ‖g_k − ĝ_k‖ / (‖g_k‖ + ‖ĝ_k‖)`` over the arrays (0 if both
        are zero). In float64 a correct backward pass gives about 1e-9 or
        less; a bug gives 1e-2 or more.
    """
    worst = 0.0
    for p, g in zip(params, grads):
        if np.shape(p) != np.shape(g):
            raise ValueError(
                f"a gradient has shape {np.shape(g)} but its "
                f"parameter has shape {np.shape(p)}"
            )
        num = numerical_gradient(f, p, eps)
        denom = np.linalg.norm(g) + np.linalg.norm(num)
        if denom > 0:
            worst = max(worst, float(np.linalg.norm(g - num) / denom))
    return worst


def layer_gradient_error(layer, X, *, random_state=0, eps=1e-6):
    """Check ``layer.backward`` on the loss L = Σ Y ⊙ R for a fixed random
    R.

    Returns the largest relative error (see ``check_gradients``) over the
    input X and every parameter of the layer.
    """
    rng = check_random_state(random_state)
    X = np.array(X, dtype=np.float64)
    R = rng.normal(size=np.shape(layer.forward(X)))

    def loss():
        return float(np.sum(layer.forward(X) * R))

    loss()
    grad_X = layer.backward(R)
    if isinstance(layer, Sequential):
        params, grads = (
            layer.parameters(),
            [g.copy() for g in layer.gradients()],
        )
    else:
        names = sorted(layer.params)
        params, grads = (
            [layer.params[k] for k in names],
            [layer.grads[k].copy() for k in names],
        )
    return check_gradients(loss, [X] + params, [grad_X] + grads, eps)

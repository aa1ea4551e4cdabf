"""lvmteach.nn: every backward pass against finite differences; Adam against its definition."""

import numpy as np
import pytest
from scipy import special

from lvmteach import nn


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.mark.parametrize("layer_cls", [nn.Tanh, nn.Sigmoid, nn.Softplus, nn.ReLU])
def test_activation_backward_matches_finite_differences(layer_cls, rng):
    X = rng.normal(size=(6, 5))
    X[np.abs(X) < 1e-3] = 0.5  # keep ReLU away from its kink
    assert nn.layer_gradient_error(layer_cls(), X) < 1e-7


def test_dense_backward_matches_finite_differences(rng):
    layer = nn.Dense(4, 3, random_state=1)
    layer.params["b"] += rng.normal(size=3)
    assert nn.layer_gradient_error(layer, rng.normal(size=(7, 4))) < 1e-7


def test_mlp_backward_matches_finite_differences(rng):
    net = nn.mlp([5, 8, 6, 3], activation="tanh", random_state=2)
    for p in net.parameters():
        p += 0.3 * rng.normal(size=p.shape)  # non-zero biases too
    assert nn.layer_gradient_error(net, rng.normal(size=(9, 5))) < 1e-7


def test_check_gradients_detects_a_wrong_gradient(rng):
    W = rng.normal(size=(3, 2))
    X = rng.normal(size=(5, 3))

    def loss():
        return float(np.sum(np.tanh(X @ W)))

    right = X.T @ (1 - np.tanh(X @ W) ** 2)
    wrong = X.T @ (1 - np.tanh(X @ W))  # a typical slip: forgot the square
    assert nn.check_gradients(loss, [W], [right]) < 1e-8
    assert nn.check_gradients(loss, [W], [wrong]) > 1e-2


def test_check_gradients_rejects_shape_mismatch():
    with pytest.raises(ValueError, match="shape"):
        nn.check_gradients(lambda: 0.0, [np.zeros(3)], [np.zeros(4)])


def test_softplus_and_sigmoid_match_scipy_without_overflow():
    a = np.array([-800.0, -30.0, -1.0, 0.0, 2.0, 40.0, 800.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        sp, sg = nn.softplus(a), nn.sigmoid(a)
    np.testing.assert_allclose(sp, np.logaddexp(0, a), rtol=1e-14, atol=0)
    np.testing.assert_allclose(sg, special.expit(a), rtol=1e-14, atol=0)


def test_adam_first_step_is_learning_rate_times_sign():
    """With bias correction, Adam's first step is lr · g / (|g| + eps) ≈ lr · sign(g)."""
    p = np.array([1.0, -2.0, 3.0])
    g = np.array([0.5, -1e-3, 20.0])
    p0 = p.copy()
    nn.Adam(learning_rate=0.1, eps=1e-8).step([p], [g])
    np.testing.assert_allclose(p, p0 - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-14)
    np.testing.assert_allclose(p, [0.9, -1.9, 2.9], atol=1e-5)


def test_adam_minimises_an_ill_conditioned_quadratic():
    A = np.diag([1.0, 100.0])
    x = np.array([3.0, -2.0])
    opt = nn.Adam(learning_rate=0.05)
    for _ in range(2000):
        opt.step([x], [A @ x])
    assert np.linalg.norm(x) < 1e-3


def test_minibatches_partition_the_indices(rng):
    batches = nn.minibatches(103, 10, rng)
    assert len(batches) == 11 and max(map(len, batches)) == 10
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(103))

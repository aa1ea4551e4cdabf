"""lvmteach.flows against finite differences, numpy.linalg.slogdet, and numerical integration."""

import numpy as np
import pytest

from lvmteach import flows, nn
from lvmteach.datasets.toy2d import ENERGY_NAMES, energy, make_moons


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def layers(D=2, seed=1):
    """One of each layer, with non-identity parameters."""
    planar = flows.PlanarLayer(D, random_state=seed, scale=1.0)
    planar.params["b"][:] = 0.3
    return {
        "planar": planar,
        "coupling": flows.AffineCoupling(D, hidden_sizes=(5, 4), random_state=seed, last_scale=1.0),
        "linear": flows.InvertibleLinear(D, random_state=seed),
        "permutation": flows.Permutation(np.arange(D)[::-1]),
    }


def flow_gradient_error(layer, X, rng):
    """Finite-difference check of backward for the loss Σ Y ⊙ R + log_det · r."""
    R, r = rng.normal(size=X.shape), rng.normal(size=X.shape[0])

    def loss():
        Y, log_det = layer.forward(X)
        return float(np.sum(Y * R) + log_det @ r)

    loss()
    grad_X = layer.backward(R, r)
    if isinstance(layer, flows.Flow):
        params, grads = layer.parameters(), [g.copy() for g in layer.gradients()]
    else:
        names = sorted(layer.params)
        params, grads = [layer.params[k] for k in names], [layer.grads[k].copy() for k in names]
    return nn.check_gradients(loss, [X] + params, [grad_X] + grads)


def fd_jacobian(f, X, eps=1e-6):
    D = X.shape[1]
    J = np.empty((X.shape[0], D, D))
    for j in range(D):
        e = np.zeros(D)
        e[j] = eps
        J[:, :, j] = (f(X + e) - f(X - e)) / (2 * eps)
    return J


@pytest.mark.parametrize("name", ["planar", "coupling", "linear", "permutation"])
@pytest.mark.parametrize("D", [2, 3])
def test_layer_backward_matches_finite_differences(name, D, rng):
    assert flow_gradient_error(layers(D)[name], rng.normal(size=(7, D)), rng) < 1e-6


@pytest.mark.parametrize("name", ["planar", "coupling", "linear", "permutation"])
@pytest.mark.parametrize("D", [2, 3])
def test_log_det_equals_slogdet_of_finite_difference_jacobian(name, D, rng):
    layer = layers(D)[name]
    X = 1.5 * rng.normal(size=(20, D))
    _, log_det = layer.forward(X)
    sign, ref = np.linalg.slogdet(fd_jacobian(lambda A: layer.forward(A)[0], X))
    assert np.all(sign != 0)
    np.testing.assert_allclose(log_det, ref, atol=1e-7)


@pytest.mark.parametrize("name", ["planar", "coupling", "linear", "permutation"])
def test_inverse_undoes_forward(name, rng):
    layer = layers(3)[name]
    X = 2 * rng.normal(size=(50, 3))
    Y, log_det = layer.forward(X)
    X_back, log_det_inv = layer.inverse(Y)
    assert np.max(np.abs(X_back - X)) < 1e-10
    assert np.max(np.abs(log_det + log_det_inv)) < 1e-10


def test_planar_constraint_makes_every_layer_invertible(rng):
    """wᵀû > −1 for any u, w, so 1 + h'·wᵀû > 0 and the map is monotone along w."""
    # (For wᵀu below about −37, softplus(wᵀu) underflows next to 1 and wᵀû rounds to −1.)
    for _ in range(200):
        u, w = 2 * rng.normal(size=2), 2 * rng.normal(size=2)
        u = u if rng.uniform() < 0.5 else -np.sign(w @ u) * u  # half of them with wᵀu < 0
        assert w @ flows.planar_constrain_u(u, w) > -1
    layer = flows.PlanarLayer(2)
    layer.params["w"][:] = [2.0, 0.0]
    layer.params["u"][:] = [-3.0, 0.0]  # unconstrained this would fold the plane (wᵀu = −6)
    X = np.column_stack([np.linspace(-3, 3, 101), np.zeros(101)])
    Y, _ = layer.forward(X)
    assert np.all(np.diff(Y[:, 0]) > 0)


def test_realnvp_and_planar_model_gradients_match_finite_differences(rng):
    X = rng.normal(size=(8, 2))
    model = flows.RealNVP(3, (6,), mixing="linear").initialize(2, random_state=0, last_scale=1.0)
    model.loss_and_gradients(X)
    grads = [g.copy() for g in model.flow_.gradients()]
    assert (
        nn.check_gradients(lambda: model.loss_and_gradients(X), model.flow_.parameters(), grads)
        < 1e-6
    )

    planar = flows.PlanarFlow(4).initialize(random_state=0, scale=1.0)
    target = lambda Z: energy(Z, "U3", confine=True, return_grad=True)  # noqa: E731
    planar.loss_and_gradients(X, target, beta=0.7)
    grads = [g.copy() for g in planar.flow_.gradients()]
    err = nn.check_gradients(
        lambda: planar.loss_and_gradients(X, target, beta=0.7), planar.flow_.parameters(), grads
    )
    assert err < 1e-6


def test_whole_realnvp_inverse_and_log_det(rng):
    model = flows.RealNVP(4, (8,), mixing="linear").initialize(2, random_state=0, last_scale=1.0)
    X = rng.normal(size=(30, 2))
    U, log_det = model.flow_.forward(X)
    assert np.max(np.abs(model.inverse_transform(U) - X)) < 1e-10
    np.testing.assert_allclose(
        log_det, np.linalg.slogdet(fd_jacobian(model.transform, X))[1], atol=1e-7
    )


def grid(lo, hi, n):
    g = np.linspace(lo, hi, n)
    gx, gy = np.meshgrid(g, g)
    return np.column_stack([gx.ravel(), gy.ravel()]), (g[1] - g[0]) ** 2


@pytest.fixture(scope="module")
def moons_flow():
    X, _ = make_moons(1000, noise=0.05, random_state=0)
    return flows.RealNVP(
        6, (32, 32), n_epochs=40, batch_size=64, learning_rate=3e-3, random_state=0
    ).fit(X), X


def test_trained_realnvp_density_integrates_to_one(moons_flow):
    model, _ = moons_flow
    P, dA = grid(-4, 4, 241)
    assert abs(np.exp(model.score_samples(P)).sum() * dA - 1) < 0.01


def test_realnvp_beats_a_gaussian_on_held_out_moons(moons_flow):
    from scipy import stats

    model, X = moons_flow
    X_test, _ = make_moons(1000, noise=0.05, random_state=1)
    gauss = stats.multivariate_normal(X.mean(0), np.cov(X.T)).logpdf(X_test).mean()
    assert model.history_[-1] > model.history_[0]
    assert model.score(X_test) > gauss + 0.5


def test_realnvp_samples_lie_on_the_moons(moons_flow):
    model, _ = moons_flow
    S = model.sample(2000, random_state=0)
    # Distance to the nearest moon's centre line (radius 1 around (0, 0) or (1, 0.5)).
    d_upper = np.abs(np.hypot(S[:, 0], S[:, 1]) - 1) + 10 * (S[:, 1] < -0.1)
    d_lower = np.abs(np.hypot(S[:, 0] - 1, S[:, 1] - 0.5) - 1) + 10 * (S[:, 1] > 0.6)
    assert np.median(np.minimum(d_upper, d_lower)) < 0.15


@pytest.fixture(scope="module")
def planar_u1():
    return flows.PlanarFlow(8, n_iter=400, batch_size=128, warmup=100, random_state=0).fit("U1")


def test_planar_flow_density_integrates_to_one_and_matches_its_samples(planar_u1):
    P, dA = grid(-6, 6, 241)
    assert abs(np.exp(planar_u1.score_samples(P)).sum() * dA - 1) < 1e-3
    Z, log_q = planar_u1.sample(50, random_state=0)
    np.testing.assert_allclose(planar_u1.score_samples(Z), log_q, atol=1e-9)


def test_planar_flow_reduces_the_kl_to_u1(planar_u1):
    from lvmteach.numerics import logsumexp

    P, dA = grid(-6, 6, 301)
    log_Z = logsumexp(-energy(P, "U1", confine=True)) + np.log(dA)
    Z, log_q = planar_u1.sample(20000, random_state=1)
    kl = np.mean(log_q + energy(Z, "U1", confine=True)) + log_Z
    base = np.random.default_rng(2).standard_normal((20000, 2))
    kl_base = (
        np.mean(flows.standard_normal_log_prob(base) + energy(base, "U1", confine=True)) + log_Z
    )
    assert 0 <= kl < kl_base - 1.0


@pytest.mark.parametrize("name", ENERGY_NAMES)
@pytest.mark.parametrize("confine", [False, True])
def test_energy_gradients_match_finite_differences(name, confine, rng):
    Z = 2.5 * rng.normal(size=(40, 2))
    _, G = energy(Z, name, confine=confine, return_grad=True)
    num = fd_jacobian(lambda A: energy(A, name, confine=confine)[:, None], Z)[:, 0, :]
    np.testing.assert_allclose(G, num, atol=1e-6)


def test_energies_match_the_papers_formulas(rng):
    """Rezende & Mohamed (2015), Table 1, written out independently with np.logaddexp."""
    z1, z2 = rng.normal(size=(2, 30)) * 2
    w1 = np.sin(2 * np.pi * z1 / 4)
    w2 = 3 * np.exp(-0.5 * ((z1 - 1) / 0.6) ** 2)
    w3 = 3 / (1 + np.exp(-(z1 - 1) / 0.3))
    ref = {
        "U1": 0.5 * ((np.sqrt(z1**2 + z2**2) - 2) / 0.4) ** 2
        - np.logaddexp(-0.5 * ((z1 - 2) / 0.6) ** 2, -0.5 * ((z1 + 2) / 0.6) ** 2),
        "U2": 0.5 * ((z2 - w1) / 0.4) ** 2,
        "U3": -np.logaddexp(-0.5 * ((z2 - w1) / 0.35) ** 2, -0.5 * ((z2 - w1 + w2) / 0.35) ** 2),
        "U4": -np.logaddexp(-0.5 * ((z2 - w1) / 0.4) ** 2, -0.5 * ((z2 - w1 + w3) / 0.35) ** 2),
    }
    for name, value in ref.items():
        np.testing.assert_allclose(
            energy(np.column_stack([z1, z2]), name), value, rtol=1e-12, atol=1e-12
        )


def test_make_moons_matches_scikit_learn():
    from sklearn.datasets import make_moons as sk_make_moons

    X, y = make_moons(101, noise=0.0, shuffle=False)
    X_ref, y_ref = sk_make_moons(101, noise=None, shuffle=False)
    np.testing.assert_allclose(X, X_ref, atol=1e-15)
    np.testing.assert_array_equal(y, y_ref)


def test_bad_input_raises_value_error():
    X, _ = make_moons(50, random_state=0)
    with pytest.raises(ValueError, match="NaN"):
        flows.RealNVP(n_epochs=1).fit(np.where(X > 1.5, np.nan, X))
    with pytest.raises(ValueError, match="at least 2 features"):
        flows.RealNVP(n_epochs=1).fit(X[:, :1])
    with pytest.raises(ValueError, match="mixing"):
        flows.RealNVP(mixing="shuffle", n_epochs=1).fit(X)
    model = flows.RealNVP(1, (4,), n_epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="features"):
        model.score_samples(np.ones((3, 3)))
    with pytest.raises(ValueError, match="target"):
        flows.PlanarFlow(n_iter=1).fit("U5")
    with pytest.raises(ValueError, match="2 columns"):
        energy(np.ones((3, 3)), "U1")
    with pytest.raises(ValueError, match="noise"):
        make_moons(10, noise=-1.0)


def test_diverging_run_stops_with_an_error_that_says_so():
    bad_target = lambda Z: (np.full(len(Z), np.nan), np.zeros_like(Z))  # noqa: E731
    with pytest.raises(nn.TrainingDivergedError, match="diverged"):
        flows.PlanarFlow(2, n_iter=5).fit(bad_target)


# ---- autoregressive flows: MADE, MAF, IAF ------------------------------------------------


@pytest.mark.parametrize("D", [2, 3, 5])
def test_autoregressive_layer_jacobian_is_lower_triangular_with_the_right_log_det(D, rng):
    """∂y_i/∂x_j = 0 for j > i exactly (the MADE masks), ≠ 0 for j < i (every dependency is
    used), and log_det = slogdet of the finite-difference Jacobian; inverse undoes forward."""
    layer = flows.MaskedAutoregressive(D, (12, 9), random_state=1, last_scale=1.0)
    X = 1.5 * rng.normal(size=(20, D))
    Y, log_det = layer.forward(X)
    J = fd_jacobian(lambda A: layer.forward(A)[0], X)
    upper = np.triu(np.ones((D, D), bool), 1)
    assert np.all(J[:, upper] == 0.0)
    lower = np.tril(np.ones((D, D), bool), -1)
    assert np.all(np.abs(J[:, lower]) > 1e-8)
    np.testing.assert_allclose(log_det, np.linalg.slogdet(J)[1], atol=1e-7)
    X_back, log_det_inv = layer.inverse(Y)
    assert np.max(np.abs(X_back - X)) < 1e-10 and np.max(np.abs(log_det + log_det_inv)) < 1e-10


def test_made_masks_follow_the_degrees():
    """Output d of every block depends only on inputs < d: the product of the masks along the
    network (counting paths) is zero on and above the diagonal, and positive below."""
    net = flows.made(4, (7, 5), 2, random_state=0)
    masks = [layer.mask for layer in net.layers if isinstance(layer, flows.MaskedDense)]
    paths = masks[0] @ masks[1] @ masks[2]          # (inputs, 2 × D outputs)
    for block in (paths[:, :4], paths[:, 4:]):
        assert np.all(np.tril(block) == 0)               # no path from input i to output d <= i
        assert np.all(block[np.triu_indices(4, 1)] > 0)  # input i reaches every output d > i


@pytest.mark.parametrize("D", [2, 4])
def test_autoregressive_backward_matches_finite_differences(D, rng):
    layer = flows.MaskedAutoregressive(D, (6,), random_state=2, last_scale=1.0)
    assert flow_gradient_error(layer, rng.normal(size=(7, D)), rng) < 1e-6
    model = flows.MAF(3, (6,)).initialize(D, random_state=0, last_scale=1.0)
    X = rng.normal(size=(8, D))
    model.loss_and_gradients(X)
    grads = [g.copy() for g in model.flow_.gradients()]
    assert (
        nn.check_gradients(lambda: model.loss_and_gradients(X), model.flow_.parameters(), grads)
        < 1e-6
    )


def test_masked_weights_stay_zero_during_training():
    X, _ = make_moons(200, noise=0.05, random_state=0)
    model = flows.MAF(2, (8,), n_epochs=5, batch_size=50, random_state=0).fit(X)
    for layer in model.flow_.layers:
        for dense in getattr(getattr(layer, "net", None), "layers", []):
            if isinstance(dense, flows.MaskedDense):
                assert np.all(dense.params["W"][dense.mask == 0] == 0)


def test_maf_density_integrates_to_one_and_beats_a_gaussian():
    X, _ = make_moons(1000, noise=0.05, random_state=0)
    X_test, _ = make_moons(1000, noise=0.05, random_state=1)
    model = flows.MAF(4, (32, 32), n_epochs=30, batch_size=64, random_state=0).fit(X)
    P, dA = grid(-4, 4, 241)
    assert abs(np.exp(model.score_samples(P)).sum() * dA - 1) < 0.01
    mean, cov = X.mean(0), np.cov(X.T)
    d = X_test - mean
    gauss = np.mean(
        -0.5 * np.sum(d @ np.linalg.inv(cov) * d, axis=1)
        - 0.5 * np.linalg.slogdet(2 * np.pi * cov)[1]
    )
    assert model.score(X_test) > gauss + 0.5
    S = model.sample(5, random_state=0)  # sampling inverts each layer in D passes
    np.testing.assert_allclose(model.transform(S), model.flow_.forward(S)[0])


def test_iaf_sample_density_matches_its_inverse_and_fits_u1():
    """IAF: log q of its own samples comes from one forward pass; at the same points the
    sequential inverse must give the same value; and the reverse KL to U1 gets small."""
    q = flows.IAF(3, (16,), n_iter=400, batch_size=128, learning_rate=1e-2, random_state=0).fit(
        "U1"
    )
    Z, log_q = q.sample(200, random_state=1)
    np.testing.assert_allclose(q.score_samples(Z), log_q, atol=1e-9)
    P, dA = grid(-7, 7, 201)
    mass = np.exp(q.score_samples(P)).sum() * dA
    assert abs(mass - 1) < 0.01
    fine, dF = grid(-6, 6, 301)
    log_Z = np.log(np.exp(-energy(fine, "U1", confine=True)).sum() * dF)
    Z0 = np.random.default_rng(2).normal(size=(20_000, 2))  # KL of the initial q = N(0, I)
    kl_start = np.mean(flows.standard_normal_log_prob(Z0) + energy(Z0, "U1", confine=True)) + log_Z
    Z, log_q = q.sample(20_000, random_state=2)
    kl = np.mean(log_q + energy(Z, "U1", confine=True)) + log_Z
    assert 0 < kl < 0.5 < kl_start
    model = flows.IAF(2, (5,)).initialize(random_state=0, scale=1.0)
    target = lambda A: energy(A, "U2", confine=True, return_grad=True)  # noqa: E731
    X = np.random.default_rng(0).normal(size=(6, 2))
    model.loss_and_gradients(X, target)
    grads = [g.copy() for g in model.flow_.gradients()]
    assert (
        nn.check_gradients(
            lambda: model.loss_and_gradients(X, target), model.flow_.parameters(), grads
        )
        < 1e-6
    )

"""lvmteach.vae against finite differences, Monte Carlo, SciPy and the PPCA closed form."""

import numpy as np
import pytest
from scipy import stats

from lvmteach import factor, nn, vae
from lvmteach.datasets import load_digits


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def perturbed(model, rng, scale=0.3):
    for p in model.parameters():
        p += scale * rng.normal(size=p.shape)
    return model


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("activation", ["tanh", "softplus"])
def test_elbo_gradients_match_finite_differences(likelihood, activation, rng):
    model = perturbed(
        vae.VAE(3, (7, 5), likelihood=likelihood, activation=activation).initialize(6, 0), rng
    )
    if likelihood == "bernoulli":
        X = (rng.uniform(size=(9, 6)) < 0.5).astype(float)
    else:
        X = rng.normal(size=(9, 6))
    eps = rng.normal(size=(9, 3))
    model.elbo_and_gradients(X, eps)
    grads = [g.copy() for g in model.gradients()]
    err = nn.check_gradients(
        lambda: -np.mean(model.elbo_and_gradients(X, eps)), model.parameters(), grads
    )
    assert err < 1e-6


def test_analytic_kl_equals_monte_carlo(rng):
    mu, log_var = rng.normal(size=(1, 3)), rng.normal(scale=0.5, size=(1, 3))
    eps = rng.standard_normal((200_000, 3))
    Z = vae.reparameterize(mu, log_var, eps)
    log_q = stats.norm.logpdf(Z, mu, np.exp(0.5 * log_var)).sum(axis=1)
    log_p = stats.norm.logpdf(Z).sum(axis=1)
    mc = log_q - log_p
    se = mc.std() / np.sqrt(len(mc))
    assert abs(mc.mean() - vae.gaussian_kl(mu, log_var)[0]) < 4 * se


def test_log_likelihoods_match_scipy(rng):
    X = (rng.uniform(size=(4, 5)) < 0.5).astype(float)
    logits = rng.normal(scale=3, size=(4, 5))
    ref = stats.bernoulli.logpmf(X, 1 / (1 + np.exp(-logits))).sum(axis=1)
    np.testing.assert_allclose(vae.bernoulli_log_lik(X, logits), ref, rtol=1e-12)
    mean = rng.normal(size=(4, 5))
    ref = [stats.multivariate_normal.logpdf(X[n], mean[n], 0.7 * np.eye(5)) for n in range(4)]
    np.testing.assert_allclose(vae.gaussian_log_lik(X, mean, np.log(0.7)), ref, rtol=1e-12)


def ppca_data(rng, N=400, D=5, q=2):
    W = rng.normal(size=(D, q))
    return rng.normal(size=(N, q)) @ W.T + 0.5 * rng.normal(size=(N, D)) + 1.0


def exact_linear_elbo(model, X):
    """E_q[log N(x | W z + b, σ² I)] − KL in closed form (no sampling) for a linear decoder."""
    mu, log_var = model.encode(X)
    dense = model.decoder_.layers[0]
    W, b, s2_log = dense.params["W"], dense.params["b"], model.log_noise_var_[0]
    expected = vae.gaussian_log_lik(X, mu @ W + b, s2_log) - 0.5 * np.exp(log_var) @ np.sum(
        W**2, axis=1
    ) * np.exp(-s2_log)
    return expected - vae.gaussian_kl(mu, log_var)


@pytest.fixture(scope="module")
def linear_vae():
    X = ppca_data(np.random.default_rng(1))
    model = vae.VAE(
        2,
        (),
        likelihood="gaussian",
        learning_rate=1e-2,
        batch_size=len(X),
        n_epochs=2500,
        random_state=0,
    ).fit(X)
    # Anneal: a few hundred smaller Adam steps remove most of the stochastic-gradient jitter.
    rng, opt, params = np.random.default_rng(2), nn.Adam(1e-3), model.parameters()
    for _ in range(500):
        model.elbo_and_gradients(X, rng.standard_normal((len(X), 2)))
        opt.step(params, model.gradients())
    return model, X


def test_linear_gaussian_vae_reaches_the_ppca_maximum_likelihood(linear_vae):
    model, X = linear_vae
    mean, W, sigma2 = factor.ppca_closed_form(X, 2)  # Tipping & Bishop's closed form
    ppca = factor.log_likelihood(X, mean, W, sigma2).mean()
    elbo = exact_linear_elbo(model, X).mean()
    assert elbo <= ppca + 1e-9  # a lower bound on the best log-likelihood
    assert ppca - elbo < 5e-3  # and tight at the optimum: the PPCA posterior is diagonal there


def test_importance_weighted_estimate_matches_exact_marginal(linear_vae):
    model, X = linear_vae
    dense = model.decoder_.layers[0]
    exact = factor.log_likelihood(
        X, dense.params["b"], dense.params["W"].T, np.exp(model.log_noise_var_[0])
    )
    iw = model.score_samples(X, n_importance=500, random_state=0)
    assert np.max(np.abs(iw - exact)) < 0.02
    assert abs(iw.mean() - exact.mean()) < 2e-3


def test_importance_weighting_tightens_the_bound(rng):
    X = load_digits(binarize=True).data[:200]
    model = vae.VAE(2, (32,), n_epochs=3, random_state=0).fit(X)
    elbo = model.elbo(X, random_state=0, n_samples=50).mean()
    iw1, iw50 = (
        model.score(X, n_importance=1, random_state=1),
        model.score(X, n_importance=50, random_state=1),
    )
    assert abs(iw1 - elbo) < 0.5  # K = 1 is the ELBO (one sample per point)
    assert iw50 > elbo + 0.1


@pytest.fixture(scope="module")
def digits_vae():
    X = load_digits(binarize=True).data
    return vae.VAE(2, (64,), n_epochs=15, learning_rate=3e-3, random_state=0).fit(X), X


def test_training_on_digits_raises_the_elbo(digits_vae):
    model, X = digits_vae
    assert model.history_.shape == (15,)
    assert model.history_[-1] > model.history_[0] + 5
    assert model.transform(X[:5]).shape == (5, 2)
    R = model.reconstruct(X[:5])
    assert R.shape == (5, 64) and R.min() >= 0 and R.max() <= 1
    S, Z = model.sample(7, random_state=0)
    assert S.shape == (7, 64) and set(np.unique(S)) <= {0.0, 1.0} and Z.shape == (7, 2)


def test_both_gradient_estimators_are_unbiased_and_reparam_has_lower_variance(digits_vae):
    model, X = digits_vae
    reparam, score = vae.gradient_estimates(model, X[0], n_samples=50_000, random_state=0)
    se = np.sqrt(score.var(axis=0) / len(score) + reparam.var(axis=0) / len(reparam))
    assert np.all(np.abs(reparam.mean(axis=0) - score.mean(axis=0)) < 4 * se)
    assert np.all(score.var(axis=0) > 10 * reparam.var(axis=0))


def test_same_seed_same_fit():
    X = load_digits(binarize=True).data[:100]
    a = vae.VAE(2, (8,), n_epochs=2, random_state=3).fit(X)
    b = vae.VAE(2, (8,), n_epochs=2, random_state=3).fit(X)
    np.testing.assert_array_equal(a.history_, b.history_)


@pytest.mark.parametrize(
    "kwargs, X, match",
    [
        ({}, np.array([[0.0, 1.0], [1.0, 0.5]]), "binary"),
        ({}, np.array([[0.0, np.nan], [1.0, 0.0]]), "NaN"),
        ({"likelihood": "poisson"}, np.eye(3), "likelihood"),
        ({"latent_dim": 0}, np.eye(3), "latent_dim"),
        ({"hidden_sizes": (4, -1)}, np.eye(3), "hidden_sizes"),
        ({"learning_rate": -1.0}, np.eye(3), "learning_rate"),
        ({}, np.ones(3), "2-D"),
    ],
)
def test_bad_input_raises_value_error(kwargs, X, match):
    with pytest.raises(ValueError, match=match):
        vae.VAE(n_epochs=1, **kwargs).fit(X)


def test_wrong_width_after_fit_raises():
    model = vae.VAE(2, (4,), n_epochs=1, random_state=0).fit(np.eye(5))
    with pytest.raises(ValueError, match="features"):
        model.transform(np.eye(4))


def test_diverging_run_stops_with_an_error_that_says_so(rng):
    X = 1e7 * rng.normal(size=(50, 3))  # with a huge step the loss overflows to inf
    with pytest.raises(nn.TrainingDivergedError, match="diverged"):
        vae.VAE(2, (4,), likelihood="gaussian", n_epochs=3, learning_rate=1e3, random_state=0).fit(
            X
        )
    with pytest.raises(ValueError, match="Standardise it first"):  # far beyond unit scale: refused
        vae.VAE(2, (4,), likelihood="gaussian", n_epochs=3, random_state=0).fit(1e200 * X)


@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
@pytest.mark.parametrize("K", [1, 4])
def test_iwae_gradients_match_finite_differences(likelihood, K, rng):
    model = perturbed(vae.VAE(3, (7,), likelihood=likelihood).initialize(6, 0), rng)
    X = (
        (rng.uniform(size=(5, 6)) < 0.5).astype(float)
        if likelihood == "bernoulli"
        else rng.normal(size=(5, 6))
    )
    eps = rng.normal(size=(K, 5, 3))
    model.iwae_and_gradients(X, eps)
    grads = [g.copy() for g in model.gradients()]
    err = nn.check_gradients(
        lambda: -np.mean(model.iwae_and_gradients(X, eps)), model.parameters(), grads
    )
    assert err < 1e-6


def test_iwae_bound_value_against_scipy(rng):
    """log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x), each density from scipy.stats."""
    model = perturbed(vae.VAE(2, (5,)).initialize(4, 0), rng)
    X = (rng.uniform(size=(3, 4)) < 0.5).astype(float)
    eps = rng.normal(size=(6, 3, 2))
    bound = model.iwae_and_gradients(X, eps)
    mu, log_var = model.encode(X)
    for n in range(3):
        log_w = []
        for k in range(6):
            z = mu[n] + np.exp(0.5 * log_var[n]) * eps[k, n]
            p = model.decode(z[None])[0]
            log_w.append(stats.bernoulli.logpmf(X[n], p).sum() + stats.norm.logpdf(z).sum()
                         - stats.multivariate_normal.logpdf(z, mu[n], np.diag(np.exp(log_var[n]))))
        assert abs(bound[n] - (np.logaddexp.reduce(log_w) - np.log(6))) < 1e-9


def test_iwae_training_raises_its_bound_and_validates():
    X = load_digits(binarize=True).data[:200]
    model = vae.VAE(
        2, (16,), objective="iwae", n_importance=3, n_epochs=15, learning_rate=1e-2, random_state=0
    ).fit(X)
    assert model.history_[-1] > model.history_[0] + 3
    with pytest.raises(ValueError, match="objective"):
        vae.VAE(objective="kl").fit(X)


def test_gradient_estimates_return_samples(digits_vae):
    model, X = digits_vae
    reparam, score, log_lik, Z = vae.gradient_estimates(
        model, X[0], n_samples=20, random_state=0, return_samples=True
    )
    mu, log_var = model.encode(X[:1])
    np.testing.assert_allclose(score, log_lik[:, None] * (Z - mu) / np.exp(log_var), rtol=1e-12)
    # f(z) is the decoder's Bernoulli log-likelihood (scipy) and reparam its z-gradient (finite
    # differences)
    P = model.decode(Z)
    np.testing.assert_allclose(log_lik, stats.bernoulli.logpmf(X[:1], P).sum(axis=1), rtol=1e-10)
    e = 1e-6 * np.eye(Z.shape[1])[0]
    fd = (
        vae.bernoulli_log_lik(X[:1], model.decoder_.forward(Z + e))
        - vae.bernoulli_log_lik(X[:1], model.decoder_.forward(Z - e))
    ) / 2e-6
    np.testing.assert_allclose(reparam[:, 0], fd, rtol=1e-5, atol=1e-7)
    r2, s2 = vae.gradient_estimates(model, X[0], n_samples=20, random_state=0)
    np.testing.assert_array_equal(r2, reparam)


def test_optimize_posterior_finds_the_closed_form_optimum_of_a_linear_gaussian_vae(rng):
    """For p(x | z) = 𝒩(Wz + b, σ²I) the posterior is 𝒩(m, S) with S = (I + WᵀW/σ²)⁻¹ and
    m = S Wᵀ(x − b)/σ²; the diagonal Gaussian closest in KL(q ‖ p) has mean m and variances
    1 / diag(S⁻¹). Starting from a random (untrained) encoder, the optimiser must get there."""
    model = vae.VAE(2, (), likelihood="gaussian").initialize(5, 0)
    model.log_noise_var_[:] = np.log(0.5)
    dense = model.decoder_.layers[0]
    W, b = dense.params["W"].T, dense.params["b"]          # x = W z + b, W (D, L)
    X = rng.normal(size=(6, 5))
    mu, log_var = vae.optimize_posterior(
        model, X, n_steps=2000, n_samples=256, learning_rate=0.05, random_state=0
    )
    P = np.eye(2) + W.T @ W / 0.5
    m = np.linalg.solve(P, W.T @ (X - b).T / 0.5).T
    np.testing.assert_allclose(mu, m, atol=0.03)
    np.testing.assert_allclose(
        np.exp(log_var), np.broadcast_to(1 / np.diag(P), mu.shape), rtol=0.05
    )
    # and the encoder we started from was far from it: the test is not passed by the start point
    assert np.abs(model.encode(X)[0] - m).max() > 0.2


def test_elbo_with_a_given_posterior(digits_vae):
    model, X = digits_vae
    mu, log_var = model.encode(X[:5])
    a = model.elbo(X[:5], random_state=3, n_samples=4)
    b = model.elbo(X[:5], random_state=3, n_samples=4, posterior=(mu, log_var))
    np.testing.assert_array_equal(a, b)
    c = model.elbo(X[:5], random_state=3, n_samples=4, posterior=(mu + 1.0, log_var))
    assert not np.allclose(a, c)

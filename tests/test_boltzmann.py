"""Boltzmann machines, RBMs and DBNs, checked against scikit-learn, brute force and finite
differences.
"""

import itertools
import warnings

import numpy as np
import pytest
from scipy.special import expit
from scipy.special import logsumexp as sp_logsumexp
from sklearn.base import clone
from sklearn.neural_network import BernoulliRBM

from lvmteach.boltzmann import (
    DBN,
    RBM,
    BoltzmannMachine,
    ais_log_partition,
    ais_log_standard_error,
    all_binary_states,
    bm_energy,
    bm_gibbs_sweep,
    bm_gradient,
    bm_log_likelihood,
    bm_log_partition,
    contrastive_divergence,
    exact_gradient,
    exact_log_likelihood,
    free_energy,
    hidden_probs,
    log_partition_exact,
    pseudo_log_likelihood,
    rbm_energy,
    sigmoid,
)
from lvmteach.datasets import load_digits
from lvmteach.exceptions import ConvergenceWarning, NotFittedError


@pytest.fixture(scope="module")
def digits():
    return load_digits(binarize=True).data


def random_rbm(rng, D, K, scale=1.0):
    return rng.normal(scale=scale, size=(K, D)), rng.normal(size=D), rng.normal(size=K)


def binary(rng, N, D, p=0.5):
    return (rng.random((N, D)) < p).astype(float)


def sklearn_rbm(W, b, c, random_state=0):
    sk = BernoulliRBM(n_components=W.shape[0], random_state=random_state)
    sk.fit(np.zeros((2, W.shape[1])))  # sets n_features_in_; the parameters are then replaced
    sk.components_, sk.intercept_visible_, sk.intercept_hidden_ = W.copy(), b.copy(), c.copy()
    return sk


def brute_log_partition(W, b, c):
    """Σ over every (v, h) pair of exp(−E(v, h)), one pair at a time."""
    K, D = W.shape
    terms = [
        -rbm_energy(np.array([v], float), np.array([h], float), W, b, c)[0]
        for v in itertools.product([0, 1], repeat=D)
        for h in itertools.product([0, 1], repeat=K)
    ]
    return sp_logsumexp(terms)


# ---- agreement with scikit-learn's BernoulliRBM -------------------------------------------


def test_free_energy_and_hidden_probabilities_match_sklearn():
    rng = np.random.default_rng(0)
    W, b, c = random_rbm(rng, 20, 7)
    X = binary(rng, 50, 20)
    sk = sklearn_rbm(W, b, c)
    ours = RBM.from_parameters(W, b, c)
    np.testing.assert_allclose(ours.free_energy(X), sk._free_energy(X), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.transform(X), sk.transform(X), rtol=0, atol=1e-10)
    P = rng.random((10, 20))  # probabilities as inputs, as scikit-learn allows
    np.testing.assert_allclose(ours.transform(P), sk.transform(P), rtol=0, atol=1e-10)


def test_one_bit_pseudo_likelihood_matches_sklearn_with_its_random_bits():
    rng = np.random.default_rng(1)
    W, b, c = random_rbm(rng, 16, 9)
    X = binary(rng, 40, 16)
    sk = sklearn_rbm(W, b, c, random_state=123)
    flip = np.random.RandomState(123).randint(0, 16, 40)  # the bits scikit-learn flips
    np.testing.assert_allclose(
        pseudo_log_likelihood(X, W, b, c, flip=flip), sk.score_samples(X), rtol=0, atol=1e-10
    )


def test_full_pseudo_likelihood_is_the_average_of_sklearns_one_bit_estimates():
    rng = np.random.default_rng(2)
    D, N = 6, 8
    W, b, c = random_rbm(rng, D, 4)
    X = binary(rng, N, D)
    sk = sklearn_rbm(W, b, c)
    per_bit = np.full((N, D), np.nan)
    for seed in range(200):  # collect scikit-learn's estimate for every (row, flipped bit)
        sk.random_state = seed
        flip = np.random.RandomState(seed).randint(0, D, N)
        per_bit[np.arange(N), flip] = sk.score_samples(X)
    assert not np.isnan(per_bit).any()
    np.testing.assert_allclose(
        RBM.from_parameters(W, b, c).score_samples(X), per_bit.mean(axis=1), rtol=0, atol=1e-10
    )


def test_pseudo_likelihood_is_sum_of_exact_conditionals():
    rng = np.random.default_rng(3)
    D = 5
    W, b, c = random_rbm(rng, D, 3)
    log_p = dict(zip(map(tuple, all_binary_states(D)), -free_energy(all_binary_states(D), W, b, c)))
    X = binary(rng, 12, D)
    expected = []
    for x in X:
        total = 0.0
        for d in range(D):
            x_flip = x.copy()
            x_flip[d] = 1 - x_flip[d]
            total += log_p[tuple(x)] - np.logaddexp(log_p[tuple(x)], log_p[tuple(x_flip)])
        expected.append(total)
    np.testing.assert_allclose(pseudo_log_likelihood(X, W, b, c), expected, rtol=0, atol=1e-12)


def test_sigmoid_matches_expit():
    a = np.linspace(-800, 800, 20001)
    np.testing.assert_allclose(sigmoid(a.copy()), expit(a), rtol=0, atol=2.3e-16)  # one ulp of 1


# ---- exact computations --------------------------------------------------------------------


@pytest.mark.parametrize("D,K", [(4, 3), (3, 5)])  # enumerate the hidden, then the visible layer
def test_log_partition_by_enumeration_equals_brute_force(D, K):
    rng = np.random.default_rng(4)
    W, b, c = random_rbm(rng, D, K)
    assert abs(log_partition_exact(W, b, c) - brute_log_partition(W, b, c)) < 1e-10


def test_rbm_is_a_boltzmann_machine_with_bipartite_weights():
    rng = np.random.default_rng(5)
    D, K = 5, 3
    W, b, c = random_rbm(rng, D, K)
    Wbm = np.zeros((D + K, D + K))
    Wbm[:D, D:] = W.T
    Wbm[D:, :D] = W
    assert abs(bm_log_partition(Wbm, np.concatenate([b, c])) - log_partition_exact(W, b, c)) < 1e-10
    X = binary(rng, 20, D)
    assert (
        abs(bm_log_likelihood(X, Wbm, np.concatenate([b, c]), K) - exact_log_likelihood(X, W, b, c))
        < 1e-10
    )
    gW, gb = bm_gradient(X, Wbm, np.concatenate([b, c]), K)
    rW, rb, rc = exact_gradient(X, W, b, c)
    np.testing.assert_allclose(gW[D:, :D], rW, atol=1e-12)
    np.testing.assert_allclose(gb, np.concatenate([rb, rc]), atol=1e-12)


def test_bm_log_partition_equals_brute_force():
    rng = np.random.default_rng(6)
    n = 6
    A = rng.normal(size=(n, n))
    W = np.triu(A, 1) + np.triu(A, 1).T
    b = rng.normal(size=n)
    terms = []
    for s in itertools.product([0, 1], repeat=n):
        s = np.array(s, float)
        terms.append(sum(W[i, j] * s[i] * s[j] for i in range(n) for j in range(i + 1, n)) + b @ s)
    assert abs(bm_log_partition(W, b) - sp_logsumexp(terms)) < 1e-10


@pytest.mark.parametrize("D,K", [(5, 3), (3, 6)])
def test_rbm_exact_gradient_matches_finite_differences(D, K):
    rng = np.random.default_rng(7)
    W, b, c = random_rbm(rng, D, K)
    X = binary(rng, 15, D)
    gW, gb, gc = exact_gradient(X, W, b, c)
    eps = 1e-6
    for params, grad, name in ((W, gW, "W"), (b, gb, "b"), (c, gc, "c")):
        fd = np.zeros_like(params)
        for idx in np.ndindex(params.shape):
            old = params[idx]
            params[idx] = old + eps
            up = exact_log_likelihood(X, W, b, c)
            params[idx] = old - eps
            down = exact_log_likelihood(X, W, b, c)
            params[idx] = old
            fd[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(grad, fd, atol=1e-7, err_msg=name)


def test_bm_exact_gradient_matches_finite_differences():
    rng = np.random.default_rng(8)
    D, K = 4, 2
    n = D + K
    A = rng.normal(size=(n, n))
    W, b = np.triu(A, 1) + np.triu(A, 1).T, rng.normal(size=n)
    X = binary(rng, 10, D)
    gW, gb = bm_gradient(X, W, b, K)
    eps = 1e-6
    for i in range(n):
        for j in range(i + 1, n):  # the one weight shared by the pair (i, j)
            E = np.zeros((n, n))
            E[i, j] = E[j, i] = eps
            fd = (bm_log_likelihood(X, W + E, b, K) - bm_log_likelihood(X, W - E, b, K)) / (2 * eps)
            assert abs(gW[i, j] - fd) < 1e-7 and gW[i, j] == gW[j, i]
        e = np.zeros(n)
        e[i] = eps
        fd = (bm_log_likelihood(X, W, b + e, K) - bm_log_likelihood(X, W, b - e, K)) / (2 * eps)
        assert abs(gb[i] - fd) < 1e-7
    assert np.all(np.diag(gW) == 0)


def test_ais_lies_within_its_reported_error_of_the_exact_value(digits):
    rbm = RBM(15, n_epochs=5, persistent=True, random_state=0).fit(digits)
    exact = rbm.log_partition_exact()
    result = rbm.log_partition_ais(
        n_runs=100, betas=3000, base_rate=digits.mean(axis=0), random_state=0
    )
    assert result.log_Z_low <= exact <= result.log_Z_high
    assert result.log_Z_high - result.log_Z_low < 0.5  # and the reported error is informative
    assert result.log_weights.shape == (100,)


def test_ais_from_uniform_base_on_random_model():
    rng = np.random.default_rng(9)
    W, b, c = random_rbm(rng, 12, 15, scale=0.3)
    result = ais_log_partition(W, b, c, rng, n_runs=200, betas=2000)
    assert result.log_Z_low <= log_partition_exact(W, b, c) <= result.log_Z_high


def test_ais_error_bar_is_calibrated_against_enumeration():
    """Over 100 seeds, log Ẑ ± k ŝ (ŝ the delta-method standard error of log Ẑ) contains the
    exact log Z (by enumeration) about as often as a normal interval should: ~68% for k = 1,
    nearly always for k = 3; and ŝ matches the seed-to-seed spread of log Ẑ."""
    rng = np.random.default_rng(3)
    W, b, c = random_rbm(rng, 8, 4, scale=1.0)
    exact = log_partition_exact(W, b, c)
    runs = [
        ais_log_partition(W, b, c, np.random.default_rng(s), n_runs=50, betas=30)
        for s in range(100)
    ]
    err = np.array([r.log_Z for r in runs]) - exact
    se = np.array([(r.log_Z_high - r.log_Z_low) / 6 for r in runs])
    assert np.mean(np.abs(err) <= 3 * se) >= 0.95
    assert 0.55 <= np.mean(np.abs(err) <= se) <= 0.85
    assert 0.67 < se.mean() / err.std() < 1.5


def test_ais_log_standard_error_is_the_relative_standard_error_of_the_mean_weight():
    rng = np.random.default_rng(0)
    w = rng.lognormal(size=40)
    expected = np.std(w, ddof=1) / np.sqrt(40) / np.mean(w)
    # scale invariance: a factor (Z_A, or exp(700)) on every weight does not change it
    assert abs(ais_log_standard_error(np.log(w)) - expected) < 1e-12
    assert abs(ais_log_standard_error(np.log(w) + 700.0) - expected) < 1e-12
    with pytest.raises(ValueError, match="two"):
        ais_log_standard_error([0.0])


def test_ais_rejects_bad_schedule():
    rng = np.random.default_rng(0)
    W, b, c = random_rbm(rng, 3, 2)
    with pytest.raises(ValueError, match="betas"):
        ais_log_partition(W, b, c, rng, betas=[0.0, 0.5])


def test_all_binary_states_refuses_huge_enumeration():
    with pytest.raises(ValueError, match="annealed importance sampling"):
        all_binary_states(40)


# ---- sampling ------------------------------------------------------------------------------


def total_variation(samples, log_p, n):
    idx = samples.astype(int) @ (1 << np.arange(n - 1, -1, -1))
    freq = np.bincount(idx, minlength=2**n) / len(samples)
    return 0.5 * np.abs(freq - np.exp(log_p - sp_logsumexp(log_p))).sum()


def test_bm_gibbs_sampler_reaches_the_boltzmann_distribution():
    rng = np.random.default_rng(10)
    n = 4
    A = rng.normal(size=(n, n))
    W, b = np.triu(A, 1) + np.triu(A, 1).T, rng.normal(size=n)
    S = (rng.random((20000, n)) < 0.5).astype(float)
    for _ in range(30):
        bm_gibbs_sweep(S, W, b, rng)
    assert total_variation(S, -bm_energy(all_binary_states(n), W, b), n) < 0.02


def test_rbm_sample_reaches_the_model_distribution():
    rng = np.random.default_rng(11)
    D, K = 4, 3
    W, b, c = random_rbm(rng, D, K)
    rbm = RBM.from_parameters(W, b, c)
    V = rbm.sample(20000, n_gibbs=30, random_state=0)
    assert total_variation(V, -free_energy(all_binary_states(D), W, b, c), D) < 0.02


def test_long_chain_cd_estimates_the_exact_gradient_and_cd1_is_biased():
    rng = np.random.default_rng(12)
    D, K = 5, 3
    W, b, c = random_rbm(rng, D, K, scale=1.5)
    X = np.repeat(binary(rng, 4, D), 5000, axis=0)  # many chains per data vector
    exact_W = exact_gradient(X[::5000], W, b, c)[0]
    long_W = contrastive_divergence(X, W, b, c, rng, k=100)[0]
    cd1_W = contrastive_divergence(X, W, b, c, rng, k=1)[0]
    assert np.abs(long_W - exact_W).max() < 0.03
    assert np.abs(cd1_W - exact_W).max() > 0.1


# ---- learning ------------------------------------------------------------------------------


def test_cd_training_improves_exact_log_likelihood(digits):
    X = digits[:, 18:30]  # 12 pixels from the middle rows: small enough to enumerate
    rbm0 = RBM(6, n_epochs=1, learning_rate=1e-12, random_state=0).fit(X)
    rbm = RBM(6, n_epochs=10, learning_rate=0.05, random_state=0).fit(X)
    before, after = rbm0.log_likelihood_exact(X).mean(), rbm.log_likelihood_exact(X).mean()
    assert after > before + 1.0, (before, after)


@pytest.mark.parametrize(
    "params", [dict(persistent=True), dict(k=3, momentum=0.5, weight_decay=1e-4)]
)
def test_training_improves_pseudo_likelihood_on_digits(digits, params):
    untrained = RBM.from_parameters(np.zeros((50, 64)), np.zeros(64), np.zeros(50))
    rbm = RBM(50, n_epochs=5, learning_rate=0.05, random_state=0, **params).fit(digits)
    assert rbm.score(digits) > untrained.score(digits) + 20  # from 64 log ½ ≈ −44.4 to about −20


def test_weight_decay_shrinks_the_weights(digits):
    plain = RBM(20, n_epochs=3, random_state=0).fit(digits)
    decayed = RBM(20, n_epochs=3, weight_decay=0.05, random_state=0).fit(digits)
    assert np.linalg.norm(decayed.components_) < 0.9 * np.linalg.norm(plain.components_)


def test_fit_is_reproducible_and_clonable(digits):
    a = RBM(10, n_epochs=2, random_state=3).fit(digits)
    b = clone(a).fit(digits)
    np.testing.assert_array_equal(a.components_, b.components_)
    assert (
        a.components_.shape == (10, 64)
        and a.intercept_hidden_.shape == (10,)
        and a.intercept_visible_.shape == (64,)
    )


@pytest.mark.parametrize("method", ["exact", "gibbs"])
def test_boltzmann_machine_learning_increases_exact_log_likelihood(digits, method):
    X = digits[:300, 26:34]  # one row of 8 pixels
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        bm = BoltzmannMachine(
            n_hidden=2, method=method, learning_rate=0.5, max_iter=60, n_chains=500, random_state=0
        ).fit(X)
    assert bm.history_[-1] > bm.history_[0] + 0.2
    assert abs(bm.score(X) - bm_log_likelihood(X, bm.weights_, bm.biases_, 2)) < 1e-12
    assert np.allclose(bm.weights_, bm.weights_.T) and np.all(np.diag(bm.weights_) == 0)


def test_fully_visible_bm_exact_learning_converges_and_never_decreases():
    # data drawn exactly from a random 5-unit Ising model: every state occurs, so the MLE exists
    rng = np.random.default_rng(13)
    n = 5
    A = rng.normal(size=(n, n))
    W, b = np.triu(A, 1) + np.triu(A, 1).T, rng.normal(size=n)
    S = all_binary_states(n)
    log_p = -bm_energy(S, W, b)
    X = S[rng.choice(2**n, size=3000, p=np.exp(log_p - sp_logsumexp(log_p)))]
    bm = BoltzmannMachine(
        method="exact", learning_rate=2.0, max_iter=2000, tol=1e-4, random_state=0
    ).fit(X)
    assert bm.converged_
    assert np.all(np.diff(bm.history_) > -1e-12)  # concave objective, small steps
    gW, gb = bm.gradient(X)
    assert max(np.abs(gW).max(), np.abs(gb).max()) < 1e-4


def test_boltzmann_machine_warns_when_not_converged(digits):
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        BoltzmannMachine(max_iter=2, random_state=0).fit(digits[:50, 26:30])


def test_boltzmann_machine_sample_and_energy(digits):
    X = digits[:100, 26:31]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        bm = BoltzmannMachine(n_hidden=1, max_iter=5, random_state=0).fit(X)
    assert bm.sample(7, n_sweeps=3, random_state=0).shape == (7, 5)
    S = all_binary_states(6)
    np.testing.assert_allclose(sp_logsumexp(-bm.energy(S)), bm.log_partition())


# ---- deep belief nets ----------------------------------------------------------------------


def test_dbn_trains_layers_greedily_and_samples(digits):
    dbn = DBN((30, 10), n_epochs=2, random_state=0).fit(digits)
    first, second = dbn.rbms_
    assert first.components_.shape == (30, 64) and second.components_.shape == (10, 30)
    expected = hidden_probs(
        hidden_probs(digits, first.components_, first.intercept_hidden_),
        second.components_,
        second.intercept_hidden_,
    )
    np.testing.assert_allclose(dbn.transform(digits), expected)
    P = dbn.sample(5, n_gibbs=10, random_state=0)
    assert P.shape == (5, 64) and P.min() >= 0 and P.max() <= 1
    assert set(
        np.unique(dbn.sample(5, n_gibbs=10, random_state=0, return_probabilities=False))
    ) <= {0.0, 1.0}
    single = DBN((8,), n_epochs=1, random_state=0).fit(digits)
    assert single.sample(3, n_gibbs=5, random_state=0).shape == (3, 64)


# ---- bad input -----------------------------------------------------------------------------


def test_rejects_values_outside_unit_interval():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        RBM(3).fit(np.array([[0.0, 2.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        DBN((3,)).fit(-np.ones((4, 2)))


def test_rejects_non_binary_where_a_likelihood_is_computed():
    rbm = RBM.from_parameters(np.zeros((2, 3)), np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="binary"):
        rbm.log_likelihood_exact(np.full((2, 3), 0.5))
    with pytest.raises(ValueError, match="binary"):
        BoltzmannMachine().fit(np.full((4, 3), 0.5))


def test_rejects_wrong_width_at_transform_time(digits):
    rbm = RBM(4, n_epochs=1, random_state=0).fit(digits)
    with pytest.raises(ValueError, match="64"):
        rbm.transform(digits[:, :10])
    with pytest.raises(ValueError, match="features"):
        rbm.score_samples(digits[:, :10])
    dbn = DBN((4,), n_epochs=1, random_state=0).fit(digits)
    with pytest.raises(ValueError, match="features"):
        dbn.transform(digits[:, :10])


def test_rejects_bad_hyperparameters(digits):
    X = digits[:20]
    for params, pattern in [
        (dict(k=0), "k must"),
        (dict(momentum=1.0), "momentum"),
        (dict(n_hidden=0), "n_hidden"),
        (dict(learning_rate=-1.0), "learning_rate"),
        (dict(batch_size=0), "batch_size"),
    ]:
        with pytest.raises(ValueError, match=pattern):
            RBM(**{"n_hidden": 3, **params}).fit(X)
    with pytest.raises(ValueError, match="too many to enumerate"):
        BoltzmannMachine(n_hidden=10).fit(digits[:20, :16])
    with pytest.raises(ValueError, match="method"):
        BoltzmannMachine(method="mcmc").fit(digits[:20, :4])
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        DBN(()).fit(X)
    with pytest.raises(ValueError, match="shape"):
        RBM.from_parameters(np.zeros((2, 3)), np.zeros(2), np.zeros(2))


def test_methods_need_a_fitted_model():
    with pytest.raises(NotFittedError):
        RBM(3).transform(np.zeros((1, 3)))
    with pytest.raises(NotFittedError):
        BoltzmannMachine().log_partition()


def test_training_curves_match_rbm_fit_and_enumeration():
    """rbm_training_curves performs RBM.fit's updates and scores them exactly."""
    from lvmteach.boltzmann import rbm_training_curves

    rng = np.random.default_rng(0)
    X = binary(rng, 60, 6)
    for persistent, momentum in [(False, 0.0), (True, 0.5)]:
        W, b, c, curves = rbm_training_curves(
            X,
            3,
            learning_rate=0.1,
            n_epochs=4,
            persistent=persistent,
            momentum=momentum,
            random_state=1,
        )
        rbm = RBM(
            3,
            learning_rate=0.1,
            n_epochs=4,
            persistent=persistent,
            momentum=momentum,
            random_state=1,
        ).fit(X)
        np.testing.assert_allclose(W, rbm.components_, atol=1e-12)
        # brute force: log p(v) from the joint summed over all (v, h) pairs
        V, H = all_binary_states(6), all_binary_states(3)
        neg_E = np.array([[-rbm_energy(v[None], h[None], W, b, c)[0] for h in H] for v in V])
        log_pv = sp_logsumexp(neg_E, axis=1) - sp_logsumexp(neg_E)
        idx = (X @ (2 ** np.arange(5, -1, -1))).astype(int)
        assert abs(curves["log_likelihood"][-1] - log_pv[idx].mean()) < 1e-10
        assert curves["log_likelihood"].shape == curves["reconstruction_error"].shape == (5,)


def test_copying_rbm_reconstructs_perfectly_but_is_uniform():
    """W = αI, b = c = −α/2: each hidden unit copies one pixel. p(v) is exactly uniform
    (log-likelihood −D log 2 for every α) while the reconstruction error tends to zero."""
    from lvmteach.boltzmann import reconstruction_error

    rng = np.random.default_rng(0)
    X = binary(rng, 50, 8, p=0.3)
    errors = []
    for alpha in [2.0, 10.0, 30.0]:
        W, b = alpha * np.eye(8), np.full(8, -alpha / 2)
        assert abs(exact_log_likelihood(X, W, b, b) - 8 * np.log(0.5)) < 1e-10
        P = expit(alpha * (expit(alpha * (X - 0.5)) - 0.5))  # mean-field reconstruction, by hand
        errors.append(reconstruction_error(X, W, b, b))
        assert abs(errors[-1] - np.mean(np.sum((X - P) ** 2, axis=1))) < 1e-12
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-6


def test_dbn_bound_is_tight_at_the_transpose_and_matches_brute_force():
    """At W² = W¹ᵀ (biases swapped) the bound equals the first RBM's exact log p(v); at other
    parameters it is below the DBN's own log p(v) = log Σ_h p(h) P(v | h), and it equals a
    brute-force sum over h¹ written from scratch."""
    from lvmteach.boltzmann import dbn_bound_exact

    rng = np.random.default_rng(0)
    D, K = 5, 3
    W1, b1, c1 = random_rbm(rng, D, K)
    V = all_binary_states(D)
    exact = -free_energy(V, W1, b1, c1) - log_partition_exact(W1, b1, c1)
    tight = dbn_bound_exact(V, (W1, b1, c1), (W1.T, c1, b1))
    np.testing.assert_allclose(tight, exact, atol=1e-10)
    W2, b2, c2 = random_rbm(rng, K, D)
    loose = dbn_bound_exact(V, (W1, b1, c1), (W2, b2, c2))
    # brute force: p(h) by enumerating the second RBM's joint
    v, H, G = V[7], all_binary_states(K), all_binary_states(D)
    neg_E2 = np.array([[-rbm_energy(h[None], g[None], W2, b2, c2)[0] for g in G] for h in H])
    log_p_h = sp_logsumexp(neg_E2, axis=1) - sp_logsumexp(neg_E2)
    P_all = expit(b1 + H @ W1)                                     # (2^K, D)
    log_P_vh = V @ np.log(P_all).T + (1 - V) @ np.log(1 - P_all).T  # (2^D, 2^K)
    log_p_dbn = sp_logsumexp(log_p_h + log_P_vh, axis=1)
    assert np.all(loose <= log_p_dbn + 1e-12) and np.any(loose < log_p_dbn - 1e-3)
    q = np.prod(np.where(H == 1, expit(c1 + W1 @ v), 1 - expit(c1 + W1 @ v)), axis=1)
    pv = np.prod(np.where(v == 1, expit(b1 + H @ W1), 1 - expit(b1 + H @ W1)), axis=1)
    assert abs(loose[7] - np.sum(q * (log_p_h + np.log(pv) - np.log(q)))) < 1e-10


def test_dbn_transpose_init_raises_the_bound_above_the_first_rbm():
    from lvmteach.boltzmann import dbn_bound_exact

    X = load_digits(binarize=True).data[:400, ::4]  # 16 pixels
    dbn = DBN((6, 16), init="transpose", learning_rate=0.02, n_epochs=10, random_state=0).fit(X)
    (r1, r2) = dbn.rbms_
    lower = (r1.components_, r1.intercept_visible_, r1.intercept_hidden_)
    upper = (r2.components_, r2.intercept_visible_, r2.intercept_hidden_)
    assert np.mean(dbn_bound_exact(X, lower, upper)) > exact_log_likelihood(X, *lower)
    with pytest.raises(ValueError, match="transpose"):
        DBN((6, 10), init="transpose").fit(X)


def test_gaussian_bernoulli_rbm_against_scipy_integration_and_enumeration():
    """log Z by completing the square = log of SciPy's numerical integral over v (2-D) of the
    enumerated sum over h; F(v) = −log Σ_h exp(−E(v, h)); P(h | v) and E[v | h] from the joint."""
    from scipy import integrate

    from lvmteach.boltzmann import (
        gb_energy,
        gb_free_energy,
        gb_hidden_probs,
        gb_log_partition_exact,
        gb_visible_mean,
    )

    rng = np.random.default_rng(0)
    W, b, c, sigma = (
        rng.normal(scale=0.7, size=(3, 2)),
        rng.normal(size=2),
        rng.normal(size=3),
        np.array([0.8, 1.3]),
    )
    H = all_binary_states(3)

    def unnormalised(v2, v1):
        v = np.array([[v1, v2]])
        return np.exp(-gb_free_energy(v, W, b, c, sigma))[0]

    Z, _ = integrate.dblquad(unnormalised, -15, 15, -15, 15, epsabs=1e-11, epsrel=1e-11)
    assert abs(gb_log_partition_exact(W, b, c, sigma) - np.log(Z)) < 1e-8
    V = rng.normal(size=(5, 2))
    neg_E = np.array([[-gb_energy(v[None], h[None], W, b, c, sigma)[0] for h in H] for v in V])
    np.testing.assert_allclose(
        gb_free_energy(V, W, b, c, sigma), -sp_logsumexp(neg_E, axis=1), atol=1e-12
    )
    post = np.exp(neg_E - sp_logsumexp(neg_E, axis=1, keepdims=True))
    np.testing.assert_allclose(gb_hidden_probs(V, W, c, sigma), post @ H, atol=1e-12)
    # E[v | h] for h = (1, 0, 1): the mean of the Gaussian in v, by integrating v p(v | h)
    h = np.array([1.0, 0.0, 1.0])
    f = lambda v1: np.exp(-gb_energy(np.array([[v1, 0.0]]), h[None], W, b, c, sigma)[0])  # noqa: E731
    m0 = integrate.quad(lambda v1: v1 * f(v1), -20, 20)[0] / integrate.quad(f, -20, 20)[0]
    assert abs(m0 - gb_visible_mean(h[None], W, b, sigma)[0, 0]) < 1e-8


def test_gaussian_bernoulli_gibbs_chain_reaches_the_exact_mean():
    from lvmteach.boltzmann import gb_gibbs_step

    rng = np.random.default_rng(1)
    W, b, c, sigma = (
        rng.normal(scale=0.5, size=(3, 2)),
        rng.normal(size=2),
        rng.normal(size=3),
        np.array([1.0, 0.5]),
    )
    H = all_binary_states(3)
    A = H @ W
    # p(h) ∝ exp(·), from the Gaussian integral
    log_ph = H @ c + np.sum(A * b / sigma + 0.5 * A**2, axis=1)
    ph = np.exp(log_ph - sp_logsumexp(log_ph))
    exact_mean = ph @ (b + sigma * A)
    V = np.zeros((4000, 2))
    total = np.zeros(2)
    for t in range(60):
        V = gb_gibbs_step(V, W, b, c, sigma, rng)
        if t >= 20:
            total += V.mean(axis=0)
    np.testing.assert_allclose(total / 40, exact_mean, atol=0.03)

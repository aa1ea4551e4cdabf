"""Hidden Markov models against hmmlearn and against brute-force enumeration of all paths."""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lvmteach.em import strict_monotonicity
from lvmteach.exceptions import ConvergenceWarning
from lvmteach.hmm import (
    HiddenMarkovModel,
    backward,
    categorical_log_prob,
    expected_transitions,
    forward,
    log_forward,
    pad_sequences,
    pairwise_marginals,
    posterior_marginals,
    scaled_emissions,
    viterbi,
)

hmmlearn = pytest.importorskip("hmmlearn.hmm")


def random_model(K, M, seed):
    rng = np.random.default_rng(seed)
    return (
        rng.dirichlet(np.ones(K)),
        rng.dirichlet(np.ones(K), size=K),
        rng.dirichlet(np.ones(M), size=K),
    )


def brute_force(startprob, transmat, emissionprob, x):
    """p(x, z) for every one of the K^T paths z: the definition, no recursion."""
    K, T = len(startprob), len(x)
    paths = np.array(list(itertools.product(range(K), repeat=T)))
    p = startprob[paths[:, 0]] * emissionprob[paths[:, 0], x[0]]
    for t in range(1, T):
        p = p * transmat[paths[:, t - 1], paths[:, t]] * emissionprob[paths[:, t], x[t]]
    return paths, p


def tiny_problem(seed, T, K=3, M=4):
    """A random K-state model, T random symbols, all K^T paths with p(x, z), and the padded
    batch.
    """
    startprob, transmat, emissionprob = random_model(K, M, seed)
    x = np.random.default_rng(seed + 10 * T).integers(M, size=T)
    paths, p = brute_force(startprob, transmat, emissionprob, x)
    log_frame, mask = pad_sequences(
        categorical_log_prob(x[:, None].astype(float), emissionprob), [T]
    )
    return startprob, transmat, emissionprob, x, paths, p, log_frame, mask


@pytest.mark.parametrize("seed", range(4))
def test_forward_backward_matches_enumeration_of_all_paths(seed):
    K, T = 3, 6
    startprob, transmat, emissionprob, x, paths, p, log_frame, mask = tiny_problem(seed, T, K)
    frame, shift = scaled_emissions(log_frame, mask)
    alpha, scale = forward(startprob, transmat, frame, mask)
    beta = backward(transmat, frame, scale, mask)
    # likelihood p(x) = Σ_z p(x, z)
    np.testing.assert_allclose(np.log(scale).sum() + shift.sum(), np.log(p.sum()), rtol=1e-12)
    np.testing.assert_allclose(
        log_forward(np.log(startprob), np.log(transmat), log_frame, mask)[1][0],
        np.log(p.sum()),
        rtol=1e-12,
    )
    # posterior marginals γ_t(k) = Σ_{z: z_t = k} p(x, z) / p(x)
    gamma = posterior_marginals(alpha, beta)[0]
    expected = (
        np.stack([np.bincount(paths[:, t], weights=p, minlength=K) for t in range(T)]) / p.sum()
    )
    np.testing.assert_allclose(gamma, expected, rtol=1e-10, atol=1e-14)
    # pairwise marginals ξ_t(i, j)
    xi = pairwise_marginals(alpha, beta, transmat, frame, scale, mask)[0]
    for t in range(1, T):
        joint = np.zeros((K, K))
        np.add.at(joint, (paths[:, t - 1], paths[:, t]), p)
        np.testing.assert_allclose(xi[t - 1], joint / p.sum(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(
        expected_transitions(alpha, beta, transmat, frame, scale, mask), xi.sum(axis=0), rtol=1e-12
    )
    # filtering: α̂_t(k) = p(z_t = k | x_1..x_t), by enumerating paths of length t
    for t in range(1, T + 1):
        sub_paths, sub_p = brute_force(startprob, transmat, emissionprob, x[:t])
        filt = np.bincount(sub_paths[:, -1], weights=sub_p, minlength=K) / sub_p.sum()
        np.testing.assert_allclose(alpha[0, t - 1], filt, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("seed", range(4))
def test_viterbi_finds_the_most_probable_of_all_paths(seed):
    startprob, transmat, _, _, paths, p, log_frame, mask = tiny_problem(seed, T=7)
    log_prob, path = viterbi(np.log(startprob), np.log(transmat), log_frame, mask)
    np.testing.assert_array_equal(path[0], paths[np.argmax(p)])
    np.testing.assert_allclose(log_prob[0], np.log(p.max()), rtol=1e-12)


def test_padded_batch_gives_the_same_results_as_one_sequence_at_a_time():
    K, M = 3, 4
    startprob, transmat, emissionprob = random_model(K, M, 5)
    rng = np.random.default_rng(0)
    lengths = [5, 1, 9, 3]
    x = rng.integers(M, size=sum(lengths)).astype(float)[:, None]
    log_frame, mask = pad_sequences(categorical_log_prob(x, emissionprob), lengths)
    frame, shift = scaled_emissions(log_frame, mask)
    alpha, scale = forward(startprob, transmat, frame, mask)
    beta = backward(transmat, frame, scale, mask)
    log_lik = np.log(scale).sum(axis=1) + shift.sum(axis=1)
    np.testing.assert_allclose(
        log_forward(np.log(startprob), np.log(transmat), log_frame, mask)[1], log_lik, rtol=1e-12
    )
    _, vpath = viterbi(np.log(startprob), np.log(transmat), log_frame, mask)
    for s, (lo, n) in enumerate(zip(np.cumsum([0] + lengths[:-1]), lengths)):
        lf, m = pad_sequences(categorical_log_prob(x[lo : lo + n], emissionprob), [n])
        f, sh = scaled_emissions(lf, m)
        a, c = forward(startprob, transmat, f, m)
        b = backward(transmat, f, c, m)
        np.testing.assert_allclose(log_lik[s], np.log(c).sum() + sh.sum(), rtol=1e-13)
        np.testing.assert_allclose((alpha * beta)[s, :n], (a * b)[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(
            vpath[s, :n], viterbi(np.log(startprob), np.log(transmat), lf, m)[1][0]
        )


def test_scaled_forward_survives_where_the_naive_recursion_underflows():
    rng = np.random.default_rng(0)
    startprob, transmat = np.array([0.5, 0.5]), np.array([[0.9, 0.1], [0.1, 0.9]])
    log_frame = rng.normal(-30.0, 1.0, size=(1, 2000, 2))  # each p(x_t | z) about e^-30
    mask = np.ones((1, 2000), bool)
    naive = startprob * np.exp(log_frame[0, 0])
    for t in range(1, 2000):
        naive = (naive @ transmat) * np.exp(log_frame[0, t])
    assert naive.sum() == 0.0  # underflowed
    frame, shift = scaled_emissions(log_frame, mask)
    _, scale = forward(startprob, transmat, frame, mask)
    log_lik = np.log(scale).sum() + shift.sum()
    ref = log_forward(np.log(startprob), np.log(transmat), log_frame, mask)[1][0]
    assert np.isfinite(log_lik) and abs(log_lik - ref) < 1e-9 * abs(ref)


def gaussian_data(seed=1, T=300):
    ref = hmmlearn.GaussianHMM(3, covariance_type="full")
    ref.startprob_ = np.array([0.5, 0.3, 0.2])
    ref.transmat_ = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7]])
    ref.means_ = np.array([[0.0, 0.0], [3.0, 3.0], [-3.0, 2.0]])
    ref.covars_ = np.stack([np.eye(2), [[1.0, 0.5], [0.5, 1.0]], 0.5 * np.eye(2)])
    X, _ = ref.sample(T, random_state=seed)
    return X, [100, 120, 80]


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_baum_welch_matches_hmmlearn_gaussian_from_same_start(covariance_type):
    X, lengths = gaussian_data()
    K, D = 3, 2
    start = dict(
        startprob=np.full(K, 1 / K),
        transmat=0.5 * np.full((K, K), 1 / K) + 0.5 * np.eye(K),
        means=X[:K] + 0.1,
        covars=np.stack([np.eye(D)] * K) if covariance_type == "full" else np.ones((K, D)),
    )
    ref = hmmlearn.GaussianHMM(
        K, covariance_type=covariance_type, n_iter=25, tol=0, init_params="", covars_prior=0
    )
    ref.startprob_, ref.transmat_, ref.means_, ref.covars_ = (
        start["startprob"],
        start["transmat"],
        start["means"],
        start["covars"],
    )
    ref.fit(X, lengths)
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = HiddenMarkovModel(
            K, covariance_type=covariance_type, tol=0, max_iter=25, reg_covar=0, init=start
        ).fit(X, lengths)
    np.testing.assert_allclose(ours.history_, ref.monitor_.history, rtol=1e-11)
    np.testing.assert_allclose(ours.startprob_, ref.startprob_, atol=1e-10)
    np.testing.assert_allclose(ours.transmat_, ref.transmat_, atol=1e-10)
    np.testing.assert_allclose(ours.means_, ref.means_, atol=1e-10)
    ref_covars = ref.covars_ if covariance_type == "full" else ref._covars_
    np.testing.assert_allclose(ours.covars_, ref_covars, atol=1e-10)
    np.testing.assert_allclose(ours.score(X, lengths), ref.score(X, lengths), rtol=1e-12)
    np.testing.assert_allclose(
        ours.predict_proba(X, lengths), ref.predict_proba(X, lengths), atol=1e-10
    )
    np.testing.assert_array_equal(ours.predict(X, lengths), ref.predict(X, lengths))
    np.testing.assert_allclose(ours.decode(X, lengths)[0], ref.decode(X, lengths)[0], rtol=1e-12)


def test_baum_welch_matches_hmmlearn_categorical_from_same_start():
    K, M = 3, 5
    startprob, transmat, emissionprob = random_model(K, M, 3)
    gen = hmmlearn.CategoricalHMM(K)
    gen.startprob_, gen.transmat_, gen.emissionprob_ = startprob, transmat, emissionprob
    X, _ = gen.sample(400, random_state=0)
    lengths = [150, 50, 200]
    start = dict(
        startprob=np.full(K, 1 / K),
        transmat=random_model(K, K, 7)[1],
        emissionprob=random_model(K, M, 8)[2],
    )
    ref = hmmlearn.CategoricalHMM(K, n_iter=30, tol=0, init_params="")
    ref.startprob_, ref.transmat_, ref.emissionprob_ = (
        start["startprob"],
        start["transmat"],
        start["emissionprob"],
    )
    ref.fit(X, lengths)
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = HiddenMarkovModel(K, emission="categorical", tol=0, max_iter=30, init=start).fit(
            X, lengths
        )
    np.testing.assert_allclose(ours.history_, ref.monitor_.history, rtol=1e-11)
    np.testing.assert_allclose(ours.transmat_, ref.transmat_, atol=1e-10)
    np.testing.assert_allclose(ours.emissionprob_, ref.emissionprob_, atol=1e-10)
    np.testing.assert_array_equal(ours.predict(X, lengths), ref.predict(X, lengths))


def test_baum_welch_matches_hmmlearn_poisson_from_same_start():
    rng = np.random.default_rng(0)
    z = np.repeat(rng.integers(2, size=30), 10)
    X = rng.poisson(np.array([[2.0, 8.0], [9.0, 1.0]])[z]).astype(float)
    start = dict(
        startprob=[0.5, 0.5], transmat=[[0.7, 0.3], [0.4, 0.6]], lambdas=[[1.0, 5.0], [6.0, 2.0]]
    )
    ref = hmmlearn.PoissonHMM(
        2, n_iter=20, tol=0, init_params="", lambdas_prior=0.0, lambdas_weight=0.0
    )
    ref.startprob_, ref.transmat_, ref.lambdas_ = (np.array(v) for v in start.values())
    ref.fit(X, [100, 200])
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # hmmlearn stops as soon as the change is below tol=0, i.e. at a round-off-sized decrease
        n_iter = len(ref.monitor_.history)
        ours = HiddenMarkovModel(2, emission="poisson", tol=0, max_iter=n_iter, init=start).fit(
            X, [100, 200]
        )
    np.testing.assert_allclose(ours.history_, ref.monitor_.history, rtol=1e-11)
    np.testing.assert_allclose(ours.lambdas_, ref.lambdas_, rtol=1e-10)


@pytest.mark.parametrize("seed", range(3))
def test_baum_welch_never_decreases_log_likelihood_from_random_starts(seed):
    X, lengths = gaussian_data(seed=seed)
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = HiddenMarkovModel(3, tol=0, max_iter=30, n_init=2, random_state=seed).fit(
            X, lengths
        )
    assert np.all(np.diff(model.history_) >= -1e-9 * np.abs(model.history_[1:]))
    assert np.allclose(model.transmat_.sum(axis=1), 1) and np.isclose(model.startprob_.sum(), 1)


def test_convergence_warning_when_max_iter_is_too_small():
    X, lengths = gaussian_data()
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        HiddenMarkovModel(3, max_iter=2, random_state=0).fit(X, lengths)


def test_sample_recovers_the_transition_matrix():
    X, lengths = gaussian_data()
    model = HiddenMarkovModel(3, random_state=0).fit(X, lengths)
    _, Z = model.sample(20000, random_state=1)
    counts = np.zeros((3, 3))
    np.add.at(counts, (Z[:-1], Z[1:]), 1)
    np.testing.assert_allclose(
        counts / counts.sum(axis=1, keepdims=True), model.transmat_, atol=0.02
    )
    start = dict(emissionprob=[[0.9, 0.1], [0.2, 0.8]])
    symbols = np.array([[0], [1], [1], [0]] * 5)
    Xc, _ = (
        HiddenMarkovModel(2, emission="categorical", init=start, random_state=0)
        .fit(symbols)
        .sample(5000, random_state=0)
    )
    assert set(np.unique(Xc)) <= {0.0, 1.0} and Xc.shape == (5000, 1)


def test_bad_inputs_raise_value_errors():
    X, _ = gaussian_data()
    with pytest.raises(ValueError, match="sum to the number of rows"):
        HiddenMarkovModel(2).fit(X, [10, 20])
    with pytest.raises(ValueError, match="emission must be one of"):
        HiddenMarkovModel(2, emission="bernoulli").fit(X)
    with pytest.raises(ValueError, match="symbols 0, 1, 2"):
        HiddenMarkovModel(2, emission="categorical").fit(np.array([[0.5], [1.0]]))
    with pytest.raises(ValueError, match="n_symbols=2"):
        HiddenMarkovModel(2, emission="categorical", n_symbols=2).fit(np.array([[0], [1], [2]]))
    with pytest.raises(ValueError, match="non-negative integer counts"):
        HiddenMarkovModel(2, emission="poisson").fit(-np.ones((5, 1)))
    with pytest.raises(ValueError, match="unknown parameter"):
        HiddenMarkovModel(2, init=dict(lambdas=[1.0, 2.0])).fit(X)
    with pytest.raises(ValueError, match="at least as many"):
        HiddenMarkovModel(5).fit(X[:3])
    model = HiddenMarkovModel(2, random_state=0).fit(X)
    with pytest.raises(ValueError):
        model.score(X[:, :1])


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    K=st.integers(1, 4),
    emission=st.sampled_from(["gaussian", "categorical", "poisson"]),
    lengths=st.lists(st.integers(1, 30), min_size=1, max_size=4),
)
def test_baum_welch_is_monotone_on_random_data(seed, K, emission, lengths):
    """Exact EM is monotone, so reg_covar=0 (a floor makes the Gaussian M-step slightly
    suboptimal near a collapse, as for GaussianMixture); a collapse onto one point is skipped."""
    rng = np.random.default_rng(seed)
    N = sum(lengths)
    if N < K:
        return
    X = {
        "gaussian": rng.normal(size=(N, 2)) * rng.uniform(0.5, 3.0),
        "categorical": rng.integers(3, size=(N, 1)).astype(float),
        "poisson": rng.poisson(rng.uniform(0.5, 8.0, size=2), size=(N, 2)).astype(float),
    }[emission]
    with strict_monotonicity(), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = HiddenMarkovModel(
            K, emission=emission, reg_covar=0.0, tol=0, max_iter=15, random_state=seed
        )
        try:
            model.fit(X, lengths)
        except ValueError as exc:  # a Gaussian state collapsed: no maximum likelihood exists
            assume("singular" not in str(exc) and "zero or negative" not in str(exc))
            raise
    assert np.all(np.isfinite(model.history_))


def test_a_sequence_with_probability_zero_scores_minus_inf_and_has_no_posterior():
    """A symbol that no state emits: log p(x) = -inf (as hmmlearn), never NaN; posteriors refuse."""
    model = HiddenMarkovModel(2, emission="categorical", n_symbols=3)
    model.startprob_ = np.array([0.5, 0.5])
    model.transmat_ = np.array([[0.9, 0.1], [0.2, 0.8]])
    model.emissionprob_ = np.array([[0.5, 0.5, 0.0], [0.3, 0.7, 0.0]])
    X = np.array([[0], [1], [2], [0]])
    assert model.score(X) == -np.inf
    assert model.score(X[:2]) > -np.inf
    with pytest.raises(ValueError, match="probability 0 under the model"):
        model.predict_proba(X)

"""NMF by multiplicative updates against scikit-learn's solver='mu', SciPy and closed forms."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lvmteach.exceptions import ConvergenceWarning
from lvmteach.nmf import NMF, beta_divergence, initialize_nmf, multiplicative_update_H, multiplicative_update_W

LOSSES = ["frobenius", "kullback-leibler"]


def counts(N=60, D=40, seed=0, rate=2.0):
    rng = np.random.default_rng(seed)
    return rng.poisson(rate, size=(N, D)).astype(float)  # non-negative, with exact zeros


def start(N, D, K, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 1.1, size=(N, K)), rng.uniform(0.1, 1.1, size=(K, D))


def rel(a, b):
    return np.max(np.abs(a - b)) / np.max(np.abs(b))


# ------------------------------------------------------------------ against scikit-learn


@pytest.mark.parametrize("beta_loss", LOSSES)
@pytest.mark.parametrize("n_iter", [1, 30, 300])
def test_matches_sklearn_mu_from_same_start(beta_loss, n_iter):
    from sklearn.decomposition import NMF as SkNMF

    X = counts()
    W0, H0 = start(*X.shape, 5)
    sk = SkNMF(5, solver="mu", beta_loss=beta_loss, init="custom", tol=0, max_iter=n_iter)
    W_sk = sk.fit_transform(X, W=W0.copy(), H=H0.copy())
    model = NMF(5, beta_loss=beta_loss, init="custom", tol=0, max_iter=n_iter)
    W = model.fit_transform(X, W=W0, H=H0)
    assert rel(W, W_sk) < 1e-9
    assert rel(model.components_, sk.components_) < 1e-9
    assert model.reconstruction_err_ == pytest.approx(sk.reconstruction_err_, rel=1e-9)
    assert model.n_iter_ == sk.n_iter_ == n_iter


@pytest.mark.parametrize("beta_loss", LOSSES)
def test_matches_sklearn_when_the_kl_updates_work_in_several_row_blocks(beta_loss):
    """400 x 300: the KL updates form X / WH in 4 blocks of rows, so sums run in another order."""
    from sklearn.decomposition import NMF as SkNMF

    X = counts(N=400, D=300, seed=30)
    W0, H0 = start(400, 300, 8, seed=31)
    sk = SkNMF(8, solver="mu", beta_loss=beta_loss, init="custom", tol=0, max_iter=100)
    W_sk = sk.fit_transform(X, W=W0.copy(), H=H0.copy())
    model = NMF(8, beta_loss=beta_loss, init="custom", tol=0, max_iter=100)
    W = model.fit_transform(X, W=W0, H=H0)
    assert rel(W, W_sk) < 1e-9 and rel(model.components_, sk.components_) < 1e-9


@pytest.mark.parametrize("beta_loss", LOSSES)
def test_stops_at_the_same_iteration_as_sklearn(beta_loss):
    from sklearn.decomposition import NMF as SkNMF

    X = counts(seed=3)
    W0, H0 = start(*X.shape, 4, seed=4)
    sk = SkNMF(4, solver="mu", beta_loss=beta_loss, init="custom", tol=1e-3, max_iter=2000).fit(X, W=W0.copy(), H=H0.copy())
    model = NMF(4, beta_loss=beta_loss, init="custom", tol=1e-3, max_iter=2000).fit(X, W=W0, H=H0)
    assert model.converged_
    assert model.n_iter_ == sk.n_iter_ < 2000
    assert rel(model.components_, sk.components_) < 1e-9


@pytest.mark.parametrize("beta_loss", LOSSES)
def test_transform_matches_sklearn(beta_loss):
    from sklearn.decomposition import NMF as SkNMF

    X = counts(seed=5)
    W0, H0 = start(*X.shape, 3, seed=6)
    kw = dict(beta_loss=beta_loss, init="custom", tol=0, max_iter=100)
    sk = SkNMF(3, solver="mu", **kw).fit(X, W=W0.copy(), H=H0.copy())
    model = NMF(3, **kw).fit(X, W=W0, H=H0)
    X_new = counts(N=7, seed=7)
    assert rel(model.transform(X_new), sk.transform(X_new)) < 1e-9


@pytest.mark.parametrize("beta_loss", LOSSES)
def test_beta_divergence_matches_sklearn(beta_loss):
    from sklearn.decomposition._nmf import _beta_divergence

    X = counts(seed=8)
    W, H = start(*X.shape, 4, seed=9)
    assert beta_divergence(X, W, H, beta_loss) == pytest.approx(_beta_divergence(X, W, H, beta_loss), rel=1e-12)


def test_nndsvd_matches_sklearn():
    """A 30 x 12 matrix: scikit-learn's randomized SVD sketches 4 + 10 >= 12 columns, so it is exact."""
    from sklearn.decomposition._nmf import _initialize_nmf

    X = counts(N=30, D=12, seed=10, rate=4.0)
    W_sk, H_sk = _initialize_nmf(X, 4, init="nndsvd", random_state=0)
    W, H = initialize_nmf(X, 4, "nndsvd")
    assert np.allclose(W, W_sk, atol=1e-10) and np.allclose(H, H_sk, atol=1e-10)
    Wa, Ha = initialize_nmf(X, 4, "nndsvda")
    Wa_sk, Ha_sk = _initialize_nmf(X, 4, init="nndsvda", random_state=0)
    assert np.allclose(Wa, Wa_sk, atol=1e-10) and np.allclose(Ha, Ha_sk, atol=1e-10)


# ------------------------------------------------------------------ the losses, independently


def test_frobenius_loss_is_half_the_squared_norm():
    X = counts(seed=11)
    W, H = start(*X.shape, 3, seed=12)
    assert beta_divergence(X, W, H) == pytest.approx(0.5 * np.linalg.norm(X - W @ H, "fro") ** 2, rel=1e-12)


def test_kl_loss_is_scipy_generalised_kl():
    from scipy.special import kl_div

    X = counts(seed=13)
    W, H = start(*X.shape, 3, seed=14)
    assert beta_divergence(X, W, H, "kullback-leibler") == pytest.approx(kl_div(X, W @ H).sum(), rel=1e-12)


@pytest.mark.parametrize("beta_loss", LOSSES)
def test_update_returns_the_loss_of_its_input(beta_loss):
    X = counts(seed=15)
    W, H = start(*X.shape, 3, seed=16)
    W_new, loss = multiplicative_update_W(X, W, H, beta_loss, return_loss=True)
    assert loss == pytest.approx(beta_divergence(X, W, H, beta_loss), rel=1e-10)
    assert np.array_equal(W_new, multiplicative_update_W(X, W, H, beta_loss))


@pytest.mark.parametrize("beta_loss", LOSSES)
def test_history_is_the_loss_after_each_iteration(beta_loss):
    X = counts(seed=17)
    W0, H0 = start(*X.shape, 3, seed=18)
    full = NMF(3, beta_loss=beta_loss, init="custom", tol=0, max_iter=12).fit(X, W=W0, H=H0)
    assert len(full.history_) == 13
    for t in (1, 5, 12):
        m = NMF(3, beta_loss=beta_loss, init="custom", tol=0, max_iter=t)
        W = m.fit_transform(X, W=W0, H=H0)
        assert full.history_[t] == pytest.approx(beta_divergence(X, W, m.components_, beta_loss), rel=1e-10)
    assert full.history_[0] == pytest.approx(beta_divergence(X, W0, H0, beta_loss), rel=1e-10)


def test_frobenius_update_is_a_fixed_point_at_the_unconstrained_minimiser():
    """If X = W H exactly, (W, H) is a stationary point and the updates leave it unchanged."""
    W, H = start(20, 15, 3, seed=19)
    X = W @ H
    assert np.allclose(multiplicative_update_W(X, W, H), W, rtol=1e-12)
    assert np.allclose(multiplicative_update_H(X, W, H), H, rtol=1e-12)
    assert np.allclose(multiplicative_update_W(X, W, H, "kullback-leibler"), W, rtol=1e-12)
    assert np.allclose(multiplicative_update_H(X, W, H, "kullback-leibler"), H, rtol=1e-12)


# ------------------------------------------------------------------ the loss never increases


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    N=st.integers(2, 12),
    D=st.integers(2, 12),
    beta_loss=st.sampled_from(LOSSES),
    init=st.sampled_from(["random", "nndsvda"]),
)
def test_loss_never_increases(seed, N, D, beta_loss, init):
    rng = np.random.default_rng(seed)
    X = rng.poisson(rng.uniform(0.3, 5), size=(N, D)).astype(float)
    X[0, 0] += 1.0  # never all zeros
    K = int(rng.integers(1, min(N, D) + 1))
    model = NMF(K, beta_loss=beta_loss, init=init, tol=0, max_iter=60, random_state=seed).fit(X)
    h = model.history_
    assert np.all(np.isfinite(h))
    assert np.all(np.diff(h) <= 1e-9 * np.maximum(1.0, np.abs(h[:-1]))), np.diff(h).max()


def test_a_broken_update_is_caught_by_the_monotonicity_test():
    """The test above can fail: an update with the ratio inverted increases the loss."""
    X = counts(seed=20)
    W, H = start(*X.shape, 3, seed=21)
    loss = beta_divergence(X, W, H)
    for _ in range(5):
        W = W * (W @ H @ H.T) / (X @ H.T)  # numerator and denominator swapped
    assert beta_divergence(X, W, H) > loss


# ------------------------------------------------------------------ the estimator


def test_inverse_transform_and_reconstruction_error():
    X = counts(seed=22)
    model = NMF(4, init="nndsvda", tol=0, max_iter=50)
    W = model.fit_transform(X)
    assert np.allclose(model.inverse_transform(W), W @ model.components_)
    assert model.reconstruction_err_ == pytest.approx(np.linalg.norm(X - W @ model.components_), rel=1e-10)


def test_random_init_reproducible_and_nonnegative():
    X = counts(seed=23)
    a = NMF(3, tol=0, max_iter=5, random_state=0).fit_transform(X)
    b = NMF(3, tol=0, max_iter=5, random_state=0).fit_transform(X)
    c = NMF(3, tol=0, max_iter=5, random_state=1).fit_transform(X)
    assert np.array_equal(a, b) and not np.allclose(a, c) and (a >= 0).all()


def test_warns_when_stopped_at_max_iter():
    X = counts(seed=24)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        NMF(3, tol=1e-12, max_iter=20, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        NMF(3, tol=0, max_iter=20, random_state=0).fit(X)  # tol=0 asks for exactly max_iter


def test_sklearn_clone_works():
    from sklearn.base import clone

    model = NMF(3, beta_loss="kullback-leibler", random_state=2)
    assert clone(model).get_params() == model.get_params()


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    "kwargs, X, match",
    [
        ({}, -counts(), "negative"),
        ({}, np.zeros((5, 4)), "all zeros"),
        ({"n_components": 7}, counts(N=6, D=10), "larger than the data allow"),
        ({"n_components": 0}, counts(), "n_components"),
        ({"beta_loss": "itakura-saito"}, counts(), "beta_loss"),
        ({"init": "svd"}, counts(), "init"),
        ({"max_iter": 0}, counts(), "max_iter"),
        ({"tol": -1.0}, counts(), "tol"),
        ({"init": "custom"}, counts(), "needs both W and H"),
    ],
)
def test_bad_input_raises(kwargs, X, match):
    params = {"n_components": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        NMF(**params).fit(X)


def test_bad_custom_factors_raise():
    X = counts(N=8, D=6)
    W, H = start(8, 6, 2)
    with pytest.raises(ValueError, match="shape"):
        NMF(2, init="custom").fit(X, W=W[:5], H=H)
    with pytest.raises(ValueError, match="negative"):
        NMF(2, init="custom").fit(X, W=-W, H=H)
    with pytest.raises(ValueError, match="all zeros"):
        NMF(2, init="custom").fit(X, W=W, H=0 * H)
    with pytest.raises(ValueError, match="only used with init='custom'"):
        NMF(2).fit(X, W=W, H=H)


def test_transform_bad_input_raises():
    model = NMF(2, tol=0, max_iter=5, random_state=0).fit(counts(N=8, D=6))
    with pytest.raises(ValueError, match="features"):
        model.transform(counts(N=3, D=5))
    with pytest.raises(ValueError, match="negative"):
        model.transform(-counts(N=3, D=6))
    with pytest.raises(ValueError, match="not fitted"):
        NMF(2).transform(counts(N=3, D=6))


# ------------------------------------------------------------------ coordinate descent (HALS)


@pytest.mark.parametrize("tol", [0.0, 1e-4])
def test_cd_matches_sklearn_cd_from_same_start(tol):
    from sklearn.decomposition import NMF as SkNMF

    X = counts()
    W0, H0 = start(*X.shape, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        sk = SkNMF(5, solver="cd", init="custom", tol=tol, max_iter=100)
        W_sk = sk.fit_transform(X, W=W0.copy(), H=H0.copy())
        ours = NMF(5, solver="cd", init="custom", tol=tol, max_iter=100)
        W = ours.fit_transform(X, W=W0, H=H0)
    assert ours.n_iter_ == sk.n_iter_
    assert rel(W, W_sk) < 1e-9 and rel(ours.components_, sk.components_) < 1e-9
    assert ours.reconstruction_err_ == pytest.approx(sk.reconstruction_err_, rel=1e-12)


def test_cd_reaches_sklearn_default_loss_from_its_default_start():
    from sklearn.decomposition import NMF as SkNMF

    X = counts(N=80, D=50, seed=3)
    sk = SkNMF(6, random_state=0).fit(X)  # solver='cd', init='nndsvda', tol=1e-4
    ours = NMF(6, solver="cd", init="nndsvda").fit(X)
    assert ours.n_iter_ == sk.n_iter_
    # scikit-learn's NNDSVD uses a randomised SVD, so the starts agree only approximately
    assert ours.reconstruction_err_ == pytest.approx(sk.reconstruction_err_, rel=1e-5)


def test_cd_transform_matches_sklearn():
    from sklearn.decomposition import NMF as SkNMF

    X, X_new = counts(), counts(N=20, seed=5)
    W0, H0 = start(*X.shape, 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both stop at max_iter on these noisy counts
        sk = SkNMF(4, solver="cd", init="custom", max_iter=300).fit(X, W=W0.copy(), H=H0.copy())
        ours = NMF(4, solver="cd", init="custom", max_iter=300).fit(X, W=W0, H=H0)
        W_sk, W = sk.transform(X_new), ours.transform(X_new)
    assert rel(W, W_sk) < 1e-8


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), N=st.integers(3, 30), D=st.integers(3, 30))
def test_cd_loss_never_increases(seed, N, D):
    X = counts(N, D, seed=seed, rate=1.5)
    K = min(3, N, D)
    if X.max() == 0:
        return
    W0, H0 = start(N, D, K, seed=seed + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        model = NMF(K, solver="cd", init="custom", tol=0, max_iter=40).fit(X, W=W0, H=H0)
    h = model.history_
    assert len(h) == model.n_iter_ + 1 and h[0] == pytest.approx(beta_divergence(X, W0, H0), rel=1e-10)
    assert np.all(np.diff(h) <= 1e-10 * h[0])


def test_hals_row_update_is_the_exact_nonnegative_minimiser_of_its_row():
    # Minimising over one row a_t of H with the others fixed is a separable 1-D problem per entry:
    # compare with a fine grid search of the loss along each entry.
    from lvmteach.nmf import hals_update

    X = counts(N=30, D=8, seed=2)
    W, H = start(30, 8, 3, seed=4)
    H1 = H.copy()
    hals_update(H1[:1], (W.T @ W)[:1, :1], W[:, :1].T @ (X - W[:, 1:] @ H[1:]))
    for d in range(8):
        grid = np.linspace(0.0, 3.0 * H1[0, d] + 1.0, 3001)
        losses = [beta_divergence(X, W, np.vstack([np.r_[H[0, :d], g, H[0, d + 1 :]], H[1:]])) for g in grid]
        assert beta_divergence(X, W, np.vstack([H1[:1], H[1:]])) <= min(losses) + 1e-9


def test_cd_rejects_the_kl_loss():
    with pytest.raises(ValueError, match="solver='cd' handles only"):
        NMF(2, solver="cd", beta_loss="kullback-leibler").fit(counts())
    with pytest.raises(ValueError, match="solver"):
        NMF(2, solver="als").fit(counts())

"""NMF by multiplicative updates against scikit-learn's solver='mu', SciPy and closed forms."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lvmteach.exceptions import ConvergenceWarning
from lvmteach.nmf import (
    NMF,
    beta_divergence,
    initialize_nmf,
    multiplicative_update_H,
    multiplicative_update_W,
)

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
    W = model.fit(X, W=W0, H=H0).activations_
    assert rel(W, W_sk) < 1e-9
    assert rel(model.components_, sk.components_) < 1e-9
    assert model.reconstruction_err_ == pytest.approx(sk.reconstruction_err_, rel=1e-9)
    assert model.n_iter_ == sk.n_iter_ == n_iter


@pytest.mark.parametrize("beta_loss", LOSSES)
def test_matches_sklearn_when_the_kl_updates_work_in_several_row_blocks(beta_loss, monkeypatch):
    """Blocks of 2^15 entries (the default is 2^21): the KL updates form X / WH in 4 blocks of
    rows of 400 x 300, so sums run in another order."""
    from sklearn.decomposition import NMF as SkNMF

    import lvmteach.nmf

    blocks = lvmteach.nmf._row_blocks
    monkeypatch.setattr(lvmteach.nmf, "_row_blocks", lambda shape: blocks(shape, 1 << 15))
    assert len(lvmteach.nmf._row_blocks((400, 300))) == 4
    X = counts(N=400, D=300, seed=30)
    W0, H0 = start(400, 300, 8, seed=31)
    sk = SkNMF(8, solver="mu", beta_loss=beta_loss, init="custom", tol=0, max_iter=100)
    W_sk = sk.fit_transform(X, W=W0.copy(), H=H0.copy())
    model = NMF(8, beta_loss=beta_loss, init="custom", tol=0, max_iter=100)
    W = model.fit(X, W=W0, H=H0).activations_
    assert rel(W, W_sk) < 1e-9 and rel(model.components_, sk.components_) < 1e-9


@pytest.mark.parametrize("beta_loss", LOSSES)
def test_stops_at_the_same_iteration_as_sklearn(beta_loss):
    from sklearn.decomposition import NMF as SkNMF

    X = counts(seed=3)
    W0, H0 = start(*X.shape, 4, seed=4)
    sk = SkNMF(4, solver="mu", beta_loss=beta_loss, init="custom", tol=1e-3, max_iter=2000).fit(
        X, W=W0.copy(), H=H0.copy()
    )
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
    assert beta_divergence(X, W, H, beta_loss) == pytest.approx(
        _beta_divergence(X, W, H, beta_loss), rel=1e-12
    )


def test_nndsvd_matches_sklearn():
    """A 30 x 12 matrix: scikit-learn's randomized SVD sketches 4 + 10 >= 12 columns, so it is
    exact.
    """
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
    assert beta_divergence(X, W, H) == pytest.approx(
        0.5 * np.linalg.norm(X - W @ H, "fro") ** 2, rel=1e-12
    )


def test_kl_loss_is_scipy_generalised_kl():
    from scipy.special import kl_div

    X = counts(seed=13)
    W, H = start(*X.shape, 3, seed=14)
    assert beta_divergence(X, W, H, "kullback-leibler") == pytest.approx(
        kl_div(X, W @ H).sum(), rel=1e-12
    )


@pytest.mark.parametrize("beta_loss", LOSSES)
def test_update_returns_the_loss_of_its_input(beta_loss):
    X = counts(seed=15)
    W, H = start(*X.shape, 3, seed=16)
    W_new, loss = multiplicative_update_W(X, W, H, beta_loss, return_loss=True)
    assert loss == pytest.approx(beta_divergence(X, W, H, beta_loss), rel=1e-10)
    assert np.array_equal(W_new, multiplicative_update_W(X, W, H, beta_loss))


@pytest.mark.parametrize("beta_loss", LOSSES)
def test_history_is_the_loss_at_every_tenth_iteration_and_the_last(beta_loss):
    X = counts(seed=17)
    W0, H0 = start(*X.shape, 3, seed=18)
    full = NMF(3, beta_loss=beta_loss, init="custom", tol=0, max_iter=25).fit(X, W=W0, H=H0)
    assert list(full.history_iter_) == [0, 10, 20, 25]
    assert len(full.history_) == 4
    for j, t in enumerate(full.history_iter_[1:], start=1):
        m = NMF(3, beta_loss=beta_loss, init="custom", tol=0, max_iter=t)
        W = m.fit(X, W=W0, H=H0).activations_
        assert full.history_[j] == pytest.approx(
            beta_divergence(X, W, m.components_, beta_loss), rel=1e-10
        )
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
    # the fit records the loss every 10 iterations; each update is checked on its own below
    W, H = initialize_nmf(X, K, init, np.random.default_rng(seed))
    per_update = [beta_divergence(X, W, H, beta_loss)]
    for _ in range(30):
        W = multiplicative_update_W(X, W, H, beta_loss)
        per_update.append(beta_divergence(X, W, H, beta_loss))
        H = multiplicative_update_H(X, W, H, beta_loss)
        per_update.append(beta_divergence(X, W, H, beta_loss))
    for h in (np.asarray(per_update), model.history_):
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
    W = model.fit(X).activations_
    assert np.allclose(model.inverse_transform(W), W @ model.components_)
    assert model.reconstruction_err_ == pytest.approx(
        np.linalg.norm(X - W @ model.components_), rel=1e-10
    )


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
        (
            {"n_components": 7, "init": "nndsvd"},
            counts(N=6, D=10),
            "init='nndsvd' needs n_components <= min",
        ),
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


# ------------------------------------------------------------------ the β-divergence family

from scipy.optimize import nnls  # noqa: E402
from sklearn.decomposition import NMF as SkNMF  # noqa: E402
from sklearn.decomposition._nmf import _beta_divergence as sk_beta_divergence  # noqa: E402

from lvmteach.nmf import (  # noqa: E402
    beta_divergence_grad,
    beta_update_H,
    beta_update_W,
    fit_beta_multiplicative,
    kkt_residual,
)

BETAS = [-0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0]


def positive(N=30, D=20, seed=0):
    return np.random.default_rng(seed).gamma(2.0, 1.0, size=(N, D))  # no zeros: any β


def entrywise_beta_divergence(x, y, beta):
    """The definition, one entry at a time (with its limits at β = 0 and β = 1)."""
    if beta == 0:
        return x / y - np.log(x / y) - 1
    if beta == 1:
        return x * np.log(x / y) - x + y
    return (x**beta + (beta - 1) * y**beta - beta * x * y ** (beta - 1)) / (beta * (beta - 1))


@pytest.mark.parametrize("beta", BETAS)
def test_beta_divergence_matches_definition_and_sklearn(beta):
    X = positive()
    W, H = start(*X.shape, 3)
    ours = beta_divergence(X, W, H, beta)
    brute = sum(entrywise_beta_divergence(x, y, beta) for x, y in zip(X.ravel(), (W @ H).ravel()))
    assert abs(ours - brute) < 1e-10 * abs(brute)
    assert abs(ours - sk_beta_divergence(X, W, H, beta)) < 1e-10 * abs(brute)
    if beta in (0.0, 1.0):  # the named losses are the limits of the general formula
        assert abs(beta_divergence(X, W, H, beta + 1e-6) - ours) < 1e-4 * ours
    names = {0.0: "itakura-saito", 1.0: "kullback-leibler", 2.0: "frobenius"}
    if beta in names:
        assert beta_divergence(X, W, H, names[beta]) == pytest.approx(ours, rel=1e-12)


def test_beta_divergence_with_zeros_matches_sklearn():
    X = counts()
    W, H = start(*X.shape, 4)
    for beta in [0.5, 1.5, 3.0]:
        assert abs(
            beta_divergence(X, W, H, beta) - sk_beta_divergence(X, W, H, beta)
        ) < 1e-10 * beta_divergence(X, W, H, beta)


@pytest.mark.parametrize("beta", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_beta_updates_match_sklearn_from_same_start(beta):
    X = positive(40, 30) if beta <= 0 else counts(40, 30)  # scikit-learn refuses zeros for β ≤ 0
    W0, H0 = start(*X.shape, 4)
    W, H, _ = fit_beta_multiplicative(X, W0, H0, beta, 50)
    sk = SkNMF(4, solver="mu", beta_loss=beta, init="custom", tol=0, max_iter=50)
    W_sk = sk.fit_transform(X, W=W0.copy(), H=H0.copy())
    assert rel(W, W_sk) < 1e-9 and rel(H, sk.components_) < 1e-9


@pytest.mark.parametrize("beta", BETAS)
@pytest.mark.parametrize("seed", [0, 1])
def test_beta_updates_never_increase_the_loss(beta, seed):
    X = positive(seed=seed)
    W0, H0 = start(*X.shape, 3, seed=seed + 5)
    _, _, history = fit_beta_multiplicative(X, W0, H0, beta, 60)
    assert np.all(np.diff(history) <= 1e-10 * history[0])
    assert history[-1] < history[0]


@pytest.mark.parametrize("beta", BETAS)
def test_beta_divergence_grad_matches_finite_differences(beta):
    X = positive(8, 6)
    W, H = start(8, 6, 2)
    grad_W, grad_H = beta_divergence_grad(X, W, H, beta)
    h = 1e-6
    for A, grad in [(W, grad_W), (H, grad_H)]:
        numeric = np.zeros_like(A)
        for idx in np.ndindex(A.shape):
            A[idx] += h
            up = beta_divergence(X, W, H, beta)
            A[idx] -= 2 * h
            down = beta_divergence(X, W, H, beta)
            A[idx] += h
            numeric[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-6)


def test_kkt_residual_vanishes_at_the_nnls_solution_only():
    # With W fixed, SciPy's NNLS solves min over H >= 0 of ½‖X − WH‖² column by column: it
    # meets the KKT conditions, so min(H, ∇_H F) = 0. A zero entry whose gradient is negative
    # (what a multiplicative update cannot leave) violates them.
    rng = np.random.default_rng(0)
    W = rng.uniform(0, 1, size=(30, 4))
    X = W @ rng.uniform(0, 1, size=(4, 10)) + rng.normal(0, 0.3, size=(30, 10))
    H = np.column_stack([nnls(W, x)[0] for x in X.T])
    assert np.any(H == 0)  # the constraint is active somewhere
    assert kkt_residual(X, W, H)[1] < 1e-8
    _, grad_H = beta_divergence_grad(X, W, H)
    k, d = np.unravel_index(np.argmax(H), H.shape)
    H_stuck = H.copy()
    H_stuck[k, d] = 0.0  # now the gradient there is negative
    assert beta_divergence_grad(X, W, H_stuck)[1][k, d] < 0
    assert kkt_residual(X, W, H_stuck)[1] > 1e-3


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
        # the training W, which scikit-learn's fit_transform returns
        W = ours.fit(X, W=W0, H=H0).activations_
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
    assert len(h) == model.n_iter_ + 1 and h[0] == pytest.approx(
        beta_divergence(X, W0, H0), rel=1e-10
    )
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
        losses = [
            beta_divergence(X, W, np.vstack([np.r_[H[0, :d], g, H[0, d + 1 :]], H[1:]]))
            for g in grid
        ]
        assert beta_divergence(X, W, np.vstack([H1[:1], H[1:]])) <= min(losses) + 1e-9


def test_cd_rejects_the_kl_loss():
    with pytest.raises(ValueError, match="solver='cd' handles only"):
        NMF(2, solver="cd", beta_loss="kullback-leibler").fit(counts())
    with pytest.raises(ValueError, match="solver"):
        NMF(2, solver="als").fit(counts())

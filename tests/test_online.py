"""Stochastic and online learning: each partial_fit against its scikit-learn counterpart,
stepwise EM against batch EM, bounded memory of a streamed fit, and a Dask local cluster."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import IncrementalPCA, LatentDirichletAllocation, MiniBatchNMF
from sklearn.mixture import GaussianMixture as SkGaussianMixture

from lvmteach.datasets import make_bars
from lvmteach.factor import PCA
from lvmteach.mixture import BernoulliMixture, GaussianMixture, KMeans, m_step
from lvmteach.nmf import NMF
from lvmteach.online import (
    check_schedule,
    fit_batches,
    iter_batches,
    npy_batches,
    step_size,
    stochastic_average,
)
from lvmteach.topics import LDA


def blobs(N=20000, seed=0):
    rng = np.random.default_rng(seed)
    means = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    X = np.vstack([rng.multivariate_normal(m, [[1.0, 0.3], [0.3, 1.0]], N // 3) for m in means])
    return X[rng.permutation(len(X))] + 100.0  # far from the origin: the shift must work


def perplexity_of(components, X):
    """Held-out perplexity of scikit-learn's topics, scored with the same bound as ours."""
    judge = LDA(components.shape[0])
    judge.components_, judge.n_features_in_ = components, components.shape[1]
    judge._check_params()
    return judge.perplexity(X)


# ------------------------------------------------------------------------ helpers


def test_step_size_is_robbins_monro_schedule():
    assert step_size(3, 10.0, 0.7) == pytest.approx(13.0**-0.7, rel=1e-15)
    assert step_size(4, 0.0, 1.0) == 0.25
    # κ = 1, τ = 0: the stochastic average of scalars is their running mean
    s = 5.0
    for t, x in enumerate([1.0, 2.0, 6.0], start=2):
        s = stochastic_average(s, x, step_size(t, 0.0, 1.0))
    assert s == pytest.approx(np.mean([5.0, 1.0, 2.0, 6.0]))


@pytest.mark.parametrize("decay", [0.5, 1.5, 0.0])
def test_schedule_outside_robbins_monro_is_rejected(decay):
    with pytest.raises(ValueError, match="Robbins-Monro|learning_decay"):
        check_schedule(10.0, decay)
    with pytest.raises(ValueError, match="Robbins-Monro|learning_decay"):
        GaussianMixture(2, learning_decay=decay).partial_fit(blobs(300))


def test_batches_of_array_memmap_npy_and_iterator_cover_the_rows(tmp_path):
    X = np.arange(70.0).reshape(35, 2)
    path = tmp_path / "x.npy"
    np.save(path, X)
    for source in (X, np.load(path, mmap_mode="r")):
        assert np.array_equal(np.vstack(list(iter_batches(source, 8))), X)
        shuffled = list(iter_batches(source, 8, shuffle=True, random_state=0))
        assert sorted(len(b) for b in shuffled) == [3, 8, 8, 8, 8]
        assert np.array_equal(np.sort(np.vstack(shuffled), axis=0), X)
    assert np.array_equal(np.vstack(list(npy_batches(path, 8))), X)
    assert [len(b) for b in npy_batches(path, 8)] == [8, 8, 8, 8, 3]
    assert np.array_equal(np.vstack(list(iter_batches(iter([X[:5], X[5:]]), 8))), X)


# ------------------------------------------------------------------------ stepwise EM


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_statistics_of_all_data_give_the_batch_m_step(covariance_type):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3)) + 50.0
    resp = rng.dirichlet(np.ones(4), size=200)
    gm = GaussianMixture(4, covariance_type=covariance_type, reg_covar=1e-6)
    shift = X[:10].mean(axis=0)
    gm._m_step_from_statistics(gm._batch_statistics(X - shift, resp), shift)
    weights, means, cov = m_step(X, resp, covariance_type, 1e-6)
    np.testing.assert_allclose(gm.weights_, weights, rtol=1e-12)
    np.testing.assert_allclose(gm.means_, means, rtol=1e-12)
    np.testing.assert_allclose(gm.covariances_, cov, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("covariance_type", ["full", "diag"])
def test_stepwise_em_reaches_batch_em_log_likelihood_within_1e3(covariance_type):
    """Cappé & Moulines (2009): stepwise EM converges to a fixed point of batch EM."""
    X = blobs()
    batch = SkGaussianMixture(
        3, covariance_type=covariance_type, tol=1e-8, max_iter=500, random_state=0
    ).fit(X)
    online = GaussianMixture(3, covariance_type=covariance_type, random_state=0, learning_decay=0.7)
    fit_batches(online, X, 500, n_epochs=8, shuffle=True, random_state=0)
    assert online.n_steps_ == 8 * 40
    gap = batch.score(X) - online.score(X)
    assert abs(gap) < 1e-3, gap


def test_stepwise_em_with_too_slow_decay_is_worse_than_with_decay():
    """The noise floor of a constant step: ρ fixed at 0.5 stays far from the optimum."""
    X = blobs()
    best = SkGaussianMixture(3, tol=1e-8, max_iter=500, random_state=0).fit(X).score(X)
    constant = GaussianMixture(3, random_state=0, learning_offset=1e6, learning_decay=1.0)
    fit_batches(constant, X, 50, n_epochs=1, random_state=0)  # ρ ≈ 1e-6: barely moves
    assert best - constant.score(X) > 1e-3


def test_stepwise_em_bernoulli_reaches_batch_em():
    rng = np.random.default_rng(0)
    protos = rng.uniform(0.05, 0.95, size=(3, 30)) ** 2
    z = rng.integers(3, size=9000)
    X = (rng.uniform(size=(9000, 30)) < protos[z]).astype(float)
    batch = BernoulliMixture(3, tol=1e-10, max_iter=500, random_state=0).fit(X)
    online = BernoulliMixture(3, random_state=0, init_params="kmeans")
    fit_batches(online, X, 300, n_epochs=8, shuffle=True, random_state=0)
    assert abs(batch.score(X) - online.score(X)) < 1e-3


def test_partial_fit_continues_a_fitted_mixture():
    X = blobs(3000)
    gm = GaussianMixture(3, random_state=0).fit(X)
    before = gm.score(X)
    gm.partial_fit(X[:1000])
    assert np.isfinite(gm.batch_log_lik_) and abs(gm.score(X) - before) < 1e-2


# ------------------------------------------------------------------------ scikit-learn twins


@pytest.mark.parametrize("beta_loss", ["frobenius", "kullback-leibler"])
def test_online_nmf_is_sklearn_minibatchnmf_partial_fit(beta_loss):
    rng = np.random.default_rng(0)
    X = rng.poisson(2.0, size=(600, 40)).astype(float)
    H0 = rng.uniform(0.1, 1.0, size=(5, 40))
    sk = MiniBatchNMF(5, init="custom", beta_loss=beta_loss, forget_factor=0.7, tol=1e-4)
    ours = NMF(5, init="custom", beta_loss=beta_loss, forget_factor=0.7, tol=1e-4)
    for i, start in enumerate(range(0, 600, 100)):
        b = X[start : start + 100]
        if i == 0:
            sk.partial_fit(b, W=np.ones((100, 5)), H=H0.copy())
            ours.partial_fit(b, H=H0)
        else:
            sk.partial_fit(b)
            ours.partial_fit(b)
    np.testing.assert_allclose(ours.components_, sk.components_, rtol=1e-9, atol=1e-12)
    assert ours.n_steps_ == sk.n_steps_ == 6


def test_online_nmf_lowers_held_out_loss():
    rng = np.random.default_rng(0)
    W, H = rng.gamma(1.0, 1.0, (3000, 4)), rng.gamma(0.5, 1.0, (4, 30))
    X = rng.poisson(W @ H).astype(float)
    model = NMF(4, init="random", random_state=0)
    model.partial_fit(X[:200])
    first = model.batch_loss_
    fit_batches(model, X[200:], 200)
    assert model.batch_loss_ < 0.9 * first


def test_incremental_pca_matches_sklearn_incrementalpca():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 20)) @ rng.standard_normal((20, 20)) + 3.0
    sk, ours = IncrementalPCA(5), PCA(5)
    for start in range(0, 1000, 100):
        sk.partial_fit(X[start : start + 100])
        ours.partial_fit(X[start : start + 100])
    # same subspace, same axes up to sign: |U_skᵀ U_ours| = I (cosines of principal angles)
    np.testing.assert_allclose(np.abs(sk.components_ @ ours.components_.T), np.eye(5), atol=1e-10)
    np.testing.assert_allclose(ours.mean_, sk.mean_, atol=1e-12)
    np.testing.assert_allclose(
        ours.explained_variance_ratio_, sk.explained_variance_ratio_, rtol=1e-10
    )
    np.testing.assert_allclose(
        ours.explained_variance_ * 1000 / 999, sk.explained_variance_, rtol=1e-10
    )


def test_incremental_pca_is_exact_for_data_of_rank_q():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((500, 3)) @ rng.standard_normal((3, 12)) + 1.0
    batch = PCA(3).fit(X)
    online = fit_batches(PCA(3), X, 37)
    np.testing.assert_allclose(online.components_, batch.components_, atol=1e-10)
    np.testing.assert_allclose(online.explained_variance_, batch.explained_variance_, rtol=1e-10)


def test_incremental_pca_first_batch_too_small():
    with pytest.raises(ValueError, match="at least n_components"):
        PCA(5).partial_fit(np.ones((3, 8)))


def test_online_lda_held_out_perplexity_within_2_percent_of_sklearn():
    """Same corpus, start, batches and schedule as
    LatentDirichletAllocation(learning_method='online').
    """
    X = make_bars(800, 60, random_state=0)[0]
    X = np.asarray(X, dtype=float)
    train, test = X[:600], X[600:]
    K, V = 10, X.shape[1]
    for seed in range(2):
        sk = LatentDirichletAllocation(
            K, learning_method="online", batch_size=100, max_iter=4, random_state=seed,
            total_samples=len(train), learning_offset=10.0, learning_decay=0.7,
        ).fit(train)
        lam0 = np.random.RandomState(seed).gamma(100.0, 0.01, (K, V))  # scikit-learn's start
        ours = fit_batches(
            LDA(K, components_init=lam0, total_samples=len(train)), train, 100, n_epochs=4
        )
        assert ours.n_batch_iter_ == sk.n_batch_iter_
        assert abs(ours.perplexity(test) / perplexity_of(sk.components_, test) - 1.0) < 0.02


def test_minibatch_kmeans_matches_sklearn_minibatchkmeans():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(c, 1.0, (800, 5)) for c in rng.normal(0.0, 5.0, (8, 5))])
    X = X[rng.permutation(len(X))]
    train, test = X[:5400], X[5400:]
    ours, ref = [], []
    for seed in range(4):
        sk = MiniBatchKMeans(8, batch_size=256, random_state=seed, n_init=1, max_iter=2).fit(train)
        km = fit_batches(KMeans(8, random_state=seed), train, 256, n_epochs=2)
        ours.append(-km.score(test) / len(test))
        ref.append(-sk.score(test) / len(test))
    # the best seed of each reaches the same held-out inertia; seeding decides the rest
    assert abs(min(ours) / min(ref) - 1.0) < 0.01


def test_minibatch_kmeans_centre_is_running_mean_of_its_points():
    X = np.array([[0.0], [2.0], [10.0], [4.0], [12.0]])
    km = KMeans(2, init=np.array([[1.0], [11.0]]))
    km.partial_fit(X[:3])
    km.partial_fit(X[3:])
    np.testing.assert_allclose(km.cluster_centers_, [[2.0], [11.0]])
    np.testing.assert_allclose(km.counts_, [3, 2])


# ------------------------------------------------------------------------ memory


PEAK_SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    from lvmteach.mixture import GaussianMixture
    from lvmteach.online import fit_batches
    path, mode = sys.argv[1], sys.argv[2]
    gm = GaussianMixture(3, covariance_type="diag", random_state=0)
    gm.partial_fit(np.random.default_rng(0).normal(size=(2000, 20)))  # warm up every code path

    # VmHWM: this process's peak resident memory, reset by exec (ru_maxrss is not)
    def peak_rss_kib():
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))

    before = peak_rss_kib()
    if mode == "stream":
        fit_batches(gm, path, 2000)
    else:
        X = np.load(path)
        fit_batches(gm, X, 2000)
    after = peak_rss_kib()
    print((after - before) / 1024.0)  # MiB
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_streamed_fit_peak_memory_depends_on_batch_not_on_n(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "big.npy"
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(400_000, 20))  # 61 MiB
    for start in range(0, len(X), 50_000):
        X[start : start + 50_000] = rng.normal(size=(50_000, 20))
    X.flush()
    del X
    growth = {}
    for mode in ("stream", "load"):
        out = subprocess.run(
            [sys.executable, "-c", PEAK_SCRIPT, str(path), mode],
            capture_output=True,
            text=True,
            check=True,
        )
        growth[mode] = float(out.stdout.split()[-1])
    # a batch is 2000 x 20 x 8 B = 0.3 MiB; the file is 61 MiB
    assert growth["stream"] < 8.0, growth
    assert growth["load"] > 55.0, growth  # the measurement sees a full load


# ------------------------------------------------------------------------ Dask


def test_em_statistics_summed_by_dask_on_a_local_cluster():
    """One EM iteration whose E-step statistics are computed per chunk of a dask.array by the
    workers of a loopback LocalCluster and summed by Dask: the same parameters as batch EM."""
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    import dask

    X = blobs(6000)
    gm = GaussianMixture(3, random_state=0).fit(X)
    shift = X[:100].mean(axis=0)

    def chunk_statistics(chunk, model, shift):
        resp = model.predict_proba(chunk)
        B = len(chunk)
        return tuple(B * s for s in model._batch_statistics(chunk - shift, resp)), B

    def add(parts):
        stats = [sum(p[0][i] for p in parts) for i in range(3)]
        n = sum(p[1] for p in parts)
        return tuple(s / n for s in stats)

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        dX = da.from_array(X, chunks=(1000, 2))
        parts = [dask.delayed(chunk_statistics)(c, gm, shift) for c in dX.to_delayed().ravel()]
        stats = client.compute(dask.delayed(add)(parts)).result()
        assert len(client.scheduler_info()["workers"]) == 2
    resp = gm.predict_proba(X)
    weights, means, cov = m_step(X, resp, "full", gm.reg_covar)
    updated = GaussianMixture(3, reg_covar=gm.reg_covar)
    updated._m_step_from_statistics(stats, shift)
    np.testing.assert_allclose(updated.weights_, weights, rtol=1e-10)
    np.testing.assert_allclose(updated.means_, means, rtol=1e-10)
    np.testing.assert_allclose(updated.covariances_, cov, rtol=1e-8)


# ------------------------------------------------------------------------ fit(batch_size=...)


def test_fit_with_batch_size_streams_a_npy_file(tmp_path):
    X = blobs(6000)
    path = tmp_path / "x.npy"
    np.save(path, X)
    batch = SkGaussianMixture(3, tol=1e-8, max_iter=500, random_state=0).fit(X).score(X)
    streamed = GaussianMixture(3, batch_size=500, max_iter=6, tol=0.0, random_state=0).fit(path)
    assert streamed.n_iter_ == 6 and streamed.n_steps_ == 6 * 12 and streamed.history_.shape == (6,)
    assert abs(batch - streamed.score(X)) < 2e-3
    again = GaussianMixture(3, batch_size=500, max_iter=6, tol=0.0, random_state=0).fit(
        np.load(path, mmap_mode="r")
    )
    # fit starts from scratch, same result
    np.testing.assert_array_equal(again.means_, streamed.means_)
    again.fit(X)
    np.testing.assert_array_equal(again.means_, streamed.means_)


def test_fit_with_batch_size_for_every_estimator():
    rng = np.random.default_rng(0)
    X = np.abs(rng.normal(size=(400, 6)))
    assert KMeans(3, batch_size=50, max_iter=2, random_state=0).fit(X).n_steps_ == 16
    assert PCA(2, batch_size=50).fit(X).n_samples_seen_ == 400
    assert NMF(2, batch_size=50, max_iter=3, tol=0.0, random_state=0).fit(X).n_steps_ == 24
    B = (X > 0.8).astype(float)
    assert (
        BernoulliMixture(2, batch_size=100, max_iter=2, tol=0.0, random_state=0).fit(B).n_steps_
        == 8
    )
    docs = np.asarray(make_bars(200, 30, random_state=0)[0], dtype=float)
    lda = LDA(10, batch_size=50, max_iter=2, random_state=0).fit(docs)
    assert lda.n_batch_iter_ == 9 and not hasattr(lda, "_stream_total_samples")
    sk = LatentDirichletAllocation(
        10, learning_method="online", batch_size=50, max_iter=2, random_state=0
    ).fit(docs)
    assert abs(lda.perplexity(docs) / perplexity_of(sk.components_, docs) - 1.0) < 0.05


# ------------------------------------------------------------------------ bad input


def test_partial_fit_rejects_bad_input():
    X = blobs(600)
    gm = GaussianMixture(3, random_state=0).partial_fit(X[:200])
    with pytest.raises(ValueError, match="features"):
        gm.partial_fit(X[:100, :1])
    with pytest.raises(ValueError, match="first batch"):
        GaussianMixture(5, random_state=0).partial_fit(X[:3])
    with pytest.raises(ValueError, match="forget_factor"):
        NMF(2, forget_factor=1.5).partial_fit(np.ones((10, 4)))
    with pytest.raises(ValueError, match="needs H"):
        NMF(2, init="custom").partial_fit(np.ones((10, 4)))
    with pytest.raises(ValueError, match="total_samples"):
        LDA(3, total_samples=0).partial_fit(np.ones((5, 6)))
    with pytest.raises(ValueError, match="binary|0 and 1|0/1"):
        BernoulliMixture(2).partial_fit(np.full((10, 3), 0.5))
    with pytest.raises(ValueError, match="batch_size"):
        GaussianMixture(2, batch_size=0).fit(X)

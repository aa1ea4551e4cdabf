"""Online learning against scikit-learn: time to reach the same held-out quality (issue 21).

Self-contained (its own timer), so that it does not depend on the shared harness. For each
estimator both sides read the same data in the same batches, the same number of passes, with
the same schedule; the time is the median over ``repeats`` alternating runs, and the line says
whether ours reached scikit-learn's held-out quality (within the stated tolerance). The goal
is a ratio of at most 1.0x.

* online LDA vs ``LatentDirichletAllocation(learning_method='online')``: held-out perplexity
  (both topic sets scored with the same bound), within 2%;
* mini-batch k-means vs ``MiniBatchKMeans``: held-out inertia per point, within 1%;
* incremental PCA vs ``IncrementalPCA``: the same subspace (|cos| of the principal angles);
* online NMF vs ``MiniBatchNMF.partial_fit``: the same parts from the same start.

Run with ``OMP_NUM_THREADS=1`` as well as ``OPENBLAS_NUM_THREADS=1``: scikit-learn's k-means
uses OpenMP threads, and on a busy two-core machine their spinning made ``MiniBatchKMeans``
about 30x slower than with one thread, which would flatter our ratio.
"""

import os
import time
import warnings

import numpy as np


def _timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            out = fn()
            times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def _pair(ours, ref, repeats):
    _timed(ours, 1), _timed(ref, 1)  # warm-up
    t_ours, t_ref, out_ours, out_ref = [], [], None, None
    for i in range(repeats):  # alternate which goes first
        order = [(ours, t_ours, 0), (ref, t_ref, 1)]
        for fn, times, side in order if i % 2 == 0 else order[::-1]:
            t, out = _timed(fn, 1)
            times.append(t)
            if side == 0:
                out_ours = out
            else:
                out_ref = out
    return float(np.median(t_ours)), float(np.median(t_ref)), out_ours, out_ref


def _line(name, t_ours, t_ref, quality):
    ratio = t_ours / t_ref
    print(
        f"{name:<44s} ours {t_ours:7.3f} s   scikit-learn {t_ref:7.3f} s   ratio {ratio:5.2f}x "
        f"(goal <= 1.00x: {'met' if ratio <= 1.0 else 'NOT met'})   {quality}",
        flush=True,
    )
    return ratio


def bench_lda(N=3000, batch_size=100, n_epochs=5, K=10, repeats=3):
    from sklearn.decomposition import LatentDirichletAllocation

    from lvmteach.datasets import make_bars
    from lvmteach.online import fit_batches
    from lvmteach.topics import LDA

    X = np.asarray(make_bars(N + 500, 100, random_state=0)[0], dtype=float)
    train, test = X[:N], X[N:]
    lam0 = np.random.RandomState(0).gamma(100.0, 0.01, (K, X.shape[1]))  # scikit-learn's start
    ours = lambda: fit_batches(
        LDA(K, components_init=lam0, total_samples=N), train, batch_size, n_epochs=n_epochs
    )  # noqa: E731
    ref = lambda: LatentDirichletAllocation(  # noqa: E731
        K,
        learning_method="online",
        batch_size=batch_size,
        max_iter=n_epochs,
        total_samples=N,
        random_state=0,
    ).fit(train)
    t_ours, t_ref, m_ours, m_ref = _pair(ours, ref, repeats)
    judge = LDA(K).fit(train[:20])
    judge.components_ = m_ref.components_
    p_ours, p_ref = m_ours.perplexity(test), judge.perplexity(test)
    ok = p_ours <= 1.02 * p_ref
    quality = (
        f"held-out perplexity {p_ours:.2f} vs {p_ref:.2f} ({'reached' if ok else 'NOT reached'})"
    )
    return _line(f"online LDA N={N} V=100 K={K} B={batch_size} x{n_epochs}", t_ours, t_ref, quality)


def bench_kmeans(N=60000, D=10, K=16, batch_size=1024, n_epochs=3, repeats=3):
    from sklearn.cluster import MiniBatchKMeans

    from lvmteach.mixture import KMeans
    from lvmteach.online import fit_batches

    rng = np.random.default_rng(0)
    X = np.vstack(
        [rng.normal(c, 1.0, (N // K + 1000 // K, D)) for c in rng.normal(0.0, 6.0, (K, D))]
    )
    X = X[rng.permutation(len(X))]
    train, test = X[:N], X[N:]
    ours = lambda: [
        fit_batches(KMeans(K, random_state=s), train, batch_size, n_epochs=n_epochs)
        for s in range(3)
    ]  # noqa: E731
    ref = lambda: [  # noqa: E731
        MiniBatchKMeans(K, batch_size=batch_size, max_iter=n_epochs, n_init=1, random_state=s).fit(
            train
        )
        for s in range(3)
    ]
    t_ours, t_ref, m_ours, m_ref = _pair(ours, ref, repeats)
    q_ours = min(-m.score(test) / len(test) for m in m_ours)
    q_ref = min(-m.score(test) / len(test) for m in m_ref)
    ok = q_ours <= 1.01 * q_ref
    quality = (
        f"best-of-3 held-out inertia/point {q_ours:.3f} vs {q_ref:.3f} "
        f"({'reached' if ok else 'NOT reached'})"
    )
    return _line(
        f"mini-batch k-means N={N} D={D} K={K} B={batch_size} x{n_epochs}", t_ours, t_ref, quality
    )


def bench_ipca(N=20000, D=100, q=10, batch_size=1000, repeats=3):
    from sklearn.decomposition import IncrementalPCA

    from lvmteach.factor import PCA
    from lvmteach.online import fit_batches

    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D)) @ rng.standard_normal((D, D)) + 1.0
    ours = lambda: fit_batches(PCA(q), X, batch_size)  # noqa: E731
    ref = lambda: IncrementalPCA(q, batch_size=batch_size).fit(X)  # noqa: E731
    t_ours, t_ref, m_ours, m_ref = _pair(ours, ref, repeats)
    gap = np.max(np.abs(np.abs(m_ours.components_ @ m_ref.components_.T) - np.eye(q)))
    quality = (
        f"max ||cos angles| - I| = {gap:.1e} ({'same subspace' if gap < 1e-8 else 'DIFFERENT'})"
    )
    return _line(f"incremental PCA N={N} D={D} q={q} B={batch_size}", t_ours, t_ref, quality)


def bench_nmf(beta_loss, N=5000, D=200, K=10, batch_size=500, repeats=3):
    from sklearn.decomposition import MiniBatchNMF

    from lvmteach.nmf import NMF

    rng = np.random.default_rng(0)
    X = rng.poisson(rng.gamma(1.0, 1.0, (N, K)) @ rng.gamma(0.3, 1.0, (K, D))).astype(float)
    H0 = rng.uniform(0.1, 1.0, (K, D))
    batches = [X[s : s + batch_size] for s in range(0, N, batch_size)]

    def ours():
        model = NMF(K, init="custom", beta_loss=beta_loss)
        for b in batches:
            model.partial_fit(b, H=H0)
        return model

    def ref():
        model = MiniBatchNMF(K, init="custom", beta_loss=beta_loss, forget_factor=0.7)
        model.partial_fit(batches[0], W=np.ones((len(batches[0]), K)), H=H0.copy())
        for b in batches[1:]:
            model.partial_fit(b)
        return model

    t_ours, t_ref, m_ours, m_ref = _pair(ours, ref, repeats)
    gap = np.max(np.abs(m_ours.components_ - m_ref.components_)) / np.max(np.abs(m_ref.components_))
    quality = (
        f"relative |H_ours - H_sklearn| = {gap:.1e} ({'same parts' if gap < 1e-8 else 'DIFFERENT'})"
    )
    return _line(f"online NMF {beta_loss} N={N} D={D} K={K} B={batch_size}", t_ours, t_ref, quality)


def main():
    print(
        f"cores: {os.cpu_count()}   "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}"
    )
    bench_lda()
    bench_kmeans()
    bench_ipca()
    bench_nmf("frobenius")
    bench_nmf("kullback-leibler")


if __name__ == "__main__":
    main()

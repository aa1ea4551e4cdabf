"""GaussianMixture (full covariance) and KMeans against scikit-learn on the same data.

Time to solution: both from the same documented start (the same k-means++ centres for KMeans,
drawn by scikit-learn's ``kmeans_plusplus``; the same weights, means and precisions for the
mixture, from one k-means labelling) with each library's default tolerance and ``max_iter``
(the defaults agree: KMeans ``tol=1e-4``, GaussianMixture ``tol=1e-3``), run to convergence.
Quality: the inertia J (lower is better) and the mean log-likelihood (higher is better).

Per iteration: the same starts with ``tol=0`` and a fixed number of iterations. Issue goal for
the mixture: our time per EM iteration at most 0.5x scikit-learn's; the time per iteration is
the whole fit divided by that number, so our one-off cost of the sufficient statistics is
included.
"""

import numpy as np

from ._harness import report, time_fits, time_pair


def gaussian_blobs(N, D, K, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=5.0, size=(K, D))
    return centers[rng.integers(K, size=N)] + rng.normal(size=(N, D))


def _mixture_start(X, K):
    """Weights, means and precisions of a k-means labelling: scikit-learn's default start."""
    from sklearn.cluster import KMeans as SkKMeans

    labels = SkKMeans(K, n_init=1, random_state=0).fit(X).labels_
    resp = np.eye(K)[labels]
    nk = resp.sum(0)
    means = resp.T @ X / nk[:, None]
    precisions = np.stack(
        [
            np.linalg.inv(np.cov(X[labels == k].T, bias=True) + 1e-6 * np.eye(X.shape[1]))
            for k in range(K)
        ]
    )
    return dict(weights_init=nk / len(X), means_init=means, precisions_init=precisions)


def bench_gmm(N=100_000, D=10, K=10, n_iter=10, repeats=3):
    from sklearn.mixture import GaussianMixture as SkGaussianMixture

    from lvmteach.mixture import GaussianMixture

    X = gaussian_blobs(N, D, K)
    # time to solution, from the same k-means start, default tol and max_iter
    start = _mixture_start(X, K)
    t_ours, t_ref, ours, ref = time_fits(
        lambda: GaussianMixture(K, **start).fit(X), lambda: SkGaussianMixture(K, **start).fit(X)
    )
    report(
        f"GaussianMixture full N={N} D={D} K={K} ({ours.n_iter_} vs {ref.n_iter_} it.)",
        t_ours,
        t_ref,
        unit="fit",
        table="solution",
        goal=1.0,
        quality=("mean log-lik", ours.score(X), ref.score(X)),
    )
    start = dict(
        weights_init=np.full(K, 1.0 / K),
        means_init=X[:K],
        precisions_init=np.stack([np.eye(D)] * K),
        tol=0.0,
        max_iter=n_iter,
    )
    ours = lambda: GaussianMixture(K, **start).fit(X)  # noqa: E731
    ref = lambda: SkGaussianMixture(K, **start).fit(X)  # noqa: E731
    t_ours, t_ref = time_pair(ours, ref, repeats=repeats)
    return report(f"GaussianMixture full N={N} D={D} K={K}", t_ours, t_ref, per=n_iter, goal=0.5)


def bench_kmeans(N=100_000, D=10, K=10, repeats=5):
    from sklearn.cluster import KMeans as SkKMeans
    from sklearn.cluster import kmeans_plusplus

    from lvmteach.mixture import KMeans

    X = gaussian_blobs(N, D, K, seed=1)
    # time to solution: the same k-means++ centres, each library's default tol and max_iter
    init, _ = kmeans_plusplus(X, K, random_state=0)
    t_ours, t_ref, ours, ref = time_fits(
        lambda: KMeans(K, init=init).fit(X),
        lambda: SkKMeans(K, init=init, n_init=1, algorithm="lloyd").fit(X),
        repeats=repeats,
    )
    report(
        f"KMeans lloyd N={N} D={D} K={K} ({ours.n_iter_} vs {ref.n_iter_} it.)",
        t_ours,
        t_ref,
        unit="fit",
        table="solution",
        goal=1.0,
        quality=("inertia", ours.inertia_, ref.inertia_),
    )
    # per iteration: 20 iterations from the first K points (tol=0)
    init = X[:K]
    ours = lambda: KMeans(K, init=init, max_iter=20, tol=0.0).fit(X)  # noqa: E731
    ref = lambda: SkKMeans(K, init=init, n_init=1, algorithm="lloyd", max_iter=20, tol=0.0).fit(X)  # noqa: E731
    t_ours, t_ref = time_pair(ours, ref, repeats=repeats)
    return report(
        f"KMeans lloyd N={N} D={D} K={K} (20 iterations)", t_ours, t_ref, per=20, goal=1.0
    )


def main():
    bench_kmeans()
    bench_gmm()


if __name__ == "__main__":
    main()

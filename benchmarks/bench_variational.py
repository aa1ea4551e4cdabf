"""BayesianGaussianMixture (full covariances, Dirichlet prior) against scikit-learn.

Both start from the same responsibilities (scikit-learn's ``init_params='random'`` draw, passed
to ours as ``resp_init``) and run a fixed number of iterations (``tol=0``), so they do exactly the
same arithmetic; the time per iteration is the whole fit divided by that number. Ours computes
the full ELBO (with constants) in every E-step; scikit-learn its bound without constants.
"""

import numpy as np

from ._harness import report, time_pair


def gaussian_blobs(N, D, K, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=5.0, size=(K, D))
    return centers[rng.integers(K, size=N)] + rng.normal(size=(N, D))


def bench_bgmm(N=100_000, D=10, K=10, n_iter=10, repeats=3):
    from sklearn.mixture import BayesianGaussianMixture as SkBGMM

    from lvmteach.variational import BayesianGaussianMixture

    X = gaussian_blobs(N, D, K)
    resp = np.random.RandomState(0).uniform(size=(N, K))
    resp /= resp.sum(axis=1, keepdims=True)
    ours = lambda: BayesianGaussianMixture(K, resp_init=resp, tol=0.0, max_iter=n_iter).fit(X)  # noqa: E731
    ref = lambda: SkBGMM(  # noqa: E731
        n_components=K, weight_concentration_prior_type="dirichlet_distribution", init_params="random",
        random_state=0, tol=0.0, max_iter=n_iter, reg_covar=0.0,
    ).fit(X)
    t_ours, t_ref = time_pair(ours, ref, repeats=repeats)
    return report(f"BayesianGaussianMixture full N={N} D={D} K={K}", t_ours, t_ref, per=n_iter)


def main():
    bench_bgmm()


if __name__ == "__main__":
    main()

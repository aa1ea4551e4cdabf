"""BayesianGaussianMixture (full covariances, Dirichlet prior) against scikit-learn.

Both start from the same responsibilities (scikit-learn's ``init_params='random'`` draw, passed
to ours as ``resp_init``). Time to solution: each library's default ``tol=1e-3`` and
``max_iter=100``; quality: the mean log-likelihood of the data under the fitted mixture's
point estimate (weights, means, covariances; the same function for both; higher is better).
Per iteration: a fixed number of iterations (``tol=0``), so they do exactly the same
arithmetic; the time per iteration is the whole fit divided by that number. Ours computes the
full ELBO (with constants) in every E-step; scikit-learn its bound without constants.
"""

import numpy as np

from ._harness import report, time_fits, time_pair


def gaussian_blobs(N, D, K, seed=0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=5.0, size=(K, D))
    return centers[rng.integers(K, size=N)] + rng.normal(size=(N, D))


def point_log_lik(model, X):
    """Mean log-likelihood of X under the point estimate (weights_, means_, covariances_)."""
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal

    logp = np.column_stack(
        [
            np.log(w) + multivariate_normal(m, c).logpdf(X)
            for w, m, c in zip(model.weights_, model.means_, model.covariances_)
        ]
    )
    return float(logsumexp(logp, axis=1).mean())


def bench_bgmm(N=100_000, D=10, K=10, n_iter=5, repeats=3):
    from sklearn.mixture import BayesianGaussianMixture as SkBGMM

    from lvmteach.variational import BayesianGaussianMixture

    X = gaussian_blobs(N, D, K)
    resp = np.random.RandomState(0).uniform(size=(N, K))
    resp /= resp.sum(axis=1, keepdims=True)
    # time to solution on the first 20 000 points (a whole fit is 20-odd iterations)
    Xs, rs = X[:20_000], resp[:20_000] / resp[:20_000].sum(axis=1, keepdims=True)
    prior = dict(
        weight_concentration_prior_type="dirichlet_distribution",
        init_params="random",
        random_state=0,
        reg_covar=0.0,
    )
    t_ours, t_ref, ours, ref = time_fits(
        lambda: BayesianGaussianMixture(K, resp_init=rs).fit(Xs),
        lambda: SkBGMM(n_components=K, **prior).fit(Xs),
        repeats=repeats,
    )
    report(
        f"BayesianGaussianMixture full N=20000 D={D} K={K} ({ours.n_iter_} vs {ref.n_iter_} it.)",
        t_ours,
        t_ref,
        unit="fit",
        table="solution",
        goal=1.0,
        quality=("mean log-lik", point_log_lik(ours, Xs), point_log_lik(ref, Xs)),
    )
    ours = lambda: BayesianGaussianMixture(K, resp_init=resp, tol=0.0, max_iter=n_iter).fit(X)  # noqa: E731
    ref = lambda: SkBGMM(  # noqa: E731
        n_components=K,
        weight_concentration_prior_type="dirichlet_distribution",
        init_params="random",
        random_state=0,
        tol=0.0,
        max_iter=n_iter,
        reg_covar=0.0,
    ).fit(X)
    t_ours, t_ref = time_pair(ours, ref, repeats=repeats)
    return report(f"BayesianGaussianMixture full N={N} D={D} K={K}", t_ours, t_ref, per=n_iter)


def main():
    bench_bgmm()


if __name__ == "__main__":
    main()

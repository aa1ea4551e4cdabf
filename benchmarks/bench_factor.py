"""Factor models: time per EM iteration against scikit-learn.

* FactorAnalysis, N = 20 000, D = 64, q = 10: our EM iteration against one iteration of
  scikit-learn's ``FactorAnalysis(svd_method='lapack')`` (goal: ratio <= 1).
* PPCA by EM, N = 100 000, D = 100, q = 10: one EM iteration against one whole
  ``PCA(svd_solver='full')`` fit (goal: ratio <= 1).

Both fits run a fixed number of iterations (``tol=0``); the time of the whole fit, including
the one-off centring, is divided by the number of iterations actually run.
"""

import warnings

import numpy as np
from sklearn.decomposition import PCA as SkPCA
from sklearn.decomposition import FactorAnalysis as SkFA

from lvmteach.factor import PPCA, FactorAnalysis

from ._harness import report, time_pair


def _data(N, D, q, seed):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(D, q))
    return rng.normal(size=(N, q)) @ W.T + rng.normal(size=(N, D)) * rng.uniform(0.5, 2.0, size=D)


def _n_iter(make, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make().fit(X).n_iter_


def bench_factor_analysis(n_iter=30):
    X = _data(20_000, 64, 10, seed=0)
    ours = lambda: FactorAnalysis(10, max_iter=n_iter, tol=0, random_state=0)  # noqa: E731
    ref = lambda: SkFA(10, svd_method="lapack", max_iter=n_iter, tol=0.0)  # noqa: E731
    it_ours, it_ref = _n_iter(ours, X), _n_iter(ref, X)
    t_ours, t_ref = time_pair(lambda: ours().fit(X), lambda: ref().fit(X), repeats=3)
    ratio = report(
        f"FactorAnalysis N=20000 D=64 q=10 ({it_ours} vs {it_ref} it.)",
        t_ours / it_ours,
        t_ref / it_ref,
        goal=1.0,
    )
    return ratio


def bench_ppca_em(n_iter=10):
    X = _data(100_000, 100, 10, seed=1)
    ours = lambda: PPCA(10, method="em", max_iter=n_iter, tol=0, random_state=0).fit(X)  # noqa: E731
    ref = lambda: SkPCA(10, svd_solver="full").fit(X)  # noqa: E731
    t_ours, t_ref = time_pair(ours, ref, repeats=3)
    return report(
        "PPCA-EM iteration vs one PCA(full) fit, N=1e5 D=100 q=10",
        t_ours / n_iter,
        t_ref,
        unit="iter (ref: per fit)",
        goal=1.0,
    )


def main():
    bench_factor_analysis()
    bench_ppca_em()


if __name__ == "__main__":
    main()

"""Variational LDA against scikit-learn's batch LDA, and the collapsed Gibbs sampler's speed.

Issue goals: variational LDA on 2 000 documents x 5 000 words (about 400 000 tokens), K = 20:
our time per EM iteration at most 1.0x scikit-learn's ``LatentDirichletAllocation
(learning_method='batch')``. Both run a fixed number of iterations (``tol=0`` for ours,
``evaluate_every=-1`` for scikit-learn) from their own random starts; the time per iteration is
the whole fit divided by that number. Ours also evaluates the ELBO every iteration (scikit-learn
does not), so that cost is included on our side only.

Collapsed Gibbs: token updates per second of the exact sequential sampler (a Python loop over
tokens). For comparison, the issue quotes about 7 million per second for the Cython ``lda``
package on this kind of machine (not installed here, so not measured).
"""

import time

import numpy as np
import scipy.sparse as sp

from ._harness import report, time_pair


def lda_corpus(N=2000, V=5000, K=20, length=200, seed=0):
    """Documents from LDA: sparse topics (Dir(0.05) over 5 000 words), Dir(0.1) proportions."""
    rng = np.random.default_rng(seed)
    topics = rng.dirichlet(np.full(V, 0.05), size=K)
    theta = rng.dirichlet(np.full(K, 0.1), size=N)
    n = rng.poisson(length, size=N)
    p = theta @ topics
    X = np.vstack([rng.multinomial(n[d], p[d] / p[d].sum()) for d in range(N)])
    return sp.csr_matrix(X.astype(np.float64))


def bench_lda(n_iter=10, repeats=3):
    from sklearn.decomposition import LatentDirichletAllocation

    from lvmteach.topics import LDA

    X = lda_corpus()
    print(f"corpus: {X.shape[0]} documents x {X.shape[1]} words, {int(X.sum())} tokens, {X.nnz} non-zeros")
    ours = lambda: LDA(20, max_iter=n_iter, tol=0.0, random_state=0).fit(X)  # noqa: E731
    ref = lambda: LatentDirichletAllocation(20, learning_method="batch", max_iter=n_iter, evaluate_every=-1, random_state=0).fit(X)  # noqa: E731
    t_ours, t_ref = time_pair(ours, ref, repeats=repeats)
    return report("variational LDA batch N=2000 V=5000 K=20", t_ours, t_ref, per=n_iter, goal=1.0)


def bench_gibbs(n_docs=200, sweeps=3):
    from lvmteach.topics import GibbsLDA

    X = lda_corpus()[:n_docs]
    n_tokens = int(X.sum())
    GibbsLDA(20, n_iter=1, random_state=0).fit(X)  # warm-up
    start = time.perf_counter()
    GibbsLDA(20, n_iter=sweeps, random_state=0).fit(X)
    elapsed = time.perf_counter() - start
    rate = n_tokens * sweeps / elapsed
    print(
        f"{'collapsed Gibbs K=20 (' + str(n_tokens) + ' tokens x ' + str(sweeps) + ' sweeps)':<55s} "
        f"{rate / 1e3:9.0f} thousand token updates/s   (Cython lda, quoted: ~7 000 thousand/s; "
        f"ratio {7e6 / rate:.0f}x slower)",
        flush=True,
    )
    return rate


def main():
    bench_lda()
    bench_gibbs()


if __name__ == "__main__":
    main()

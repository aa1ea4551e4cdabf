"""Variational LDA against scikit-learn, and collapsed Gibbs LDA against the ``lda`` package and
tomotopy.

Time to solution, variational LDA, 400 training documents x 2 000 words, K = 10: ours against
scikit-learn's batch ``LatentDirichletAllocation`` run to convergence (``evaluate_every=1`` with its
default ``perp_tol=0.1``). Matched tolerances: scikit-learn's perplexity is exp(−bound per word), so
a change of 0.1 in a perplexity of about 450 is a change of 0.1 / 450 ≈ 2e-4 in the bound per word,
and ours runs with ``tol=2e-4`` on its ELBO per word (its default, 1e-5, is twenty times stricter).
scikit-learn's default, a fixed ``max_iter=10`` with no convergence check, is the second row.
Quality: the held-out perplexity of 200 further documents, computed for both fits by the same
function (:meth:`lvmteach.topics.LDA.perplexity` with the fitted λ; lower is better).

Per iteration: variational LDA on all 2 000 documents, a fixed number of iterations (``tol=0``,
``evaluate_every=-1``); ours also evaluates the ELBO every iteration.

Gibbs, K = 50, α = 0.1, η = 0.01 (the ``lda`` package's defaults), 2 000 documents (about
400 000 tokens), 5 sweeps: token updates per second of our approximate document-parallel
sampler (``sampler='parallel'``, AD-LDA) against the ``lda`` package (Cython, single-threaded)
and tomotopy (C++; ``workers`` = the thread setting; hyperparameters fixed), both optional
benchmark-only dependencies, skipped if absent. Quality: log p(w, z) per token after the
sweeps (:func:`lvmteach.topics.log_joint` of each side's final counts; higher is better). Our
exact sequential sampler is compared with the parallel one on 200 documents.
"""

import time
import warnings

import numpy as np
import scipy.sparse as sp

from ._harness import SETTING, report, time_fits, time_pair


def lda_corpus(N=2000, V=5000, K=20, length=200, seed=0):
    """Documents from LDA: sparse topics (Dir(0.05) over 5 000 words), Dir(0.1) proportions."""
    rng = np.random.default_rng(seed)
    topics = rng.dirichlet(np.full(V, 0.05), size=K)
    theta = rng.dirichlet(np.full(K, 0.1), size=N)
    n = rng.poisson(length, size=N)
    p = theta @ topics
    X = np.vstack([rng.multinomial(n[d], p[d] / p[d].sum()) for d in range(N)])
    return sp.csr_matrix(X.astype(np.float64))


def heldout_perplexity(lam, X_test):
    """Held-out perplexity of topics λ (K, V) with our LDA's E-step (α = η = 1/K, both defaults)."""
    from lvmteach.topics import LDA

    model = LDA(lam.shape[0])
    model._check_params()  # the hyperparameters, as fit sets them
    model.components_, model.n_features_in_ = lam, lam.shape[1]
    return model.perplexity(X_test)


def bench_lda_solution(K=10, repeats=2):
    from sklearn.decomposition import LatentDirichletAllocation

    from lvmteach.topics import LDA

    X = lda_corpus(N=600, V=2000, K=K, length=150, seed=1)
    X_train, X_test = X[:400], X[400:]
    t_ours, t_ref, ours, ref = time_fits(
        lambda: LDA(K, tol=2e-4, random_state=0).fit(X_train),
        lambda: LatentDirichletAllocation(
            K, learning_method="batch", evaluate_every=1, max_iter=100, random_state=0
        ).fit(X_train),
        repeats=repeats,
    )
    quality = (
        "held-out perplexity",
        heldout_perplexity(ours.components_, X_test),
        heldout_perplexity(ref.components_, X_test),
    )
    report(
        f"variational LDA N=400 V=2000 K={K} ({ours.n_iter_} vs {ref.n_iter_} it.)",
        t_ours,
        t_ref,
        unit="fit",
        table="solution",
        goal=1.0,
        quality=quality,
    )
    t_ours, t_ref, ours, ref = time_fits(
        lambda: LDA(K, tol=2e-4, random_state=0).fit(X_train),
        lambda: LatentDirichletAllocation(K, learning_method="batch", random_state=0).fit(X_train),
        repeats=repeats,
    )
    quality = (
        "held-out perplexity",
        heldout_perplexity(ours.components_, X_test),
        heldout_perplexity(ref.components_, X_test),
    )
    report(
        f"variational LDA, ref at its default 10 it. ({ours.n_iter_} vs {ref.n_iter_} it.)",
        t_ours,
        t_ref,
        unit="fit",
        table="solution",
        quality=quality,
        note="scikit-learn's LDA default runs 10 iterations without a convergence check: "
        "faster, but a worse held-out perplexity.",
    )


def bench_lda(n_iter=5, repeats=3):
    from sklearn.decomposition import LatentDirichletAllocation

    from lvmteach.topics import LDA

    X = lda_corpus()
    ours = lambda: LDA(20, max_iter=n_iter, tol=0.0, random_state=0).fit(X)  # noqa: E731
    ref = lambda: LatentDirichletAllocation(
        20, learning_method="batch", max_iter=n_iter, evaluate_every=-1, random_state=0
    ).fit(X)  # noqa: E731
    t_ours, t_ref = time_pair(ours, ref, repeats=repeats)
    note = (
        "variational LDA per iteration: both E-steps restart γ every iteration (ours did not "
        "before, and converged to a worse optimum) and stop each document by the same rule; "
        "ours runs groups of documents of similar length at once (each document's words a row "
        "of a padded array, the fixed point as stacked matrix-vector products) where "
        "scikit-learn loops over documents. Time to solution, with the held-out perplexity, is "
        "the first table."
    )
    return report(
        "variational LDA batch N=2000 V=5000 K=20", t_ours, t_ref, per=n_iter, goal=1.0, note=note
    )


def _log_joint_per_token(ndk, nwk, alpha, eta):
    from lvmteach.topics import log_joint

    return log_joint(ndk, nwk, alpha, eta) / ndk.sum()


def _lda_package(X, K, alpha, eta, sweeps):
    import lda

    Xi = np.asarray(X.todense()).astype(np.int64)

    def fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import logging

            logging.getLogger("lda").setLevel(logging.ERROR)
            return lda.LDA(
                K, n_iter=sweeps, alpha=alpha, eta=eta, random_state=0, refresh=10**9
            ).fit(Xi)

    return fit, lambda m: _log_joint_per_token(m.ndz_, m.nzw_.T, alpha, eta)


def _tomotopy(X, K, alpha, eta, sweeps):
    import tomotopy as tp

    docs, words = X.nonzero()
    rows = [[] for _ in range(X.shape[0])]
    for d, w, c in zip(docs, words, np.asarray(X[docs, words]).ravel().astype(int)):
        rows[d].extend([f"w{w}"] * c)
    workers = SETTING["threads"] or 0

    def fit():
        model = tp.LDAModel(k=K, alpha=alpha, eta=eta, seed=0)
        model.optim_interval = 0  # keep α and η fixed, as the others do
        for r in rows:
            model.add_doc(r)
        model.train(sweeps, workers=workers)
        return model

    def quality(model):
        ndk = np.zeros((X.shape[0], K))
        nwk = np.zeros((X.shape[1], K))
        vocab = np.array([int(v[1:]) for v in model.used_vocabs])
        for d, doc in enumerate(model.docs):
            ndk[d] = np.bincount(doc.topics, minlength=K)
            np.add.at(nwk, (vocab[np.asarray(doc.words)], np.asarray(doc.topics)), 1.0)
        return _log_joint_per_token(ndk, nwk, alpha, eta)

    return fit, quality


def bench_gibbs(K=50, alpha=0.1, eta=0.01, n_docs=2000, sweeps=5, repeats=3):
    from lvmteach.topics import GibbsLDA

    X = lda_corpus()[:n_docs]
    n_tokens = int(X.sum())
    updates = n_tokens * sweeps
    ours = lambda: GibbsLDA(
        K, alpha=alpha, eta=eta, n_iter=sweeps, random_state=0, sampler="parallel"
    ).fit(X)  # noqa: E731
    ours_quality = lambda m: m.log_joint_[-1] / n_tokens  # noqa: E731
    for name, make in (("lda 3 (Cython)", _lda_package), ("tomotopy (C++)", _tomotopy)):
        try:
            ref, ref_quality = make(X, K, alpha, eta, sweeps)
        except ImportError:
            print(f"{name.split()[0]} is not installed: comparison skipped")
            continue
        t_ours, t_ref, m_ours, m_ref = time_fits(ours, ref, repeats=repeats)
        report(
            f"Gibbs LDA K={K}, {n_docs} docs ({n_tokens} tokens) x {sweeps} sweeps",
            t_ours,
            t_ref,
            per=updates,
            unit="token",
            goal=1.0,
            reference=name,
            quality=("log p(w,z)/token", ours_quality(m_ours), ref_quality(m_ref)),
            note="Gibbs: rates are token updates per second; ours is the approximate "
            "document-parallel sampler (AD-LDA); lda is single-threaded whatever the "
            "setting.",
        )
    # the approximation against our exact sequential sampler, same sweeps
    X = X[:200]
    n_tokens = int(X.sum())
    exact = lambda: GibbsLDA(K, alpha=alpha, eta=eta, n_iter=3, random_state=0).fit(X)  # noqa: E731
    par = lambda: GibbsLDA(
        K, alpha=alpha, eta=eta, n_iter=3, random_state=0, sampler="parallel"
    ).fit(X)  # noqa: E731
    t_par, t_exact, m_par, m_exact = time_fits(par, exact, repeats=1)
    report(
        f"Gibbs LDA K={K}, 200 docs x 3 sweeps: parallel vs exact",
        t_par,
        t_exact,
        per=3 * n_tokens,
        unit="token",
        reference="our exact sampler",
        quality=(
            "log p(w,z)/token",
            m_par.log_joint_[-1] / n_tokens,
            m_exact.log_joint_[-1] / n_tokens,
        ),
    )


def main():
    bench_lda_solution()
    bench_lda()
    bench_gibbs()


if __name__ == "__main__":
    main()

"""Checks for the exercises of the chapter "Learning at scale: stochastic
and online inference".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases
and compares it with the package's implementation (``lvmteach.online``, the
``partial_fit`` methods), without revealing the answer.
"""

import numpy as np

from .. import online
from ..mixture import GaussianMixture, KMeans
from ._harness import run_cases

__all__ = [
    "check_gmm_statistics",
    "check_minibatch_kmeans_step",
    "check_step_size",
    "check_svi_lda_step",
]


def check_step_size(fn, verbose=True):
    """Check ``fn(t, learning_offset, learning_decay) -> ρ_t`` (eq.
    rm-schedule).
    """
    cases = [
        (
            f"t={t}, tau={tau}, kappa={kappa}",
            {"t": t, "learning_offset": tau, "learning_decay": kappa},
        )
        for t, tau, kappa in [
            (1, 10.0, 0.7),
            (5, 0.0, 1.0),
            (100, 64.0, 0.51),
            (0, 1.0, 0.9),
        ]
    ]
    return run_cases(
        fn,
        online.step_size,
        cases,
        title="check_step_size",
        hint="the offset is added to t before the power is taken",
        rtol=1e-12,
        atol=0.0,
        verbose=verbose,
    )


def _gmm_stats(X, resp):
    gm = GaussianMixture(resp.shape[1], covariance_type="full")
    return gm._batch_statistics(X, resp)


def check_gmm_statistics(fn, verbose=True):
    """Check ``fn(X, resp) -> (s0, s1, s2)``: batch averages of r_nk, r_nk
    x_n, r_nk x_n x_nᵀ (eq. gmm-sstats).
    """
    cases = []
    for i, (N, D, K) in enumerate([(10, 2, 3), (50, 4, 2), (1, 3, 1)]):
        rng = np.random.default_rng(100 + i)
        cases.append(
            (
                f"N={N}, D={D}, K={K}",
                {
                    "X": rng.normal(size=(N, D)),
                    "resp": rng.dirichlet(np.ones(K), size=N),
                },
            )
        )
    return run_cases(
        fn,
        _gmm_stats,
        cases,
        title="check_gmm_statistics",
        hint="average over the batch (divide by N, not by N_k); s2 has "
        "shape (K, D, D), one weighted sum of outer products per component",
        rtol=1e-10,
        atol=1e-12,
        verbose=verbose,
    )


def _svi_step(lam, sstats, eta, total_samples, batch_size, rho):
    return (1.0 - rho) * lam + rho * (
        eta + total_samples / batch_size * sstats
    )


def check_svi_lda_step(fn, verbose=True):
    """Check ``fn(lam, sstats, eta, total_samples, batch_size, rho) -> new
    λ`` (eq. lda-svi).
    """
    cases = []
    for i, (K, V, D, B, rho) in enumerate(
        [(3, 8, 1000, 50, 0.3), (2, 5, 20, 20, 1.0), (4, 6, 500, 7, 0.05)]
    ):
        rng = np.random.default_rng(200 + i)
        kw = {
            "lam": rng.gamma(2.0, 1.0, (K, V)),
            "sstats": rng.gamma(1.0, 3.0, (K, V)),
            "eta": 0.1,
            "total_samples": D,
            "batch_size": B,
            "rho": rho,
        }
        cases.append((f"K={K}, V={V}, D={D}, B={B}, rho={rho}", kw))
    return run_cases(
        fn,
        _svi_step,
        cases,
        title="check_svi_lda_step",
        hint="first the λ the whole corpus would give if it looked like "
        "the batch (scale the batch up); then move a fraction rho of the "
        "way towards it",
        rtol=1e-12,
        atol=1e-12,
        verbose=verbose,
    )


def _kmeans_step(centers, counts, X):
    km = KMeans(len(centers), init=centers)
    km.cluster_centers_ = centers.copy()
    km.n_features_in_ = centers.shape[1]
    km.counts_ = counts.astype(float).copy()
    km.partial_fit(X)
    return km.cluster_centers_, km.counts_


def check_minibatch_kmeans_step(fn, verbose=True):
    """Check ``fn(centers, counts, X) -> (centers, counts)``: one mini-batch
    k-means step (eq. minibatch-kmeans).
    """
    cases = []
    for i, (N, D, K) in enumerate([(20, 2, 3), (64, 5, 4), (5, 1, 2)]):
        rng = np.random.default_rng(300 + i)
        centers = rng.normal(0.0, 3.0, (K, D))
        counts = rng.integers(0, 10, K).astype(float)
        counts[0] = 0.0  # a centre that has seen nothing yet
        cases.append(
            (
                f"N={N}, D={D}, K={K}",
                {
                    "centers": centers,
                    "counts": counts,
                    "X": rng.normal(0.0, 3.0, (N, D)),
                },
            )
        )
    return run_cases(
        fn,
        _kmeans_step,
        cases,
        title="check_minibatch_kmeans_step",
        hint="assign every point of the batch first; then each centre "
        "becomes the running mean of all the points it has ever been "
        "given",
        rtol=1e-10,
        atol=1e-12,
        verbose=verbose,
    )

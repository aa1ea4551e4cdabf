"""Checks for the coding exercises of "The EM algorithm" and "Mixture models
and k-means".

Each ``check_*`` runs your function on random cases against the reference in
``lvmteach.mixture`` and prints what is off (never the expected values).
"""

import numpy as np

from .. import mixture
from ._harness import run_cases

__all__ = [
    "check_assign_clusters",
    "check_weighted_update_centers",
    "check_e_step",
    "check_weighted_m_step",
    "check_bernoulli_log_prob_missing",
]


def _gmm_cases(n_cases=8, seed=0):
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n_cases):
        N, D, K = (
            int(rng.integers(5, 40)),
            int(rng.integers(1, 4)),
            int(rng.integers(1, 5)),
        )
        X = rng.normal(scale=2.0, size=(N, D))
        if i == n_cases - 1:
            # one point far from every component: needs the log domain
            X[0] = 200.0
        A = rng.normal(size=(K, D, D))
        covariances = A @ A.transpose(0, 2, 1) + np.eye(D)
        cases.append(
            (
                f"N={N}, D={D}, K={K}"
                + (", one point far away" if i == n_cases - 1 else ""),
                dict(
                    X=X,
                    weights=rng.dirichlet(np.ones(K)),
                    means=rng.normal(size=(K, D)),
                    covariances=covariances,
                ),
            )
        )
    return cases


def check_e_step(my_e_step, verbose=True):
    """Check ``my_e_step(X, weights, means, covariances) -> (log_lik,
    resp)`` (full covariances).

    ``log_lik`` is the mean log-likelihood (1/N) Σ_n log p(x_n | θ) and
    ``resp`` the (N, K) responsibilities (eq.
    (gmm-resp) in the chapter "The EM algorithm").
    """

    def reference(X, weights, means, covariances):
        log_lik, log_resp = mixture.e_step(
            X,
            weights,
            means,
            mixture.precision_cholesky(covariances, "full"),
            "full",
        )
        return log_lik, np.exp(log_resp)

    def diagnose(got, expected, kwargs):
        try:
            resp = np.asarray(got[1], dtype=float)
            if resp.shape == expected[1].shape and np.allclose(
                np.exp(resp), expected[1], rtol=1e-6, atol=1e-9
            ):
                return (
                    "The second output looks like log-responsibilities "
                    "(what the chapter's e_step "
                    "returns); this exercise asks for the responsibilities "
                    "r_nk themselves."
                )
        except (TypeError, ValueError, IndexError):
            pass
        return None

    return run_cases(
        my_e_step,
        reference,
        _gmm_cases(),
        diagnose=diagnose,
        title="e_step",
        verbose=verbose,
        hint="compute log π_k + log N(x_n | μ_k, Σ_k), normalise over "
        "k with a log-sum-exp, and "
        "return the mean over n of the log-normaliser",
        rtol=1e-7,
        atol=1e-10,
    )


def check_weighted_m_step(my_m_step, verbose=True):
    """Check ``my_m_step(X, resp, sample_weight) -> (weights, means, cov)``.

    The M-step of a weighted likelihood Σ_n w_n log p(x_n | θ) (full
    covariances, no floor): point n counts w_n times. Cases with random
    weights, integer weights (a point of weight 2 is a duplicated point) and
    weights summing to much more than N.
    """
    rng = np.random.default_rng(1)
    cases = []
    for i, (case, kwargs) in enumerate(_gmm_cases(seed=1)[:-1]):
        N, K = kwargs["X"].shape[0], kwargs["weights"].shape[0]
        w = rng.exponential(size=N)
        if i == 1:
            w = rng.integers(1, 4, size=N).astype(float)
            case += ", integer weights"
        elif i == 2:
            w = 50.0 * w
            case += ", weights summing to about 50 N"
        resp = rng.dirichlet(np.ones(K), size=N)
        kwargs = dict(X=kwargs["X"], resp=resp, sample_weight=w)
        cases.append((case, kwargs))

    def reference(X, resp, sample_weight):
        wresp = resp * sample_weight[:, None]
        return mixture.m_step(X, wresp, "full", reg_covar=0.0)

    return run_cases(
        my_m_step,
        reference,
        cases,
        title="weighted_m_step",
        verbose=verbose,
        no_mutation=True,
        hint="every sum over n gets the factor w_n, the normalisers too",
        rtol=1e-7,
        atol=1e-10,
    )


def check_assign_clusters(my_assign, verbose=True):
    """Check ``my_assign(X, centers) -> labels`` (index of the nearest
    centre for each row).
    """
    rng = np.random.default_rng(2)
    cases = []
    for _ in range(8):
        N, D, K = (
            int(rng.integers(3, 50)),
            int(rng.integers(1, 5)),
            int(rng.integers(1, 6)),
        )
        cases.append(
            (
                f"N={N}, D={D}, K={K}",
                dict(
                    X=rng.normal(size=(N, D)),
                    centers=rng.normal(size=(K, D)),
                ),
            )
        )
    centers = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 0.0]])
    X = np.array([[1.0, 0.0], [1.0, 5.0], [3.0, 1.0], [-1.0, 0.0]])
    cases.append(
        (
            "ties: equidistant centres and a duplicated centre (the "
            "lowest index wins)",
            dict(X=X, centers=centers),
        )
    )
    return run_cases(
        my_assign,
        lambda X, centers: mixture.assign_clusters(X, centers)[0],
        cases,
        title="assign_clusters",
        verbose=verbose,
        no_row_loop="X",
        hint="the nearest centre in squared distance; with ties, the "
        "first centre (as np.argmin does)",
        rtol=0,
        atol=0,
    )


def _bernoulli_log_prob_missing(X, means):
    """Reference: the package's log-probability of the observed pixels only.

    A missing pixel (NaN) is marginalised out: its two terms sum to 1, so it
    drops from the product. Filling it with 0 and removing it from the
    complement term does exactly that.
    """
    observed = ~np.isnan(X)
    ones = np.where(observed, X, 0.0)
    zeros = observed - ones
    return ones @ np.log(means).T + zeros @ np.log1p(-means).T


def check_bernoulli_log_prob_missing(my_log_prob, verbose=True):
    """Check ``my_log_prob(X, means) -> (N, K)``, log p(x_n,obs | μ_k).

    ``X`` is binary with NaN for a missing pixel; a missing pixel is
    marginalised out. Cases: random holes, a row with every pixel missing
    (log p = 0), means within 1e-15 of 0 and 1 (no clipping), and D = 2000
    (a product of probabilities underflows).
    """
    rng = np.random.default_rng(3)
    cases = []
    for i in range(6):
        N, D, K = (
            int(rng.integers(2, 30)),
            int(rng.integers(1, 20)),
            int(rng.integers(1, 5)),
        )
        X = (rng.uniform(size=(N, D)) < 0.5).astype(float)
        X[rng.uniform(size=(N, D)) < 0.3] = np.nan
        description = f"N={N}, D={D}, K={K}, 30% of the pixels missing"
        if i == 5:
            X[0] = np.nan
            description += ", row 0 entirely missing"
        means = rng.uniform(0.01, 0.99, size=(K, D))
        cases.append((description, dict(X=X, means=means)))
    # 1 - tiny is exact in float64, so log(1 - mu) and log1p(-mu) agree
    tiny = 2.0**-50
    X = np.array([[1.0, 0.0, 1.0, np.nan], [0.0, np.nan, 1.0, 1.0]])
    means = np.array(
        [[tiny, tiny, 1 - tiny, 1 - tiny], [0.5, 1 - tiny, tiny, 0.25]]
    )
    cases.append(
        (
            "means within 1e-15 of 0 and 1 (no clipping)",
            dict(X=X, means=means),
        )
    )
    X = (rng.uniform(size=(3, 2000)) < 0.5).astype(float)
    X[:, ::7] = np.nan
    cases.append(
        (
            "D=2000 (a product of probabilities underflows)",
            dict(X=X, means=rng.uniform(0.05, 0.95, size=(2, 2000))),
        )
    )

    def diagnose(got, expected, kwargs):
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return None
        filled = np.nan_to_num(kwargs["X"], nan=0.0)
        if got.shape == expected.shape and np.allclose(
            got,
            mixture.bernoulli_log_prob(filled, kwargs["means"]),
            rtol=1e-9,
        ):
            return (
                "Your result treats a missing pixel as a 0 (as if it "
                "were observed off); a missing pixel should not "
                "contribute at all."
            )
        return None

    return run_cases(
        my_log_prob,
        _bernoulli_log_prob_missing,
        cases,
        title="bernoulli_log_prob_missing",
        verbose=verbose,
        diagnose=diagnose,
        hint="a NaN must not reach a product or a sum: mask it in both "
        "terms; no loop over rows is needed",
        rtol=1e-9,
        atol=1e-12,
    )


def _weighted_update_centers(X, labels, sample_weight, centers_old):
    """Reference: weighted means, one matrix product each."""
    K = centers_old.shape[0]
    one_hot = (labels[:, None] == np.arange(K)).astype(float)  # (N, K)
    totals = one_hot.T @ sample_weight  # Σ_n z_nk w_n
    sums = one_hot.T @ (sample_weight[:, None] * X)
    centers = centers_old.copy()
    keep = totals > 0
    centers[keep] = sums[keep] / totals[keep, None]
    return centers


def check_weighted_update_centers(my_update, verbose=True):
    """Check ``my_update(X, labels, sample_weight, centers_old)``.

    Returns the (K, D) centres. The update step of weighted k-means: centre
    k is the weighted mean of its points, and a centre whose cluster has no
    point (or only points of weight 0) stays where it was. Cases with an
    empty cluster, a cluster of zero total weight and integer weights; rows
    must not be looped over in Python.
    """
    rng = np.random.default_rng(4)
    cases = []
    for i in range(7):
        N, D = int(rng.integers(6, 50)), int(rng.integers(1, 4))
        K = int(rng.integers(2, 6))
        labels = rng.integers(K, size=N)
        sample_weight = rng.exponential(size=N)
        description = f"N={N}, D={D}, K={K}"
        if i == 4:
            labels[labels == K - 1] = 0
            description += ", cluster K-1 empty"
        elif i == 5:
            labels[:2] = 1
            sample_weight[labels == 1] = 0.0
            description += ", cluster 1 has only points of weight 0"
        elif i == 6:
            sample_weight = rng.integers(1, 5, size=N).astype(float)
            description += (
                ", integer weights (a point of weight 3 counts 3 times)"
            )
        cases.append(
            (
                description,
                dict(
                    X=rng.normal(size=(N, D)),
                    labels=labels,
                    sample_weight=sample_weight,
                    centers_old=rng.normal(size=(K, D)),
                ),
            )
        )
    return run_cases(
        my_update,
        _weighted_update_centers,
        cases,
        title="weighted_update_centers",
        verbose=verbose,
        no_mutation=True,
        no_row_loop="X",
        hint="divide by the total weight of each cluster, not by its "
        "number of points; a cluster without weight keeps its old centre",
        rtol=1e-10,
        atol=1e-12,
    )

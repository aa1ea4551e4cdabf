"""Checks for the coding exercises of "Topic models".

Each ``check_*`` runs your function on random cases against the reference in
``lvmteach.topics`` and prints what is off (never the expected values).
"""

import numpy as np

from .. import topics
from ._harness import run_cases

__all__ = [
    "check_dirichlet_expectation",
    "check_plsa_em_step",
    "check_gibbs_conditional",
    "check_log_joint",
]


def check_dirichlet_expectation(my_fn, verbose=True):
    """Check ``my_fn(a) -> E[log θ]`` for θ ~ Dirichlet(a_d), row by row;
    ``a`` is (N, K).
    """
    rng = np.random.default_rng(0)
    cases = []
    for _ in range(6):
        N, K = int(rng.integers(1, 6)), int(rng.integers(2, 8))
        cases.append(
            (
                f"N={N}, K={K}",
                dict(a=rng.gamma(0.5, 4.0, size=(N, K)) + 1e-3),
            )
        )
    return run_cases(
        my_fn,
        topics.dirichlet_expectation,
        cases,
        title="dirichlet_expectation",
        verbose=verbose,
        hint="scipy.special.digamma; each row is its own Dirichlet, so "
        "sum over the last axis only",
        rtol=1e-10,
        atol=1e-12,
    )


def check_plsa_em_step(my_fn, verbose=True):
    """Check ``my_fn(X, doc_topic, topic_word)``, one PLSA EM step.

    Returns ``(new_doc_topic, new_topic_word)``. The last case has an empty
    document (a row of zeros): its new θ_d is uniform, 1/K.
    """
    rng = np.random.default_rng(1)
    cases = []
    for i in range(7):
        N, V, K = (
            int(rng.integers(2, 12)),
            int(rng.integers(2, 10)),
            int(rng.integers(1, 5)),
        )
        X = rng.poisson(2.0, size=(N, V)).astype(float)
        X[0, 0] += 1.0
        X[X.sum(axis=1) == 0, 0] = 1.0
        description = f"N={N}, V={V}, K={K}"
        if i == 6:
            X[-1] = 0.0
            description += ", the last document empty (a row of zeros)"
        cases.append(
            (
                description,
                dict(
                    X=X,
                    doc_topic=rng.dirichlet(np.ones(K), size=N),
                    topic_word=rng.dirichlet(np.ones(V), size=K),
                ),
            )
        )

    def reference(X, doc_topic, topic_word):
        _, R = topics.plsa_e_step(X, doc_topic, topic_word)
        return topics.plsa_m_step(R, doc_topic, topic_word)

    return run_cases(
        my_fn,
        reference,
        cases,
        title="plsa_em_step",
        verbose=verbose,
        hint="both updates use the OLD θ and β; θ_d is normalised over "
        "topics, β_k over words; an empty document has nothing to "
        "normalise: its θ_d is uniform",
        rtol=1e-8,
        atol=1e-12,
    )


def check_gibbs_conditional(my_fn, verbose=True):
    """Check ``my_fn(ndk_d, nwk_w, nk, alpha, eta, V) -> p`` normalised over
    the K topics.

    The counts passed in already exclude the token being resampled.
    """
    rng = np.random.default_rng(2)
    cases = []
    for _ in range(8):
        K, V = int(rng.integers(2, 8)), int(rng.integers(3, 30))
        nk = rng.integers(5, 50, size=K).astype(float)
        cases.append(
            (
                f"K={K}, V={V}",
                dict(
                    ndk_d=rng.integers(0, 5, size=K).astype(float),
                    nwk_w=rng.integers(0, 5, size=K).astype(float),
                    nk=nk,
                    alpha=float(rng.choice([0.1, 0.5, 1.0])),
                    eta=float(rng.choice([0.01, 0.1])),
                    V=V,
                ),
            )
        )

    def reference(ndk_d, nwk_w, nk, alpha, eta, V):
        p = topics.gibbs_conditional(ndk_d, nwk_w, nk, alpha, eta, V)
        return p / p.sum()

    return run_cases(
        my_fn,
        reference,
        cases,
        title="gibbs_conditional",
        verbose=verbose,
        hint="one factor from the document's counts, one from the word's, "
        "divided by the topic's total; normalise over the K topics",
        rtol=1e-10,
        atol=1e-12,
    )


def check_log_joint(my_fn, verbose=True):
    """Check ``my_fn(ndk, nwk, alpha, eta) -> log p(w, z)`` from the (N, K)
    and (V, K) counts.
    """
    rng = np.random.default_rng(3)
    cases = []
    for _ in range(6):
        N, V, K = (
            int(rng.integers(1, 6)),
            int(rng.integers(2, 10)),
            int(rng.integers(1, 5)),
        )
        z_docs = rng.integers(N, size=40)
        z_words = rng.integers(V, size=40)
        z = rng.integers(K, size=40)
        ndk = np.zeros((N, K))
        nwk = np.zeros((V, K))
        np.add.at(ndk, (z_docs, z), 1.0)
        np.add.at(nwk, (z_words, z), 1.0)
        cases.append(
            (
                f"N={N}, V={V}, K={K}",
                dict(
                    ndk=ndk,
                    nwk=nwk,
                    alpha=float(rng.choice([0.1, 1.0])),
                    eta=0.05,
                ),
            )
        )
    ndk = np.array([[300.0, 100.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 2.0]])
    nwk = np.array([[200.0, 50.0, 1.0], [101.0, 50.0, 1.0]])
    cases.append(
        (
            "400-token document and an empty document (gamma overflows "
            "past 171)",
            dict(ndk=ndk, nwk=nwk, alpha=0.5, eta=0.1),
        )
    )
    return run_cases(
        my_fn,
        lambda ndk, nwk, alpha, eta: topics.log_joint(ndk, nwk, alpha, eta),
        cases,
        title="log_joint",
        verbose=verbose,
        hint="one Dirichlet-multinomial integral per document (over "
        "topics, with α) and per topic "
        "(over words, with η); use scipy.special.gammaln, never "
        "log(gamma(...))",
        rtol=1e-10,
        atol=1e-8,
    )

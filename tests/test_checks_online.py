"""The online-learning exercise checks accept correct answers and reject broken ones."""

import numpy as np

from lvmteach.checks.online import (
    check_gmm_statistics,
    check_minibatch_kmeans_step,
    check_step_size,
    check_svi_lda_step,
)

# ------------------------------------------------------------------ independent correct answers


def step_size(t, learning_offset, learning_decay):
    return 1.0 / (learning_offset + t) ** learning_decay


def gmm_statistics_loops(X, resp):
    N, D = X.shape
    K = resp.shape[1]
    s0, s1, s2 = np.zeros(K), np.zeros((K, D)), np.zeros((K, D, D))
    for n in range(N):
        for k in range(K):
            s0[k] += resp[n, k] / N
            s1[k] += resp[n, k] * X[n] / N
            s2[k] += resp[n, k] * np.outer(X[n], X[n]) / N
    return s0, s1, s2


def svi_step(lam, sstats, eta, total_samples, batch_size, rho):
    return lam + rho * (eta + total_samples * sstats / batch_size - lam)  # natural-gradient form


def kmeans_loops(centers, counts, X):
    centers, counts = centers.copy(), counts.copy()
    labels = [int(np.argmin(((centers - x) ** 2).sum(axis=1))) for x in X]
    for x, k in zip(X, labels):  # Sculley's per-point form: the same result for a fixed assignment
        counts[k] += 1
        centers[k] += (x - centers[k]) / counts[k]
    return centers, counts


def test_checks_accept_independent_correct_answers():
    assert check_step_size(step_size, verbose=False)
    assert check_gmm_statistics(gmm_statistics_loops, verbose=False)
    assert check_svi_lda_step(svi_step, verbose=False)
    assert check_minibatch_kmeans_step(kmeans_loops, verbose=False)


def test_checks_reject_common_mistakes():
    assert not check_step_size(
        lambda t, learning_offset, learning_decay: learning_offset + t ** -learning_decay,
        verbose=False,
    )
    assert not check_step_size(
        lambda t, learning_offset, learning_decay: (learning_offset + t) ** learning_decay,
        verbose=False,
    )

    def per_component(X, resp):  # divided by N_k instead of N
        s0, s1, s2 = gmm_statistics_loops(X, resp)
        return s0, s1 / s0[:, None], s2 / s0[:, None, None]

    assert not check_gmm_statistics(per_component, verbose=False)
    assert not check_gmm_statistics(
        lambda X, resp: gmm_statistics_loops(X, resp)[:2], verbose=False
    )

    def unscaled(lam, sstats, eta, total_samples, batch_size, rho):  # forgot D / B
        return (1 - rho) * lam + rho * (eta + sstats)

    assert not check_svi_lda_step(unscaled, verbose=False)

    def same_rate(centers, counts, X):  # one global step instead of per-centre counts
        centers = centers.copy()
        labels = [int(np.argmin(((centers - x) ** 2).sum(axis=1))) for x in X]
        for x, k in zip(X, labels):
            centers[k] += 0.1 * (x - centers[k])
        return centers, counts + np.bincount(labels, minlength=len(centers))

    assert not check_minibatch_kmeans_step(same_rate, verbose=False)


def test_check_reports_a_stub():
    def stub(t, learning_offset, learning_decay):
        raise NotImplementedError

    result = check_step_size(stub, verbose=False)
    assert not result and "not implemented" in result.message

"""The exercise checks accept the reference solutions and reject broken ones."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from lvmteach.checks import mixture as checks


def good_e_step(X, weights, means, covariances):
    log_joint = np.column_stack(
        [
            np.log(w) + multivariate_normal(m, c).logpdf(X).reshape(-1)
            for w, m, c in zip(weights, means, covariances)
        ]
    )
    log_px = logsumexp(log_joint, axis=1)
    return log_px.mean(), np.exp(log_joint - log_px[:, None])


def naive_e_step(X, weights, means, covariances):  # densities outside the log domain
    dens = np.column_stack(
        [
            w * multivariate_normal(m, c).pdf(X).reshape(-1)
            for w, m, c in zip(weights, means, covariances)
        ]
    )
    with np.errstate(all="ignore"):
        return np.log(dens.sum(axis=1)).mean(), dens / dens.sum(axis=1, keepdims=True)


def transposed_e_step(X, weights, means, covariances):
    log_lik, resp = good_e_step(X, weights, means, covariances)
    return log_lik, resp.T


def good_m_step(X, resp, sample_weight):
    resp = resp * sample_weight[:, None]
    nk = resp.sum(axis=0)
    means = resp.T @ X / nk[:, None]
    covs = np.stack(
        [
            (resp[:, k, None] * (X - means[k])).T @ (X - means[k]) / nk[k]
            for k in range(resp.shape[1])
        ]
    )
    return nk / sample_weight.sum(), means, covs


def old_mean_m_step(X, resp, sample_weight):  # classic bug: covariance around the global mean
    w, means, _ = good_m_step(X, resp, sample_weight)
    mu = X.mean(axis=0)
    r = resp * sample_weight[:, None]
    covs = np.stack(
        [(r[:, k, None] * (X - mu)).T @ (X - mu) / r[:, k].sum() for k in range(r.shape[1])]
    )
    return w, means, covs


def test_e_step_check_accepts_reference_and_rejects_bugs(capsys):
    assert checks.check_e_step(good_e_step)
    result = checks.check_e_step(naive_e_step)
    assert not result and ("NaN" in result.message or "wrong" in result.message)
    result = checks.check_e_step(transposed_e_step)
    assert not result and "shape" in result.message


def test_m_step_check_accepts_reference_and_rejects_bug():
    assert checks.check_weighted_m_step(good_m_step)
    result = checks.check_weighted_m_step(old_mean_m_step)
    assert not result and "[2]" in result.message  # names the covariances as the wrong output


def test_stub_is_reported_as_not_implemented():
    def stub(X, resp, sample_weight):
        raise NotImplementedError

    assert "not implemented" in checks.check_weighted_m_step(stub).message


def test_assign_and_update_checks():
    assert checks.check_assign_clusters(
        lambda X, centers: np.argmin(((X[:, None] - centers[None]) ** 2).sum(-1), axis=1)
    )
    assert not checks.check_assign_clusters(
        lambda X, centers: np.argmax(((X[:, None] - centers[None]) ** 2).sum(-1), axis=1)
    )

    def weighted(X, labels, w, old):
        centers = old.copy()
        for k in range(len(old)):
            if w[labels == k].sum() > 0:
                centers[k] = np.average(X[labels == k], axis=0, weights=w[labels == k])
        return centers

    assert checks.check_weighted_update_centers(weighted)
    assert not checks.check_weighted_update_centers(
        lambda X, labels, w, old: weighted(X, labels, np.ones_like(w), old)
    )


def test_bernoulli_check():
    def masked(X, means):
        observed = ~np.isnan(X)
        ones = np.where(observed, X, 0.0)
        return ones @ np.log(means).T + (observed - ones) @ np.log(1 - means).T

    assert checks.check_bernoulli_log_prob_missing(masked)
    assert not checks.check_bernoulli_log_prob_missing(
        lambda X, means: np.nan_to_num(X) @ np.log(means).T
    )


@pytest.mark.parametrize("check", [checks.check_e_step, checks.check_weighted_m_step])
def test_feedback_never_prints_expected_values(check, capsys):
    def off_by_a_bit(*args, **kwargs):
        out = (good_e_step if check is checks.check_e_step else good_m_step)(*args, **kwargs)
        return tuple(np.asarray(o) * 1.01 for o in out)

    result = check(off_by_a_bit)
    assert not result
    assert "expected" not in result.message.lower()
    assert len(result.message) < 400

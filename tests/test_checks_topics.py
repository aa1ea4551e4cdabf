"""The topic-model exercise checks accept the reference solutions and reject broken ones."""

import numpy as np
from scipy.special import digamma, gamma, gammaln

from lvmteach.checks import topics as checks


def good_dirichlet_expectation(a):
    return digamma(a) - digamma(a.sum(axis=1, keepdims=True))


def whole_array_dirichlet_expectation(a):  # bug: sums over the whole array, not each row
    return digamma(a) - digamma(a.sum())


def good_plsa_em_step(X, doc_topic, topic_word):
    q = doc_topic[:, None, :] * topic_word.T[None, :, :]
    q /= q.sum(axis=2, keepdims=True)
    nq = X[:, :, None] * q
    theta = nq.sum(axis=1)
    beta = nq.sum(axis=0).T
    totals = theta.sum(axis=1, keepdims=True)
    theta = np.where(totals > 0, theta, 1.0)  # an empty document: uniform
    totals = theta.sum(axis=1, keepdims=True)
    return theta / totals, beta / beta.sum(axis=1, keepdims=True)


def unweighted_plsa_em_step(X, doc_topic, topic_word):  # bug: forgets the counts x_dw
    return good_plsa_em_step((X > 0).astype(float), doc_topic, topic_word)


def good_gibbs_conditional(ndk_d, nwk_w, nk, alpha, eta, V):
    p = (ndk_d + alpha) * (nwk_w + eta) / (nk + V * eta)
    return p / p.sum()


def no_denominator_gibbs_conditional(ndk_d, nwk_w, nk, alpha, eta, V):  # bug: drops 1/(n_k + Vη)
    p = (ndk_d + alpha) * (nwk_w + eta)
    return p / p.sum()


def good_log_joint(ndk, nwk, alpha, eta):
    N, K = ndk.shape
    V = nwk.shape[0]
    lz = (
        N * (gammaln(K * alpha) - K * gammaln(alpha))
        + gammaln(ndk + alpha).sum()
        - gammaln(ndk.sum(1) + K * alpha).sum()
    )
    lw = (
        K * (gammaln(V * eta) - V * gammaln(eta))
        + gammaln(nwk + eta).sum()
        - gammaln(nwk.sum(0) + V * eta).sum()
    )
    return lz + lw


# log(gamma(.)) overflows for large counts... and here drops p(z)
def naive_log_joint(ndk, nwk, alpha, eta):
    V = nwk.shape[0]
    K = ndk.shape[1]
    with np.errstate(all="ignore"):
        return float(
            np.sum(np.log(gamma(nwk + eta)))
            - np.sum(np.log(gamma(nwk.sum(0) + V * eta)))
            + K * (gammaln(V * eta) - V * gammaln(eta))
        )


def test_dirichlet_expectation_check():
    assert checks.check_dirichlet_expectation(good_dirichlet_expectation)
    result = checks.check_dirichlet_expectation(whole_array_dirichlet_expectation)
    assert not result and "wrong" in result.message


def test_plsa_em_step_check():
    assert checks.check_plsa_em_step(good_plsa_em_step)
    assert not checks.check_plsa_em_step(unweighted_plsa_em_step)


def test_gibbs_conditional_check():
    assert checks.check_gibbs_conditional(good_gibbs_conditional)
    assert not checks.check_gibbs_conditional(no_denominator_gibbs_conditional)


def test_log_joint_check():
    assert checks.check_log_joint(good_log_joint)
    assert not checks.check_log_joint(naive_log_joint)


def test_stub_is_reported_as_not_implemented():
    def stub(a):
        raise NotImplementedError

    result = checks.check_dirichlet_expectation(stub)
    assert not result and "not implemented" in result.message

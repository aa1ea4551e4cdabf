"""The HMM exercise checks accept correct solutions and reject typical mistakes."""

import numpy as np
from scipy.special import logsumexp

from lvmteach.checks import hmm as checks


def log_forward_messages(startprob, transmat, log_frame):  # the log-domain recursion
    T, K = log_frame.shape
    log_alpha = np.empty((T, K))
    with np.errstate(divide="ignore"):
        log_A = np.log(transmat)
        log_alpha[0] = np.log(startprob) + log_frame[0]
    for t in range(1, T):
        log_alpha[t] = logsumexp(log_alpha[t - 1][:, None] + log_A, axis=0) + log_frame[t]
    return log_alpha


def good_forward(startprob, transmat, log_frame):
    log_alpha = log_forward_messages(startprob, transmat, log_frame)
    return log_alpha, logsumexp(log_alpha[-1])


def naive_forward(startprob, transmat, log_frame):  # no logs: underflows on long sequences
    a = startprob * np.exp(log_frame[0])
    alphas = [a]
    for t in range(1, len(log_frame)):
        a = (a @ transmat) * np.exp(log_frame[t])
        alphas.append(a)
    with np.errstate(all="ignore"):
        return np.log(np.array(alphas)), np.log(alphas[-1].sum())


def transposed_transition_forward(startprob, transmat, log_frame):
    return good_forward(startprob, transmat.T, log_frame)


def good_viterbi(startprob, transmat, log_frame):
    T, K = log_frame.shape
    delta = np.log(startprob) + log_frame[0]
    back = np.zeros((T, K), int)
    for t in range(1, T):
        scores = delta[:, None] + np.log(transmat)
        back[t] = scores.argmax(axis=0)
        delta = scores.max(axis=0) + log_frame[t]
    path = [int(delta.argmax())]
    for t in range(T - 1, 0, -1):
        path.append(back[t, path[-1]])
    return np.array(path[::-1])


def greedy_viterbi(startprob, transmat, log_frame):  # most probable state at each step alone
    return log_forward_messages(startprob, transmat, log_frame).argmax(axis=1)


def test_forward_check_accepts_reference_and_rejects_bugs():
    assert checks.check_log_forward(good_forward)
    result = checks.check_log_forward(naive_forward)
    assert not result and "underflows" in result.message
    assert not checks.check_log_forward(transposed_transition_forward)


def test_viterbi_check_accepts_reference_and_rejects_greedy_decoding():
    assert checks.check_viterbi(good_viterbi)
    assert not checks.check_viterbi(greedy_viterbi)


def test_stub_is_reported_as_not_implemented():
    def stub(startprob, transmat, log_frame):
        raise NotImplementedError

    assert "not implemented" in checks.check_log_forward(stub).message

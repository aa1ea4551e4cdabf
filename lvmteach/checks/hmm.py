"""Checks for the hidden-Markov-model exercises of "Latent variable models
for sequences".

Each ``check_*`` runs your function on random single sequences against the
reference in ``lvmteach.hmm`` and prints what is off (never the expected
values).
"""

import numpy as np

from .. import hmm
from ._harness import run_cases

__all__ = ["check_log_forward", "check_viterbi"]


def _cases(n_cases=6, seed=0, long_last=True):
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n_cases):
        K, T = int(rng.integers(1, 5)), int(rng.integers(1, 30))
        log_frame = rng.normal(-2.0, 2.0, size=(T, K))
        what = f"K={K}, T={T}"
        if long_last and i == n_cases - 1:
            T = 3000
            # p(x_1..x_T) is about e^-60000
            log_frame = rng.normal(-20.0, 2.0, size=(T, K))
            what = (
                f"K={K}, T={T}: a long sequence whose likelihood underflows"
            )
        cases.append(
            (
                what,
                dict(
                    startprob=rng.dirichlet(np.ones(K)),
                    transmat=rng.dirichlet(np.ones(K), size=K),
                    log_frame=log_frame,
                ),
            )
        )
    return cases


def _reference_forward(startprob, transmat, log_frame):
    log_frame, mask = hmm.pad_sequences(log_frame, [len(log_frame)])
    frame, shift = hmm.scaled_emissions(log_frame, mask)
    alpha, scale = hmm.forward(startprob, transmat, frame, mask)
    return alpha[0], float(np.log(scale).sum() + shift.sum())


def _reference_log_forward(startprob, transmat, log_frame):
    """log α_t(k) = log p(x_1..x_t, z_t = k) from the scaled recursion.

    α_t = α̂_t Π_{s≤t} c_s, so log α_t = log α̂_t + Σ_{s≤t} (log c_s +
    shift_s); an unreachable state has α̂_t(k) = 0 and log α_t(k) = −∞.
    """
    padded, mask = hmm.pad_sequences(log_frame, [len(log_frame)])
    frame, shift = hmm.scaled_emissions(padded, mask)
    alpha, scale = hmm.forward(startprob, transmat, frame, mask)
    with np.errstate(divide="ignore"):
        log_alpha = np.log(alpha[0])
    log_alpha += np.cumsum(np.log(scale[0]) + shift[0])[:, None]
    return log_alpha, float(np.log(scale).sum() + shift.sum())


def _left_to_right_case(rng, K=3, T=12):
    """A left-to-right HMM: starts in state 0, never moves back."""
    transmat = np.triu(rng.uniform(0.2, 1.0, size=(K, K)))
    transmat /= transmat.sum(axis=1, keepdims=True)
    startprob = np.eye(K)[0]
    return (
        f"K={K}, T={T}: a left-to-right HMM (zeros in π and A: log α = −∞ "
        "where a state is unreachable)",
        dict(
            startprob=startprob,
            transmat=transmat,
            log_frame=rng.normal(-2.0, 2.0, (T, K)),
        ),
    )


def check_log_forward(my_log_forward, verbose=True):
    """Check ``my_log_forward(startprob, transmat, log_frame)``.

    Returns ``(log_alpha, log_lik)``: the forward recursion in the log
    domain for one sequence: ``log_alpha`` (T, K) holds log α_t(k) = log
    p(x_1..x_t, z_t = k), not normalised, and ``log_lik`` is log
    p(x_1..x_T). Cases include a sequence of 3000 steps whose likelihood
    underflows and a left-to-right HMM whose π and A have zeros (log α is −∞
    there, not a large negative number).
    """
    cases = _cases()
    cases.insert(-1, _left_to_right_case(np.random.default_rng(7)))
    return run_cases(
        my_log_forward,
        _reference_log_forward,
        cases,
        title="log_forward",
        verbose=verbose,
        hint="a sum of products becomes a log-sum-exp of sums; never "
        "exponentiate a log α",
        rtol=1e-9,
        atol=1e-9,
    )


def check_viterbi(my_viterbi, verbose=True):
    """Check ``my_viterbi(startprob, transmat, log_frame) -> path``, the
    most probable states (T,).
    """

    def reference(startprob, transmat, log_frame):
        log_frame, mask = hmm.pad_sequences(log_frame, [len(log_frame)])
        return hmm.viterbi(
            np.log(startprob), np.log(transmat), log_frame, mask
        )[1][0]

    return run_cases(
        my_viterbi,
        reference,
        _cases(seed=1),
        title="viterbi",
        verbose=verbose,
        hint="work with logs; keep, for every (t, j), the best previous "
        "state, and trace the path back from the best final state",
        rtol=0,
        atol=0,
    )

"""Checks for the hidden-Markov-model exercises of "Latent variable models for sequences".

Each ``check_*`` runs your function on random single sequences against the reference in
``lvmteach.hmm`` and prints what is off (never the expected values).
"""

import numpy as np

from .. import hmm
from ._harness import run_cases

__all__ = ["check_forward", "check_viterbi"]


def _cases(n_cases=6, seed=0, long_last=True):
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n_cases):
        K, T = int(rng.integers(1, 5)), int(rng.integers(1, 30))
        log_frame = rng.normal(-2.0, 2.0, size=(T, K))
        what = f"K={K}, T={T}"
        if long_last and i == n_cases - 1:
            T = 3000
            log_frame = rng.normal(-20.0, 2.0, size=(T, K))  # p(x_1..x_T) is about e^-60000
            what = f"K={K}, T={T}: a long sequence whose likelihood underflows"
        cases.append(
            (
                what,
                dict(startprob=rng.dirichlet(np.ones(K)), transmat=rng.dirichlet(np.ones(K), size=K), log_frame=log_frame),
            )
        )
    return cases


def _reference_forward(startprob, transmat, log_frame):
    log_frame, mask = hmm.pad_sequences(log_frame, [len(log_frame)])
    frame, shift = hmm.scaled_emissions(log_frame, mask)
    alpha, scale = hmm.forward(startprob, transmat, frame, mask)
    return alpha[0], float(np.log(scale).sum() + shift.sum())


def check_forward(my_forward, verbose=True):
    """Check ``my_forward(startprob, transmat, log_frame) -> (alpha, log_lik)`` for one sequence.

    ``log_frame`` (T, K) holds log p(x_t | z_t = k); ``alpha`` (T, K) the normalised forward
    messages p(z_t = k | x_1..x_t) and ``log_lik`` the log-likelihood log p(x_1..x_T).
    """
    return run_cases(
        my_forward,
        _reference_forward,
        _cases(),
        title="forward",
        verbose=verbose,
        hint="normalise α_t at every step and add the log of each normaliser to log_lik; shift "
        "each row of log_frame by its maximum before exponentiating and add the shift back",
        rtol=1e-7,
        atol=1e-10,
    )


def check_viterbi(my_viterbi, verbose=True):
    """Check ``my_viterbi(startprob, transmat, log_frame) -> path``, the most probable states (T,)."""

    def reference(startprob, transmat, log_frame):
        log_frame, mask = hmm.pad_sequences(log_frame, [len(log_frame)])
        return hmm.viterbi(np.log(startprob), np.log(transmat), log_frame, mask)[1][0]

    return run_cases(
        my_viterbi,
        reference,
        _cases(seed=1),
        title="viterbi",
        verbose=verbose,
        hint="work with logs: δ_t(j) = max_i [δ_{t−1}(i) + log A_ij] + log p(x_t | j); keep the "
        "argmax i for every (t, j) and trace the path back from argmax_j δ_T(j)",
        rtol=0,
        atol=0,
    )

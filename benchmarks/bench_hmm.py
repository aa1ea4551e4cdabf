"""HiddenMarkovModel (Gaussian emissions) against hmmlearn's compiled forward-backward.

Issue goal: K = 10 Gaussian states (full covariances), D = 5, T = 100 000 time steps in 100
sequences of 1000: forward-backward (the posteriors of every time step, hmmlearn's
``predict_proba``) and one Baum-Welch iteration (``fit`` with one iteration from a given
start), our time at most 1.5x hmmlearn's. hmmlearn runs its default log-domain C++ recursion;
ours is the scaled recursion with one Python-level step per time index, batched over the 100
sequences (see the chapter "Latent variable models for sequences", section on speed).
"""

import warnings

import numpy as np

from ._harness import report, time_pair


def hmm_data(K=10, D=5, n_sequences=100, T=1000, seed=0):
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=3.0, size=(K, D))
    transmat = 0.9 * np.eye(K) + 0.1 * rng.dirichlet(np.ones(K), size=K)
    z = np.empty(n_sequences * T, dtype=int)
    z[0] = 0
    u = rng.uniform(size=z.size)
    cum = np.cumsum(transmat, axis=1)
    for t in range(1, z.size):
        z[t] = min(np.searchsorted(cum[z[t - 1]], u[t]), K - 1)
    X = means[z] + rng.normal(size=(z.size, D))
    start = dict(
        startprob=np.full(K, 1.0 / K),
        transmat=0.5 * np.eye(K) + 0.5 / K,
        means=means + 0.5 * rng.normal(size=(K, D)),
        covars=np.stack([np.eye(D)] * K),
    )
    return X, np.full(n_sequences, T), start


def _models(K, start, n_iter):
    from hmmlearn.hmm import GaussianHMM

    from lvmteach.hmm import HiddenMarkovModel

    ours = HiddenMarkovModel(K, tol=0.0, max_iter=n_iter, reg_covar=0.0, init=start)
    ref = GaussianHMM(
        K, covariance_type="full", n_iter=n_iter, tol=-np.inf, init_params="", covars_prior=0.0
    )
    return ours, ref


def _set_start(ref, start):
    ref.startprob_, ref.transmat_ = start["startprob"], start["transmat"]
    ref.means_, ref.covars_ = start["means"], start["covars"]
    return ref


def bench_forward_backward(K=10, D=5, repeats=5):
    X, lengths, start = hmm_data(K, D)
    ours, ref = _models(K, start, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours.fit(X[:100])  # sets the parameters to `start` (one iteration on a few rows)
    ours._set_parameters((start["startprob"], start["transmat"], start["means"], start["covars"]))
    _set_start(ref, start)
    t_ours, t_ref = time_pair(
        lambda: ours.predict_proba(X, lengths),
        lambda: ref.predict_proba(X, lengths),
        repeats=repeats,
    )
    return report(
        f"HMM forward-backward K={K} D={D} T={len(X)} (100 seqs)",
        t_ours,
        t_ref,
        unit="pass",
        goal=1.5,
    )


def bench_baum_welch(K=10, D=5, repeats=5):
    X, lengths, start = hmm_data(K, D)
    ours, ref = _models(K, start, 1)
    t_ours, t_ref = time_pair(
        lambda: ours.fit(X, lengths),
        lambda: _set_start(ref, start).fit(X, lengths),
        repeats=repeats,
    )
    return report(f"HMM one Baum-Welch iteration K={K} D={D} T={len(X)}", t_ours, t_ref, goal=1.5)


def main():
    bench_forward_backward()
    bench_baum_welch()


if __name__ == "__main__":
    main()

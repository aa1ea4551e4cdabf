"""Checks for the exercises of the chapter "Boltzmann machines, RBMs and
deep belief nets".

Each ``check_<name>(fn)`` calls the reader's function on a few random RBMs
and compares it with the package's implementation in ``lvmteach.boltzmann``,
without revealing the answer. Shapes follow the chapter: ``V`` (N, D)
binary, ``W`` (K, D), ``b`` (D,), ``c`` (K,).
"""

import numpy as np

from .. import boltzmann
from ._harness import run_cases

__all__ = [
    "check_gb_free_energy",
    "check_log_partition",
    "check_exact_gradient",
    "check_pseudo_log_likelihood",
]


def _rbm_cases(
    seed,
    sizes=((6, 3), (4, 5), (10, 2), (1, 1), (5, 4)),
    large_last=True,
    N=7,
):
    """Random RBMs and binary data; the last case has weights large enough
    to overflow exp.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for i, (D, K) in enumerate(sizes):
        scale = 300.0 if large_last and i == len(sizes) - 1 else 1.0
        kwargs = dict(
            V=(rng.random((N, D)) < 0.5).astype(float),
            W=rng.normal(scale=scale, size=(K, D)),
            b=rng.normal(size=D),
            c=rng.normal(size=K),
        )
        label = f"N={N}, D={D}, K={K}" + (
            ", large weights" if scale > 1 else ""
        )
        cases.append((label, kwargs))
    return cases


def check_gb_free_energy(fn, verbose=True):
    """Check ``fn(V, W, b, c, sigma) -> F`` (N,), Gaussian-Bernoulli RBM.

    Real-valued ``V`` (N, D), energy eq. (gbrbm-energy), ``sigma`` (D,) the
    visible standard deviations; the hidden units are summed out as in eq.
    (rbm-free-energy). Cases with unequal σ_d and with large weights.
    """
    cases = []
    for label, kwargs in _rbm_cases(0):
        rng = np.random.default_rng(len(cases))
        D = kwargs["b"].shape[0]
        kwargs["V"] = rng.normal(scale=2.0, size=kwargs["V"].shape)
        kwargs["sigma"] = rng.uniform(0.3, 3.0, size=D)
        cases.append((label + ", unequal σ_d", kwargs))
    return run_cases(
        fn,
        boltzmann.gb_free_energy,
        cases,
        title="gb_free_energy",
        hint="sum exp(−E) over h ∈ {0,1}^K as for the binary RBM; the "
        "hidden units see v_d / σ_d, and a large input must not overflow",
        rtol=1e-9,
        atol=1e-9,
        verbose=verbose,
    )


def check_log_partition(fn, verbose=True):
    """Check ``fn(W, b, c) -> log Z`` (a float), by enumerating one layer
    (eq. rbm-logz-enum).
    """
    cases = [
        (label, {k: kw[k] for k in ("W", "b", "c")})
        for label, kw in _rbm_cases(1)
    ]
    return run_cases(
        fn,
        boltzmann.log_partition_exact,
        cases,
        title="log_partition",
        hint="enumerate the 2^K hidden states and sum the visible units "
        "out in closed form for each; stay in the log domain",
        rtol=1e-9,
        atol=1e-9,
        verbose=verbose,
    )


def check_exact_gradient(fn, verbose=True):
    """Check ``fn(V, W, b, c) -> (grad_W, grad_b, grad_c)`` of the mean
    log-likelihood (eq. rbm-grad).
    """
    return run_cases(
        fn,
        boltzmann.exact_gradient,
        _rbm_cases(2, large_last=False),
        title="exact_gradient",
        hint="data term: P(h=1|v) vᵀ averaged over the rows; model "
        "term: the same under p(v, h), "
        "e.g. Σ_h p(h) h σ(b + Wᵀh)ᵀ over all hidden states h; grad_W has "
        "shape (K, D)",
        rtol=1e-8,
        atol=1e-10,
        verbose=verbose,
    )


def check_pseudo_log_likelihood(fn, verbose=True):
    """Check ``fn(V, W, b, c) -> (N,)`` the full pseudo-log-likelihood Σ_d
    log p(v_d | v_−d) (eq. rbm-pll).
    """
    return run_cases(
        fn,
        boltzmann.pseudo_log_likelihood,
        _rbm_cases(3),
        title="pseudo_log_likelihood",
        hint="each term compares the free energy of v with that of v "
        "with one bit flipped; sum over all D bits (not one random bit), "
        "in a form that cannot overflow",
        rtol=1e-9,
        atol=1e-9,
        verbose=verbose,
    )

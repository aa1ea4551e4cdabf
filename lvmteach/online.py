"""Stochastic and online learning: step sizes, stochastic averages, and
streaming over batches.

The chapter "Learning at scale: stochastic and online inference"
(book/scale) derives every function here; each docstring names its equation.
The estimators' ``partial_fit`` methods (``KMeans``, ``GaussianMixture``,
``BernoulliMixture``, ``LDA``, ``PCA``, ``NMF``) use these helpers, and
``fit_batches`` drives any of them over data that do not fit in memory: a
memory-mapped ``.npy`` file (``np.load(path, mmap_mode='r')``) or an
iterator of batches. Only one batch is ever copied into memory, so the peak
memory depends on the batch size, not on N.
"""

import os

import numpy as np
import scipy.sparse as sp

from .validation import (
    check_positive_int,
    check_positive_scalar,
    check_random_state,
)

__all__ = [
    "check_schedule",
    "fit_batches",
    "iter_batches",
    "npy_batches",
    "step_size",
    "stochastic_average",
    "stream_fit",
]


def check_schedule(learning_offset, learning_decay):
    """Validate a Robbins–Monro schedule ρ_t = (τ + t)^(−κ): τ ≥ 0 and κ in
    (0.5, 1].

    κ ≤ 0.5 makes Σ ρ_t² diverge (the noise never averages out); κ > 1 makes
    Σ ρ_t converge (the iterates stop before they reach the fixed point):
    eq. (robbins-monro) in the chapter "Learning at scale: stochastic and
    online inference".
    """
    tau = check_positive_scalar(
        learning_offset, "learning_offset", allow_zero=True
    )
    kappa = check_positive_scalar(learning_decay, "learning_decay")
    if not 0.5 < kappa <= 1.0:
        raise ValueError(
            f"learning_decay={kappa} must lie in (0.5, 1] so that the step "
            "sizes satisfy the "
            "Robbins-Monro conditions (sum of steps infinite, sum of "
            "squares finite)"
        )
    return tau, kappa


def step_size(t, learning_offset=10.0, learning_decay=0.7):
    """The step ρ_t = (τ + t)^(−κ) of the t-th update (eq. (rm-schedule) in
    the chapter "Learning at scale: stochastic and online inference").

    τ = ``learning_offset`` damps the first steps (large τ: early batches
    count less), κ = ``learning_decay`` sets how fast old statistics are
    forgotten. With τ = 0 and κ = 1, ρ_t = 1/t and the stochastic average is
    the plain running mean of all batches.
    """
    return float((learning_offset + t) ** (-learning_decay))


def stochastic_average(old, new, rho):
    """s ← (1 − ρ) s + ρ ŝ for a statistic or a tuple of them (eq.
    (stepwise-em) in the chapter "Learning at scale: stochastic and online
    inference").

    ``new`` is ŝ, the batch's estimate of the full-data average; with ρ = 1
    the old value is discarded (the first batch). Returns new arrays;
    ``old`` is not modified.
    """
    if isinstance(old, tuple):
        return tuple(
            stochastic_average(o, n, rho) for o, n in zip(old, new)
        )
    return (1.0 - rho) * old + rho * new


def _n_rows(X):
    shape = getattr(X, "shape", None)
    return None if shape is None or len(shape) == 0 else int(shape[0])


def iter_batches(X, batch_size, *, shuffle=False, random_state=None):
    """Yield consecutive blocks of ``batch_size`` rows of ``X`` as in-memory
    float64 arrays.

    ``X`` may be an array, a memory-mapped array (only the block being read
    is paged in), or an iterable of batches (yielded as they come;
    ``batch_size`` is then ignored). ``shuffle=True`` visits the blocks (not
    the rows: reading a memory map row by row at random is slow) in a random
    order.
    """
    N = _n_rows(X)
    if N is None:  # an iterator of batches
        for batch in X:
            yield (
                batch
                if sp.issparse(batch)
                else np.asarray(batch, dtype=np.float64)
            )
        return
    batch_size = check_positive_int(batch_size, "batch_size")
    starts = np.arange(0, N, batch_size)
    if shuffle:
        starts = check_random_state(random_state).permutation(starts)
    for start in starts:
        batch = X[start : start + batch_size]
        yield (
            batch
            if sp.issparse(batch)
            else np.array(batch, dtype=np.float64)
        )


def npy_batches(path, batch_size):
    """Yield blocks of ``batch_size`` rows of a 2-D ``.npy`` file, read with
    plain file reads.

    A memory map (``np.load(path, mmap_mode='r')``) also reads only what is
    touched, but the pages it touched stay mapped and count towards the
    process's resident memory until the kernel needs them back; reading each
    block into a fresh array keeps the resident memory at one block,
    whatever the file's size.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read_header = (
            np.lib.format.read_array_header_1_0
            if version == (1, 0)
            else np.lib.format.read_array_header_2_0
        )
        shape, fortran, dtype = read_header(f)
        if len(shape) != 2 or fortran:
            raise ValueError(
                f"{path} must hold a 2-D C-ordered array; got shape "
                f"{shape}, fortran_order={fortran}"
            )
        N, D = shape
        for start in range(0, N, batch_size):
            rows = min(batch_size, N - start)
            block = np.fromfile(f, dtype=dtype, count=rows * D).reshape(
                rows, D
            )
            yield block.astype(np.float64, copy=False)


def fit_batches(
    estimator,
    X,
    batch_size,
    *,
    n_epochs=1,
    shuffle=False,
    random_state=None,
    **kwargs,
):
    """Call ``estimator.partial_fit`` on every batch of ``X``, ``n_epochs``
    times; returns it.

    ``X``: an array, a memory map, the path of a ``.npy`` file (read by
    ``npy_batches``), or a callable returning a fresh iterator of batches
    (so that it can be read again in the next epoch). Extra keyword
    arguments go to every ``partial_fit`` call.
    """
    n_epochs = check_positive_int(n_epochs, "n_epochs")
    rng = check_random_state(random_state)
    for _ in range(n_epochs):
        source = X() if callable(X) else X
        if isinstance(source, (str, os.PathLike)):
            source = npy_batches(source, batch_size)
        for batch in iter_batches(
            source, batch_size, shuffle=shuffle, random_state=rng
        ):
            estimator.partial_fit(batch, **kwargs)
    return estimator


def stream_fit(
    estimator,
    X,
    batch_size,
    *,
    max_epochs=1,
    tol=0.0,
    objective=None,
    shuffle=False,
    random_state=None,
    state=None,
):
    """What ``fit`` does when an estimator's ``batch_size`` is set: stream
    over X from scratch.

    Forgets everything learned before (every attribute that is not a
    constructor parameter), then calls ``partial_fit`` on each batch for up
    to ``max_epochs`` passes. ``objective`` is the name of the per-batch
    attribute that ``partial_fit`` sets (the batch's score or loss before
    its update); its mean over a pass is recorded in ``history_`` and the
    passes stop once it changes by less than ``tol`` (``tol=0``: all
    ``max_epochs`` passes). Sets ``n_iter_`` (passes made) and
    ``converged_``. ``state``: attributes to set after the reset (private
    settings of the estimator's ``partial_fit``). Returns the estimator.
    """
    batch_size = check_positive_int(batch_size, "batch_size")
    max_epochs = check_positive_int(max_epochs, "max_epochs")
    params = estimator._get_param_names()
    for name in [k for k in vars(estimator) if k not in params]:
        delattr(estimator, name)
    for name, value in (state or {}).items():
        setattr(estimator, name, value)
    rng = check_random_state(random_state)
    history, converged = [], False
    for epoch in range(1, max_epochs + 1):
        scores, weights = [], []
        for batch in iter_batches(
            npy_batches(X, batch_size)
            if isinstance(X, (str, os.PathLike))
            else X,
            batch_size,
            shuffle=shuffle,
            random_state=rng,
        ):
            estimator.partial_fit(batch)
            if objective is not None and np.isfinite(
                getattr(estimator, objective)
            ):
                scores.append(getattr(estimator, objective))
                weights.append(batch.shape[0])
        history.append(
            float(np.average(scores, weights=weights)) if scores else np.nan
        )
        if tol > 0 and epoch > 1 and abs(history[-1] - history[-2]) < tol:
            converged = True
            break
    estimator.history_ = np.asarray(history)
    estimator.n_iter_ = epoch
    estimator.converged_ = converged
    return estimator

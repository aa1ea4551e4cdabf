"""Checks for the exercises of the chapter "PCA, probabilistic PCA and
factor analysis".

Each ``check_<name>(fn)`` calls the reader's function on a few random cases
and compares it with the package's implementation in ``lvmteach.factor``,
without revealing the answer.
"""

import numpy as np

from .. import factor
from ._harness import run_cases

__all__ = [
    "check_ppca_closed_form",
    "check_posterior",
    "check_log_likelihood",
    "check_impute",
]


def _model_data(N, D, q, seed, isotropic=True):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(D, q))
    psi = (
        np.full(D, rng.uniform(0.2, 1.0))
        if isotropic
        else rng.uniform(0.1, 1.0, size=D)
    )
    mean = rng.normal(size=D)
    X = (
        mean
        + rng.normal(size=(N, q)) @ W.T
        + rng.normal(size=(N, D)) * np.sqrt(psi)
    )
    return X, mean, W, psi


def check_ppca_closed_form(fn, verbose=True):
    """Check ``fn(X, q) -> (mean, W, sigma2)``, Tipping and Bishop's MLE
    (eqs. ppca-mle-sigma, ppca-mle-W).

    W is compared column by column up to sign (the rotation is taken to be
    R = I).
    """
    cases = []
    for i, (N, D, q) in enumerate(
        [(50, 5, 2), (200, 8, 3), (30, 6, 1), (10, 12, 4)]
    ):
        X, *_ = _model_data(N, D, q, seed=i)
        cases.append((f"N={N}, D={D}, q={q}", {"X": X, "q": q}))
    return run_cases(
        fn,
        factor.ppca_closed_form,
        cases,
        title="check_ppca_closed_form",
        hint="divide the covariance by N (the MLE), average the D - q "
        "smallest eigenvalues for "
        "sigma2 (counting zeros when N < D), and scale the eigenvectors "
        "by sqrt(lambda - sigma2)",
        up_to_sign_columns=True,
        rtol=1e-6,
        atol=1e-8,
        verbose=verbose,
    )


def check_posterior(fn, verbose=True):
    """Check ``fn(X, mean, W, sigma2) -> (Ez, cov_z)``, the PPCA posterior
    (eq. fa-posterior).
    """
    cases = []
    for i, (N, D, q) in enumerate([(5, 4, 2), (20, 10, 3), (3, 6, 1)]):
        X, mean, W, psi = _model_data(N, D, q, seed=10 + i)
        cases.append(
            (
                f"N={N}, D={D}, q={q}",
                {"X": X, "mean": mean, "W": W, "sigma2": float(psi[0])},
            )
        )
    return run_cases(
        fn,
        lambda X, mean, W, sigma2: factor.posterior(X, mean, W, sigma2),
        cases,
        title="check_posterior",
        hint="everything goes through the q x q matrix M of "
        "eq. (fa-posterior); centre x first, and remember the sigma2 in "
        "the covariance",
        verbose=verbose,
    )


def check_log_likelihood(fn, verbose=True):
    """Check ``fn(X, mean, W, psi) -> (N,)`` log-densities with diagonal
    noise (eq. fa-marginal).
    """
    cases = []
    for i, (N, D, q) in enumerate([(6, 4, 2), (30, 50, 3), (4, 7, 1)]):
        X, mean, W, psi = _model_data(N, D, q, seed=20 + i, isotropic=False)
        cases.append(
            (
                f"N={N}, D={D}, q={q}",
                {"X": X, "mean": mean, "W": W, "psi": psi},
            )
        )
    X, mean, W, psi = _model_data(5, 3, 1, seed=30, isotropic=False)
    cases.append(
        (
            "offset of 1e7 (an expanded, uncentred quadratic form cancels)",
            {"X": X + 1e7, "mean": mean + 1e7, "W": W, "psi": psi},
        )
    )
    X, mean, W, psi = _model_data(4, 300, 2, seed=31, isotropic=False)
    psi = psi * 1e-2  # det(C) ~ 1e-700: underflows to 0 in float64
    X = mean + (X - mean) * 0.1
    cases.append(
        (
            "D=300, noise variances ~5e-3 (det(C) underflows to 0)",
            {"X": X, "mean": mean, "W": W, "psi": psi},
        )
    )
    cases.append(
        (
            "D=300, noise variances ~50 (det(C) overflows)",
            {"X": X, "mean": mean, "W": W, "psi": psi * 1e4},
        )
    )
    return run_cases(
        fn,
        factor.log_likelihood,
        cases,
        title="check_log_likelihood",
        hint="log N(x | mu, W W^T + Psi): use the Woodbury identity "
        "for the quadratic form and the "
        "matrix determinant lemma for log det, both through P = I + W^T "
        "Psi^{-1} W",
        rtol=1e-8,
        atol=1e-8,
        verbose=verbose,
    )


def _impute_reference(X, mean, W, sigma2):
    observed = ~np.isnan(X)
    return factor.impute_missing(
        np.where(observed, X, 0.0),
        observed,
        mean,
        W,
        np.full(X.shape[1], sigma2),
    )


def check_impute(fn, verbose=True):
    """Check ``fn(X, mean, W, sigma2) -> X_filled``: NaN entries replaced by
    E[x_M | x_O] (eq. miss-impute).
    """
    cases = []
    for i, (N, D, q, frac) in enumerate(
        [(8, 5, 2, 0.3), (40, 12, 3, 0.5), (6, 4, 1, 0.2)]
    ):
        X, mean, W, psi = _model_data(N, D, q, seed=40 + i)
        rng = np.random.default_rng(50 + i)
        hidden = rng.uniform(size=X.shape) < frac
        hidden[0] = False  # one complete row
        hidden[1, :-1] = True  # one row with a single observed entry
        X = np.where(hidden, np.nan, X)
        cases.append(
            (
                f"N={N}, D={D}, q={q}, {hidden.mean():.0%} missing",
                {"X": X, "mean": mean, "W": W, "sigma2": float(psi[0])},
            )
        )
    return run_cases(
        fn,
        _impute_reference,
        cases,
        title="check_impute",
        no_mutation=True,
        hint="for each row use only its observed block of W and mu, "
        "through the latent posterior; keep the observed entries as "
        "they are",
        verbose=verbose,
    )

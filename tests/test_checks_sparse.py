"""The sparse-coding exercise checks accept correct answers and reject broken ones."""

import numpy as np

from lvmteach import sparse
from lvmteach.checks.sparse import (
    check_fista,
    check_group_soft_threshold,
    check_nonnegative_ista,
    check_omp,
    check_update_dictionary,
)

# ------------------------------------------------------------------ independent correct answers


def group_shrink(V, threshold):  # the row's length, clipped at 0, times its direction
    norms = np.linalg.norm(V, axis=1, keepdims=True)
    safe = np.where(norms > 0, norms, 1.0)
    return np.maximum(norms - threshold, 0.0) * V / safe


def soft_where(V, threshold):
    V = np.asarray(V, dtype=float)
    return np.where(V > threshold, V - threshold, np.where(V < -threshold, V + threshold, 0.0))


def ista_rows(X, dictionary, alpha, n_iter):
    """One row at a time, step from numpy.linalg.norm(., 2)."""
    L = np.linalg.norm(dictionary, 2) ** 2
    out = []
    for x in X:
        c = np.zeros(len(dictionary))
        for _ in range(n_iter):
            c = soft_where(c - (c @ dictionary - x) @ dictionary.T / L, alpha / L)
        out.append(c)
    return np.array(out)


def nonneg_ista_rows(X, dictionary, alpha, n_iter):
    """One row at a time; the one-sided threshold as soft-threshold then clip."""
    L = np.linalg.norm(dictionary, 2) ** 2
    out = []
    for x in X:
        c = np.zeros(len(dictionary))
        for _ in range(n_iter):
            c = np.clip(soft_where(c - (c @ dictionary - x) @ dictionary.T / L, alpha / L), 0, None)
        out.append(c)
    return np.array(out)


def fista_rows(X, dictionary, alpha, n_iter):
    L = np.linalg.norm(dictionary, 2) ** 2
    out = []
    for x in X:
        c = y = np.zeros(len(dictionary))
        t = 1.0
        for _ in range(n_iter):
            c_new = soft_where(y - (y @ dictionary - x) @ dictionary.T / L, alpha / L)
            t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
            y = c_new + (t - 1) / t_new * (c_new - c)
            c, t = c_new, t_new
        out.append(c)
    return np.array(out)


def dictionary_recompute(X, codes, dictionary):
    """Recompute the full residual for every atom (slower, same result)."""
    D = dictionary.copy()
    for k in range(len(D)):
        R = X - codes @ D + np.outer(codes[:, k], D[k])  # residual without atom k
        d = codes[:, k] @ R
        D[k] = d / np.linalg.norm(d)
    return D


def test_checks_accept_the_package_functions():
    assert check_update_dictionary(sparse.update_dictionary, verbose=False)


def test_checks_accept_independent_correct_answers():
    assert check_group_soft_threshold(group_shrink, verbose=False)
    assert check_nonnegative_ista(nonneg_ista_rows, verbose=False)
    assert check_fista(fista_rows, verbose=False)
    assert check_update_dictionary(dictionary_recompute, verbose=False)


# ------------------------------------------------------------------ reject


def test_reject_entrywise_and_hard_group_thresholds():
    assert not check_group_soft_threshold(soft_where, verbose=False)

    def hard(V, threshold):
        norms = np.linalg.norm(V, axis=1, keepdims=True)
        return np.where(norms > threshold, V, 0.0)

    assert not check_group_soft_threshold(hard, verbose=False)


def test_reject_ista_with_the_unscaled_threshold():
    def wrong(X, dictionary, alpha, n_iter):
        L = np.linalg.norm(dictionary, 2) ** 2
        C = np.zeros((len(X), len(dictionary)))
        for _ in range(n_iter):
            C = np.maximum(C - (C @ dictionary - X) @ dictionary.T / L - alpha, 0)
        return C

    assert not check_nonnegative_ista(wrong, verbose=False)
    assert not check_nonnegative_ista(ista_rows, verbose=False)  # the lasso's two-sided step


def test_reject_fista_that_steps_from_c_instead_of_y():
    assert not check_fista(ista_rows, verbose=False)


def test_reject_dictionary_update_without_normalisation():
    def wrong(X, codes, dictionary):
        D = dictionary.copy()
        for k in range(len(D)):
            R = X - codes @ D
            D[k] = D[k] + codes[:, k] @ R / (codes[:, k] @ codes[:, k])
        return D

    assert not check_update_dictionary(wrong, verbose=False)


def test_reject_dictionary_update_with_a_stale_residual():
    def stale(X, codes, dictionary):
        R = X - codes @ dictionary  # computed once, never updated
        D = dictionary + (codes.T @ R) / np.sum(codes**2, axis=0)[:, None]
        return D / np.linalg.norm(D, axis=1, keepdims=True)

    assert not check_update_dictionary(stale, verbose=False)


# ------------------------------------------------------------------ orthogonal matching pursuit


def omp_normal_equations(X, dictionary, n_nonzero_coefs):
    """OMP with the refit solved by the normal equations (an independent correct answer)."""
    codes = np.zeros((len(X), len(dictionary)))
    for n, x in enumerate(X):
        support, r = [], x.copy()
        for _ in range(n_nonzero_coefs):
            support.append(int(np.argmax(np.abs(dictionary @ r))))
            A = dictionary[support]
            coef = np.linalg.solve(A @ A.T, A @ x)
            r = x - coef @ A
        codes[n, support] = coef
    return codes


def matching_pursuit(X, dictionary, n_nonzero_coefs):
    """Plain matching pursuit: no refit on the support (wrong for OMP)."""
    codes = np.zeros((len(X), len(dictionary)))
    for n, x in enumerate(X):
        r = x.copy()
        for _ in range(n_nonzero_coefs):
            k = int(np.argmax(np.abs(dictionary @ r)))
            step = dictionary[k] @ r
            codes[n, k] += step
            r = r - step * dictionary[k]
    return codes


def test_check_omp_accepts_correct_and_rejects_matching_pursuit():
    assert check_omp(sparse.orthogonal_matching_pursuit, verbose=False)
    assert check_omp(omp_normal_equations, verbose=False)
    assert not check_omp(matching_pursuit, verbose=False)

"""The NMF exercise checks accept correct answers and reject broken ones."""

import numpy as np
from scipy.special import kl_div, xlogy

from lvmteach import nmf
from lvmteach.checks.nmf import (
    check_kl_divergence_masked,
    check_mu_frobenius,
    check_mu_kl,
    check_nmf_to_plsa,
)

# ------------------------------------------------------------------ independent correct answers


def frob_iteration(X, W, H):
    W = W * (X @ H.T) / (W @ H @ H.T)
    return W, H * (W.T @ X) / (W.T @ W @ H)


def kl_iteration(X, W, H):
    W = W * ((X / (W @ H)) @ H.T) / H.sum(axis=1)
    return W, H * (W.T @ (X / (W @ H))) / W.sum(axis=0)[:, None]


def kl_scipy(X, W, H, observed):
    return kl_div(X[observed], (W @ H)[observed]).sum()


def plsa_loops(W, H):
    N, K = W.shape
    p_d = np.empty_like(W)
    p_w = np.empty_like(H)
    p_z = np.empty(K)
    for k in range(K):
        p_d[:, k] = W[:, k] / W[:, k].sum()
        p_w[k] = H[k] / H[k].sum()
        p_z[k] = W[:, k].sum() * H[k].sum()
    return p_z / p_z.sum(), p_d, p_w


def test_checks_accept_the_package_functions():
    def frob(X, W, H):
        W = nmf.multiplicative_update_W(X, W, H)
        return W, nmf.multiplicative_update_H(X, W, H)

    assert check_mu_frobenius(frob, verbose=False)
    assert check_nmf_to_plsa(nmf.nmf_to_plsa, verbose=False)


def test_checks_accept_independent_correct_answers():
    assert check_mu_frobenius(frob_iteration, verbose=False)
    assert check_mu_kl(kl_iteration, verbose=False)
    assert check_kl_divergence_masked(kl_scipy, verbose=False)
    assert check_nmf_to_plsa(plsa_loops, verbose=False)


# ------------------------------------------------------------------ reject


def test_reject_h_update_with_the_old_w():
    def stale(X, W, H):
        W_new = W * (X @ H.T) / (W @ H @ H.T)
        return W_new, H * (W.T @ X) / (W.T @ W @ H)

    result = check_mu_frobenius(stale, verbose=False)
    assert not result and "case 1" in result.message


def test_reject_kl_update_with_frobenius_denominator():
    def wrong(X, W, H):
        W = W * ((X / (W @ H)) @ H.T) / (W @ H @ H.T)
        return W, H * (W.T @ (X / (W @ H))) / W.sum(axis=0)[:, None]

    assert not check_mu_kl(wrong, verbose=False)


def test_reject_kl_without_the_mass_terms():
    def no_mass(X, W, H, observed):
        x, y = X[observed], (W @ H)[observed]
        return np.sum(xlogy(x, x) - xlogy(x, y))

    assert not check_kl_divergence_masked(no_mass, verbose=False)


def test_reject_kl_that_multiplies_by_the_mask():
    def times_mask(X, W, H, observed):  # 0 × NaN is NaN
        WH = W @ H
        with np.errstate(invalid="ignore"):
            return np.sum(observed * (xlogy(X, X) - xlogy(X, WH) - X + WH))

    result = check_kl_divergence_masked(times_mask, verbose=False)
    assert not result and "NaN" in result.message


def test_reject_plsa_without_normalised_p_z():
    def wrong(W, H):
        p_z, p_d, p_w = plsa_loops(W, H)
        return W.sum(axis=0) * H.sum(axis=1), p_d, p_w

    assert not check_nmf_to_plsa(wrong, verbose=False)


def test_reject_not_implemented():
    def stub(X, W, H):
        raise NotImplementedError

    result = check_mu_kl(stub, verbose=False)
    assert not result and "not implemented" in result.message

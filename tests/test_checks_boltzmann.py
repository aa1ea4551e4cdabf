"""The Boltzmann-machine exercise checks accept correct solutions and reject common bugs."""

import itertools

import numpy as np
from scipy.special import expit, logsumexp

from lvmteach.checks import boltzmann as checks


def good_free_energy(V, W, b, c):
    return -V @ b - np.logaddexp(0, V @ W.T + c).sum(axis=1)


def good_log_partition(W, b, c):  # enumerate the visible layer instead: equally right
    Vs = np.array(list(itertools.product([0.0, 1.0], repeat=W.shape[1])))
    return logsumexp(-good_free_energy(Vs, W, b, c))


def naive_log_partition(W, b, c):
    Vs = np.array(list(itertools.product([0.0, 1.0], repeat=W.shape[1])))
    with np.errstate(over="ignore"):
        return np.log(np.exp(-good_free_energy(Vs, W, b, c)).sum())


def missing_visible_layer_log_partition(W, b, c):  # sums exp(−E) over h only, at v = 0
    Hs = np.array(list(itertools.product([0.0, 1.0], repeat=W.shape[0])))
    return logsumexp(Hs @ c)


def good_exact_gradient(V, W, b, c):
    K, D = W.shape
    Vs = np.array(list(itertools.product([0.0, 1.0], repeat=D)))
    Hs = np.array(list(itertools.product([0.0, 1.0], repeat=K)))
    neg_E = (Vs @ b)[:, None] + (Hs @ c)[None, :] + Vs @ W.T @ Hs.T  # (2^D, 2^K)
    P = np.exp(neg_E - logsumexp(neg_E))
    model_W = np.einsum("vh,hk,vd->kd", P, Hs, Vs)
    PH = expit(V @ W.T + c)
    return PH.T @ V / len(V) - model_W, V.mean(0) - P.sum(1) @ Vs, PH.mean(0) - P.sum(0) @ Hs


def data_term_only_gradient(V, W, b, c):
    PH = expit(V @ W.T + c)
    return PH.T @ V / len(V), V.mean(0), PH.mean(0)


def transposed_gradient(V, W, b, c):
    gW, gb, gc = good_exact_gradient(V, W, b, c)
    return gW.T, gb, gc


def good_pll(V, W, b, c):
    F = good_free_energy(V, W, b, c)
    total = np.zeros(len(V))
    for d in range(V.shape[1]):
        V_ = V.copy()
        V_[:, d] = 1 - V_[:, d]
        total -= np.logaddexp(0, F - good_free_energy(V_, W, b, c))
    return total


def flipped_sign_pll(V, W, b, c):
    F = good_free_energy(V, W, b, c)
    total = np.zeros(len(V))
    for d in range(V.shape[1]):
        V_ = V.copy()
        V_[:, d] = 1 - V_[:, d]
        total -= np.logaddexp(0, good_free_energy(V_, W, b, c) - F)
    return total


def one_bit_pll(V, W, b, c):  # only the first bit, scaled by D: a biased "estimate"
    F = good_free_energy(V, W, b, c)
    V_ = V.copy()
    V_[:, 0] = 1 - V_[:, 0]
    return -V.shape[1] * np.logaddexp(0, F - good_free_energy(V_, W, b, c))


def good_gb_free_energy(V, W, b, c, sigma):
    X = V / sigma
    return np.sum((V - b) ** 2 / (2 * sigma**2), axis=1) - np.logaddexp(0, X @ W.T + c).sum(1)


def naive_gb_free_energy(V, W, b, c, sigma):  # log(1 + exp(a)) overflows
    X = V / sigma
    with np.errstate(over="ignore"):
        softplus = np.log(1 + np.exp(X @ W.T + c))
    return np.sum((V - b) ** 2 / (2 * sigma**2), axis=1) - softplus.sum(1)


def unscaled_gb_free_energy(V, W, b, c, sigma):  # the hidden units see v, not v / σ
    quadratic = np.sum((V - b) ** 2 / (2 * sigma**2), axis=1)
    return quadratic - np.logaddexp(0, V @ W.T + c).sum(1)


def test_gb_free_energy_check():
    assert checks.check_gb_free_energy(good_gb_free_energy)
    result = checks.check_gb_free_energy(naive_gb_free_energy)
    assert not result and "large weights" in result.message
    assert not checks.check_gb_free_energy(unscaled_gb_free_energy)


def test_log_partition_check():
    assert checks.check_log_partition(good_log_partition)
    result = checks.check_log_partition(naive_log_partition)
    assert not result and "large weights" in result.message
    assert not checks.check_log_partition(missing_visible_layer_log_partition)


def test_exact_gradient_check():
    assert checks.check_exact_gradient(good_exact_gradient)
    result = checks.check_exact_gradient(data_term_only_gradient)
    assert not result and "[0]" in result.message
    result = checks.check_exact_gradient(transposed_gradient)
    assert not result and "shape" in result.message


def test_pseudo_log_likelihood_check():
    assert checks.check_pseudo_log_likelihood(good_pll)
    assert not checks.check_pseudo_log_likelihood(flipped_sign_pll)
    assert not checks.check_pseudo_log_likelihood(one_bit_pll)


def test_stub_is_reported_as_not_implemented():
    def stub(V, W, b, c, sigma):
        raise NotImplementedError

    result = checks.check_gb_free_energy(stub, verbose=False)
    assert not result and "not implemented" in result.message

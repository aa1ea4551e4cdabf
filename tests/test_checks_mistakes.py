"""Issue 17: for the coding exercises of the foundations (log-sum-exp), EM, mixtures,
topics, VAE and factor chapters and for every exercise rewritten as a variant the page
does not show (sequences, sparse coding, NMF, ICA, Boltzmann machines), every typical
mistake listed here is rejected with a message
naming the problem, and
correct implementations written differently (other argument names, float32 where the output
needs no more, other formulas) pass. References we did not write: SciPy's distributions and
special functions, brute-force loops.
"""

import numpy as np
import pytest
from scipy.special import digamma, expit, gamma, gammaln, log_expit, logsumexp, xlogy
from scipy.stats import multivariate_normal

from lvmteach.checks import factor as fa
from lvmteach.checks import boltzmann as bz
from lvmteach.checks import flows as fl
from lvmteach.checks import hmm, lds
from lvmteach.checks import ica as ic
from lvmteach.checks import nmf as nm
from lvmteach.checks import numerics as num
from lvmteach.checks import sparse as sp
from lvmteach.checks import mixture as mix
from lvmteach.checks import topics as top
from lvmteach.checks import vae as vae


# ---- EM / mixtures -----------------------------------------------------------------------


def e_step_other_names(data, pi, mu, Sigma):  # any argument names
    log_joint = np.column_stack(
        [
            np.log(p) + multivariate_normal(m, S).logpdf(data).reshape(-1)
            for p, m, S in zip(pi, mu, Sigma)
        ]
    )
    lse = logsumexp(log_joint, axis=1)
    return lse.mean(), np.exp(log_joint - lse[:, None])


def e_step_log_resp(X, w, m, C):
    ll, r = e_step_other_names(X, w, m, C)
    return ll, np.log(r)


def e_step_naive(X, w, m, C):  # densities outside the log domain
    dens = np.column_stack(
        [p * multivariate_normal(mu, S).pdf(X).reshape(-1) for p, mu, S in zip(w, m, C)]
    )
    with np.errstate(all="ignore"):
        return np.log(dens.sum(1)).mean(), dens / dens.sum(1, keepdims=True)


def e_step_sum_not_mean(X, w, m, C):
    ll, r = e_step_other_names(X, w, m, C)
    return ll * len(X), r


def e_step_none(X, w, m, C):
    e_step_other_names(X, w, m, C)  # forgot the return


def e_step_crashes(X, w, m, C):
    return X[0, 0, 0], None


def m_step_other_names(data, r, w):
    r = r * w[:, None]
    nk = r.sum(0)
    mu = (r.T @ data) / nk[:, None]
    covs = (
        np.einsum("nk,nkd,nke->kde", r, data[:, None] - mu, data[:, None] - mu) / nk[:, None, None]
    )
    return nk / w.sum(), mu, covs


def m_step_np_cov(X, r, w):  # covariances from np.cov with aweights r_nk w_n
    K = r.shape[1]
    covs = np.stack([np.cov(X.T, aweights=r[:, k] * w, bias=True).reshape(X.shape[1], -1)
                     for k in range(K)])
    weights, means, _ = m_step_other_names(X, r, w)
    return weights, means, covs


def m_step_global_mean(X, r, w):
    pi, mu, _ = m_step_other_names(X, r, w)
    c = X - X.mean(0)
    rw = r * w[:, None]
    return pi, mu, np.einsum("nk,nd,ne->kde", rw, c, c) / rw.sum(0)[:, None, None]


def m_step_weights_over_n(X, r, w):  # π_k normalised by N, not by Σ w_n
    pi, mu, covs = m_step_other_names(X, r, w)
    return pi * w.sum() / len(X), mu, covs


def m_step_ignores_weights(X, r, w):
    return m_step_other_names(X, r, np.ones_like(w))


def m_step_unweighted_covariance(X, r, w):  # w_n in the means only
    pi, mu, _ = m_step_other_names(X, r, w)
    covs = (
        np.einsum("nk,nkd,nke->kde", r, X[:, None] - mu, X[:, None] - mu) / r.sum(0)[:, None, None]
    )
    return pi, mu, covs


def assign_broadcast(points, C):
    return np.argmin(((points[:, None, :] - C[None]) ** 2).sum(-1), axis=1)


def assign_expanded(points, C):  # ||x||² − 2 x·μ + ||μ||², matrix products
    return np.argmin(-2 * points @ C.T + (C**2).sum(1), axis=1)


def assign_loop_over_k(X, C):
    return np.argmin(np.stack([((X - c) ** 2).sum(1) for c in C], axis=1), axis=1)


def assign_row_loop(X, C):  # forbidden by the text
    return np.array([np.argmin(((x - C) ** 2).sum(1)) for x in X])


def assign_row_index_loop(X, C):
    return np.array([np.argmin(((X[n] - C) ** 2).sum(1)) for n in range(len(X))])


def assign_argmax(X, C):
    return np.argmax(((X[:, None] - C[None]) ** 2).sum(-1), axis=1)


def assign_last_tie(X, C):  # ties to the highest index
    d = ((X[:, None] - C[None]) ** 2).sum(-1)
    return C.shape[0] - 1 - np.argmin(d[:, ::-1], axis=1)


def bern_matmul(data, mu):  # a 0/1 mask in both matrix products
    obs = ~np.isnan(data)
    ones = np.nan_to_num(data)
    return ones @ np.log(mu).T + (obs - ones) @ np.log1p(-mu).T


def bern_brute_force(X, mu):  # loops, SciPy's Bernoulli, observed pixels only
    from scipy.stats import bernoulli

    return np.array(
        [[bernoulli(m[~np.isnan(x)]).logpmf(x[~np.isnan(x)]).sum() for m in mu] for x in X]
    )


def bern_einsum_where(X, mu):  # a per-pixel log term, zero where missing
    terms = np.where(
        np.isnan(X)[:, None],
        0.0,
        np.nan_to_num(X)[:, None] * np.log(mu)[None]
        + (1 - np.nan_to_num(X))[:, None] * np.log1p(-mu)[None],
    )
    return np.einsum("nkd->nk", terms)


def bern_missing_as_zero(X, mu):
    x = np.nan_to_num(X)
    return x @ np.log(mu).T + (1 - x) @ np.log1p(-mu).T


def bern_nan_propagates(X, mu):
    return X @ np.log(mu).T + (1 - X) @ np.log1p(-mu).T


def bern_log_prod(X, mu):
    obs = ~np.isnan(X)
    x = np.nan_to_num(X)
    p = np.where(obs[:, None], mu[None] ** x[:, None] * (1 - mu[None]) ** (1 - x[:, None]), 1)
    with np.errstate(divide="ignore"):
        return np.log(np.prod(p, axis=2))


def bern_clipped(X, mu):
    return bern_matmul(X, np.clip(mu, 1e-10, 1 - 1e-10))


def bern_no_complement(X, mu):
    return np.nan_to_num(X) @ np.log(mu).T


# ---- flows (radial flow log-determinant) ---------------------------------------------------


def radial_other_names(points, centre, a, b):  # eigenvalues of the Jacobian, multiplied
    r = np.linalg.norm(points - centre, axis=1)
    tangential = 1 + b / (a + r)  # D − 1 times
    radial = 1 + b * a / (a + r) ** 2  # along z − z0
    return (points.shape[1] - 1) * np.log(tangential) + np.log(radial)


def radial_power_d(Z, z0, a, b):  # (1 + βh)^D: misses the radial direction
    r = np.linalg.norm(Z - z0, axis=1)
    return Z.shape[1] * np.log(1 + b / (a + r))


def radial_wrong_sign(Z, z0, a, b):  # h' = +h² instead of −h²
    r = np.linalg.norm(Z - z0, axis=1)
    h = 1 / (a + r)
    return (Z.shape[1] - 1) * np.log(1 + b * h) + np.log(1 + b * h + b * h**2 * r)


# ---- Boltzmann (Gaussian-Bernoulli free energy) -------------------------------------------


def gbf_other_names(data, weights, vis, hid, std):  # softplus as log(1+e^-|a|) + max(a, 0)
    A = (data / std) @ weights.T + hid
    softplus = np.log1p(np.exp(-np.abs(A))) + np.maximum(A, 0)
    return 0.5 * np.sum(((data - vis) / std) ** 2, axis=1) - softplus.sum(1)


def gbf_naive(V, W, b, c, s):  # log(1 + e^a) overflows
    with np.errstate(over="ignore"):
        sp_ = np.log(1 + np.exp((V / s) @ W.T + c))
    return np.sum((V - b) ** 2 / (2 * s**2), axis=1) - sp_.sum(1)


def gbf_unscaled(V, W, b, c, s):  # the hidden units see v, not v / σ
    return np.sum((V - b) ** 2 / (2 * s**2), axis=1) - np.logaddexp(0, V @ W.T + c).sum(1)


def gbf_binary_visible_term(V, W, b, c, s):  # −bᵀv of the binary RBM kept
    return -V @ b - np.logaddexp(0, (V / s) @ W.T + c).sum(1)


# ---- ICA (natural gradient for a quartic prior) --------------------------------------------


def natq_other_names(data, unmix):  # einsum, the identity written out
    Y = unmix @ data
    K, N = Y.shape
    return (np.eye(K) - np.einsum("kn,jn->kj", Y**3, Y) / N) @ unmix


def natq_from_ordinary(Z, W):  # ordinary gradient times WᵀW
    ordinary = np.linalg.inv(W).T - ((W @ Z) ** 3) @ Z.T / Z.shape[1]
    return ordinary @ W.T @ W


def natq_sech_score(Z, W):  # the chapter's tanh, not the new prior's score
    Y = W @ Z
    return W - np.tanh(Y) @ Y.T / Z.shape[1] @ W


def natq_derivative_of_score(Z, W):  # 3y², the derivative of y³, in place of y³
    Y = W @ Z
    return W - (3 * Y**2) @ Y.T / Z.shape[1] @ W


def natq_no_mean(Z, W):  # a sum over samples, not the mean
    Y = W @ Z
    return W - (Y**3) @ Y.T @ W


# ---- NMF (generalised KL over observed entries) -------------------------------------------


def mkl_other_names(A, B, C, seen):  # boolean indexing, then xlogy
    x, y = A[seen], (B @ C)[seen]
    return float(np.sum(xlogy(x, x) - xlogy(x, y) - x + y))


def mkl_where(X, W, H, observed):  # fill the holes so that each term is 0
    x = np.where(observed, X, 1.0)
    y = np.where(observed, W @ H, 1.0)
    return np.sum(xlogy(x, x / y) - x + y)


def mkl_all_mass(X, W, H, observed):  # the + y summed over every entry
    x, WH = X[observed], W @ H
    return np.sum(xlogy(x, x) - xlogy(x, WH[observed]) - x) + WH.sum()


def mkl_times_mask(X, W, H, observed):  # 0 × NaN is NaN
    WH = W @ H
    with np.errstate(invalid="ignore"):
        return np.sum(observed * (xlogy(X, X) - xlogy(X, WH) - X + WH))


def mkl_zero_log_zero(X, W, H, observed):  # x log x without the 0 log 0 = 0 convention
    x, y = X[observed], (W @ H)[observed]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sum(x * np.log(x / y) - x + y)


# ---- sparse coding (group soft-thresholding) ----------------------------------------------


def group_other_names(A, t):  # length clipped at 0, times the direction
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    return np.maximum(norms - t, 0.0) * A / np.where(norms > 0, norms, 1.0)


def group_loop_over_rows(A, t):  # a loop is fine here (no vectorisation asked)
    out = np.zeros_like(A)
    for n, row in enumerate(A):
        r = np.sqrt(row @ row)
        if r > t:
            out[n] = (1 - t / r) * row
    return out


def group_entrywise(A, t):  # the entrywise operator of the chapter
    return np.sign(A) * np.maximum(np.abs(A) - t, 0.0)


def group_zero_over_zero(A, t):  # 0/0 at a zero row
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.maximum(1 - t / norms, 0.0) * A


def group_no_clip(A, t):  # a row below the threshold flips its direction
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    return (norms - t) * A / np.where(norms > 0, norms, 1.0)


# ---- sparse coding (non-negative ISTA) ---------------------------------------------------


def nnista_clip_of_soft(data, D, a, n):  # soft-threshold, then clip at 0: the same operator
    L = np.linalg.norm(D, 2) ** 2
    C = np.zeros((len(data), len(D)))
    for _ in range(n):
        V = C - (C @ D - data) @ D.T / L
        C = np.clip(np.sign(V) * np.maximum(np.abs(V) - a / L, 0), 0, None)
    return C


def nnista_two_sided(X, D, a, n):  # the lasso's ISTA, negative codes allowed
    L = np.linalg.norm(D, 2) ** 2
    C = np.zeros((len(X), len(D)))
    for _ in range(n):
        V = C - (C @ D - X) @ D.T / L
        C = np.sign(V) * np.maximum(np.abs(V) - a / L, 0)
    return C


def nnista_unscaled_threshold(X, D, a, n):  # threshold α instead of α/L
    L = np.linalg.norm(D, 2) ** 2
    C = np.zeros((len(X), len(D)))
    for _ in range(n):
        C = np.maximum(C - (C @ D - X) @ D.T / L - a, 0)
    return C


# ---- sparse coding (FISTA with adaptive restart) --------------------


def _fista(X, D, a, n, test):
    """FISTA row by row; ``test(y, c_new, c)`` decides a restart."""
    L = np.linalg.norm(D, 2) ** 2
    C = np.zeros((len(X), len(D)))
    for row, x in enumerate(X):
        c = y = np.zeros(len(D))
        t = 1.0
        for _ in range(n):
            v = y - (y @ D - x) @ D.T / L
            c_new = np.sign(v) * np.maximum(np.abs(v) - a / L, 0)
            if test(y, c_new, c):
                t = 1.0
            t_new = (1 + np.sqrt(1 + 4 * t * t)) / 2
            y = c_new + (t - 1) / t_new * (c_new - c)
            c, t = c_new, t_new
        C[row] = c
    return C


def restart_rows(data, atoms, alpha, n):  # a loop over rows
    def uphill(y, c1, c):
        return (y - c1) @ (c1 - c) > 0

    return _fista(data, atoms, alpha, n, uphill)


def restart_vectorised(X, D, a, n):  # all rows at once, masks
    L = np.linalg.eigvalsh(D @ D.T)[-1]
    C = Y = np.zeros((len(X), len(D)))
    t = np.ones(len(X))
    for _ in range(n):
        V = Y - (Y @ D - X) @ D.T / L
        C1 = np.sign(V) * np.maximum(np.abs(V) - a / L, 0)
        t[np.einsum("nk,nk->n", Y - C1, C1 - C) > 0] = 1.0
        t1 = (1 + np.sqrt(1 + 4 * t * t)) / 2
        Y = C1 + ((t - 1) / t1)[:, None] * (C1 - C)
        C, t = C1, t1
    return C


def restart_never(X, D, a, n):  # plain FISTA
    return _fista(X, D, a, n, lambda y, c1, c: False)


def restart_reversed(X, D, a, n):  # restarts when the momentum helps
    return _fista(X, D, a, n, lambda y, c1, c: (y - c1) @ (c1 - c) < 0)


def restart_shared(X, D, a, n):  # one test and one counter for all rows
    L = np.linalg.norm(D, 2) ** 2
    C = Y = np.zeros((len(X), len(D)))
    t = 1.0
    for _ in range(n):
        V = Y - (Y @ D - X) @ D.T / L
        C1 = np.sign(V) * np.maximum(np.abs(V) - a / L, 0)
        if np.sum((Y - C1) * (C1 - C)) > 0:
            t = 1.0
        t1 = (1 + np.sqrt(1 + 4 * t * t)) / 2
        Y = C1 + (t - 1) / t1 * (C1 - C)
        C, t = C1, t1
    return C


# ---- sequences (log-domain forward) ---------------------------------------------------------


def logfwd_other_names(pi, A, logp):  # log-sum-exp over the previous state
    T, K = logp.shape
    with np.errstate(divide="ignore"):
        out = [np.log(pi) + logp[0]]
        for t in range(1, T):
            out.append(logsumexp(out[-1][:, None] + np.log(A), axis=0) + logp[t])
    out = np.array(out)
    return out, logsumexp(out[-1])


def logfwd_scaled(pi, A, logp):  # the scaled recursion, converted back to logs
    shift = logp.max(1)
    frame = np.exp(logp - shift[:, None])
    alpha, log_c = [], []
    a = pi * frame[0]
    for t in range(len(frame)):
        if t > 0:
            a = (alpha[-1] @ A) * frame[t]
        log_c.append(np.log(a.sum()))
        alpha.append(a / a.sum())
    with np.errstate(divide="ignore"):
        log_alpha = np.log(np.array(alpha)) + np.cumsum(np.array(log_c) + shift)[:, None]
    return log_alpha, float(np.sum(log_c) + shift.sum())


def logfwd_normalised(pi, A, logp):  # log p(z_t | x_1..x_t) instead of log p(x_1..x_t, z_t)
    la, ll = logfwd_other_names(pi, A, logp)
    return la - logsumexp(la, axis=1, keepdims=True), ll


def logfwd_clipped(pi, A, logp):  # log(A + tiny): −690 where the answer is −∞
    return logfwd_other_names(pi + 1e-300, A + 1e-300, logp)


def logfwd_exp(pi, A, logp):  # exponentiates the messages: underflows
    alpha = [pi * np.exp(logp[0])]
    for t in range(1, len(logp)):
        alpha.append((alpha[-1] @ A) * np.exp(logp[t]))
    with np.errstate(divide="ignore"):
        return np.log(np.array(alpha)), np.log(alpha[-1].sum())


# ---- sequences (Kalman update with missing components) -----------------------------------


def kalman_other_names(m, P, obs, H, noise):  # Joseph form, solves, SciPy's density
    o = ~np.isnan(obs)
    if not o.any():
        return m, P, 0.0
    H, noise, y = H[o], noise[np.ix_(o, o)], obs[o]
    S = H @ P @ H.T + noise
    G = np.linalg.solve(S, H @ P).T
    A = np.eye(len(m)) - G @ H
    logp = multivariate_normal(H @ m, S).logpdf(y)
    return m + G @ (y - H @ m), A @ P @ A.T + G @ noise @ G.T, logp


def kalman_nan_as_zero(m, P, obs, H, noise):  # a missing reading taken as a reading of 0
    return kalman_other_names(m, P, np.nan_to_num(obs), H, noise)


def kalman_skip_any(m, P, obs, H, noise):  # drops the whole vector if one entry is missing
    if np.isnan(obs).any():
        return m, P, 0.0
    return kalman_other_names(m, P, obs, H, noise)


def kalman_full_dimension(m, P, obs, H, noise):  # 2π counted over all D dimensions
    mu, V, logp = kalman_other_names(m, P, obs, H, noise)
    n_missing = int(np.isnan(obs).sum())
    return mu, V, logp - 0.5 * n_missing * np.log(2 * np.pi)


# ---- topics --------------------------------------------------------------------------------


def direxp_other_names(alpha):
    return digamma(alpha) - digamma(alpha.sum(axis=-1))[:, None]


def wcenters_bincount(data, z, weight, previous):  # sums with np.bincount, per feature
    K = len(previous)
    total = np.bincount(z, weights=weight, minlength=K)
    cols = [data[:, d] for d in range(data.shape[1])]
    sums = np.column_stack([np.bincount(z, weights=weight * c, minlength=K) for c in cols])
    return np.where(total[:, None] > 0, sums / np.where(total > 0, total, 1)[:, None], previous)


def wcenters_average(X, labels, w, old):  # a loop over clusters is fine
    centers = old.copy()
    for k in range(len(old)):
        if w[labels == k].sum() > 0:
            centers[k] = np.average(X[labels == k], axis=0, weights=w[labels == k])
    return centers


def wcenters_unweighted(X, labels, w, old):
    return wcenters_average(X, labels, np.where(w > 0, 1.0, 0.0), old)


def wcenters_by_count(X, labels, w, old):  # weighted sums over the number of points
    K = len(old)
    counts = np.bincount(labels, minlength=K)
    cols = [X[:, d] for d in range(X.shape[1])]
    sums = np.column_stack([np.bincount(labels, weights=w * c, minlength=K) for c in cols])
    return np.where(counts[:, None] > 0, sums / np.maximum(counts, 1)[:, None], old)


def wcenters_nan_when_empty(X, labels, w, old):
    one_hot = (labels[:, None] == np.arange(len(old))).astype(float)
    with np.errstate(invalid="ignore"):
        return (one_hot.T @ (w[:, None] * X)) / (one_hot.T @ w)[:, None]


def wcenters_row_loop(X, labels, w, old):
    sums, totals = np.zeros_like(old), np.zeros(len(old))
    for x, k, wn in zip(X, labels, w):
        sums[k] += wn * x
        totals[k] += wn
    return np.where(totals[:, None] > 0, sums / np.where(totals > 0, totals, 1)[:, None], old)


def wcenters_in_place(X, labels, w, old):
    old[...] = wcenters_average(X, labels, w, old)
    return old


def direxp_float32(alpha):
    return (digamma(alpha) - digamma(alpha.sum(1, keepdims=True))).astype(np.float32)


def direxp_whole_sum(a):
    return digamma(a) - digamma(a.sum())


def direxp_log_mean(a):  # log E[θ] instead of E[log θ]
    return np.log(a / a.sum(1, keepdims=True))


def plsa_empty_nan(counts, theta, beta):  # 0/0 for an empty document
    q = theta[:, None, :] * beta.T[None]
    q = q / q.sum(2, keepdims=True)
    nq = counts[:, :, None] * q
    t, b = nq.sum(1), nq.sum(0).T
    with np.errstate(invalid="ignore"):
        return t / t.sum(1, keepdims=True), b / b.sum(1, keepdims=True)


def plsa_other_names(counts, theta, beta):
    t, b = plsa_empty_nan(counts, theta, beta)
    return np.where(np.isnan(t), 1 / t.shape[1], t), b


def plsa_loop_over_docs(X, theta, beta):  # written differently: one document at a time
    K = theta.shape[1]
    new_t = np.full_like(theta, 1.0 / K)
    new_b = np.zeros_like(beta)
    for d in range(len(X)):
        q = theta[d][:, None] * beta  # (K, V)
        nq = X[d] * q / q.sum(0)
        new_b += nq
        if X[d].sum() > 0:
            new_t[d] = nq.sum(1) / X[d].sum()
    return new_t, new_b / new_b.sum(1, keepdims=True)


def plsa_empty_keeps_old(X, t, b):  # an empty document keeps its old θ_d
    t2, b2 = plsa_other_names(X, t, b)
    empty = X.sum(1) == 0
    t2[empty] = t[empty]
    return t2, b2


def plsa_unweighted(X, t, b):
    return plsa_other_names((X > 0).astype(float), t, b)


def plsa_new_theta_for_beta(X, t, b):  # uses the new θ in the β update
    t2, _ = plsa_other_names(X, t, b)
    return t2, plsa_other_names(X, t2, b)[1]


def gibbs_other_names(n_doc, n_word, n_topic, a, e, vocab):
    p = (n_doc + a) * (n_word + e) / (n_topic + vocab * e)
    return p / p.sum()


def gibbs_unnormalised(n_doc, n_word, n_topic, a, e, vocab):
    return (n_doc + a) * (n_word + e) / (n_topic + vocab * e)


def gibbs_no_denominator(n_doc, n_word, n_topic, a, e, vocab):
    p = (n_doc + a) * (n_word + e)
    return p / p.sum()


def _log_joint(ndk, nwk, alpha, eta, lg):
    K, V = ndk.shape[1], nwk.shape[0]
    docs = lg(K * alpha) - K * lg(alpha) + lg(ndk + alpha).sum(1) - lg(ndk.sum(1) + K * alpha)
    tops = lg(V * eta) - V * lg(eta) + lg(nwk + eta).sum(0) - lg(nwk.sum(0) + V * eta)
    return docs.sum() + tops.sum()


def log_joint_other_names(n_dk, n_wk, a, e):
    return _log_joint(n_dk, n_wk, a, e, gammaln)


def log_joint_log_gamma(ndk, nwk, alpha, eta):  # the bug the hint warns about
    with np.errstate(all="ignore"):
        return _log_joint(ndk, nwk, alpha, eta, lambda x: np.log(gamma(x)))


def log_joint_docs_only(ndk, nwk, alpha, eta):
    K = ndk.shape[1]
    return (
        gammaln(K * alpha)
        - K * gammaln(alpha)
        + gammaln(ndk + alpha).sum(1)
        - gammaln(ndk.sum(1) + K * alpha)
    ).sum()


# ---- VAE -----------------------------------------------------------------------------------


def tanh_layer_other_names(g, inputs, weights, bias):
    dA = g / np.cosh(inputs @ weights + bias) ** 2  # tanh' = sech²
    return dA @ weights.T, inputs.T @ dA, dA.sum(0)


def tanh_layer_einsum(g, X, W, b):
    dA = g * (1 - np.tanh(np.einsum("ni,ij->nj", X, W) + b) ** 2)
    return np.einsum("nj,ij->ni", dA, W), np.einsum("ni,nj->ij", X, dA), dA.sum(0)


def tanh_layer_no_activation(g, X, W, b):  # the dense layer's gradient only
    return g @ W.T, X.T @ g, g.sum(0)


def tanh_layer_no_square(g, X, W, b):  # 1 − Y instead of 1 − Y²
    dA = g * (1 - np.tanh(X @ W + b))
    return dA @ W.T, X.T @ dA, dA.sum(0)


def tanh_layer_pre_activation(g, X, W, b):  # 1 − A² with A = XW + b, not Y = tanh(A)
    dA = g * (1 - (X @ W + b) ** 2)
    return dA @ W.T, X.T @ dA, dA.sum(0)


def tanh_layer_bias_mean(g, X, W, b):
    gX, gW, gb = tanh_layer_other_names(g, X, W, b)
    return gX, gW, gb / len(X)


def tanh_layer_no_transpose(g, X, W, b):
    gX, gW, gb = tanh_layer_other_names(g, X, W, b)
    return gX, gW.T, gb


def kl_other_names(mq, lq, mp, lp):  # expm1 of the log-ratio, and other names
    d = lq - lp
    return 0.5 * np.sum(np.expm1(d) - d + (mq - mp) ** 2 * np.exp(-lp), axis=1)


def kl_float32(mq, lq, mp, lp):  # float32 is fine at the check's tolerance
    return kl_other_names(mq, lq, mp, lp).astype(np.float32)


def kl_reversed(mq, lq, mp, lp):  # KL(p || q)
    return 0.5 * np.sum(np.exp(lp - lq) + (mq - mp) ** 2 * np.exp(-lq) - 1 - (lp - lq), axis=1)


def kl_std_for_var(mq, lq, mp, lp):
    return 0.5 * np.sum(
        np.exp(0.5 * (lq - lp)) + (mq - mp) ** 2 * np.exp(-lp) - 1 - (lq - lp), axis=1
    )


def kl_ratio_of_exps(mq, lq, mp, lp):  # e^lq / e^lp: inf / inf near log-variance 750
    with np.errstate(over="ignore", invalid="ignore"):
        vq, vp = np.exp(lq), np.exp(lp)
        return 0.5 * np.sum(vq / vp + (mq - mp) ** 2 / vp - 1 - (lq - lp), axis=1)


def kl_standard_prior_only(mq, lq, mp, lp):  # ignores the prior's parameters
    return 0.5 * np.sum(mq**2 + np.exp(lq) - lq - 1, axis=1)


def bll_other_names(data, a):
    return np.sum(data * log_expit(a) + (1 - data) * log_expit(-a), axis=1)


def bll_naive(X, a):
    with np.errstate(all="ignore"):
        p = expit(a)
        return np.sum(X * np.log(p) + (1 - X) * np.log(1 - p), axis=1)


def bll_mean(X, a):
    return bll_other_names(X, a) / X.shape[1]


# ---- factor analysis -----------------------------------------------------------------------


def ppca_other_names(data, k):
    mu = data.mean(0)
    lam, U = np.linalg.eigh(np.cov(data.T, bias=True))
    lam, U = lam[::-1], U[:, ::-1]
    D = data.shape[1]
    lam_all = np.concatenate([lam, np.zeros(0)])
    s2 = lam_all[k:].mean() if D > k else 0.0
    return mu, U[:, :k] * np.sqrt(np.maximum(lam[:k] - s2, 0)), s2


def ppca_unbiased(data, k):
    mu = data.mean(0)
    lam, U = np.linalg.eigh(np.cov(data.T))
    lam, U = lam[::-1], U[:, ::-1]
    s2 = lam[k:].mean()
    return mu, U[:, :k] * np.sqrt(lam[:k] - s2), s2


def posterior_other_names(data, m, L, s2):
    M = L.T @ L + s2 * np.eye(L.shape[1])
    return np.linalg.solve(M, L.T @ (data - m).T).T, s2 * np.linalg.inv(M)


def posterior_no_centre(data, m, L, s2):
    M = L.T @ L + s2 * np.eye(L.shape[1])
    return np.linalg.solve(M, L.T @ data.T).T, s2 * np.linalg.inv(M)


def loglik_scipy(data, m, L, noise):  # dense, but through SciPy's stable Cholesky route
    return multivariate_normal(m, L @ L.T + np.diag(noise)).logpdf(data).reshape(-1)


def loglik_woodbury(data, m, L, noise):
    D, q = L.shape
    Xc = data - m
    A = L / noise[:, None]
    P = np.eye(q) + L.T @ A
    Lc = np.linalg.cholesky(P)
    y = np.linalg.solve(Lc, A.T @ Xc.T)
    quad = np.sum(Xc**2 / noise, 1) - np.sum(y**2, 0)
    logdet = np.sum(np.log(noise)) + 2 * np.sum(np.log(np.diag(Lc)))
    return -0.5 * (D * np.log(2 * np.pi) + logdet + quad)


def loglik_dense_det(X, m, L, noise):
    C = L @ L.T + np.diag(noise)
    Xc = X - m
    with np.errstate(all="ignore"):
        return -0.5 * (
            X.shape[1] * np.log(2 * np.pi)
            + np.log(np.linalg.det(C))
            + np.sum(Xc @ np.linalg.inv(C) * Xc, 1)
        )


def loglik_expanded(X, m, L, noise):  # xᵀC⁻¹x − 2μᵀC⁻¹x + μᵀC⁻¹μ: cancels at large offsets
    C = L @ L.T + np.diag(noise)
    Ci = np.linalg.inv(C)
    quad = np.sum(X @ Ci * X, 1) - 2 * X @ Ci @ m + m @ Ci @ m
    return -0.5 * (X.shape[1] * np.log(2 * np.pi) + np.linalg.slogdet(C)[1] + quad)


def impute_other_names(data, m, L, s2):
    out = data.copy()
    for n, x in enumerate(data):
        o = ~np.isnan(x)
        Wo = L[o]
        M = Wo.T @ Wo + s2 * np.eye(L.shape[1])
        z = np.linalg.solve(M, Wo.T @ (x[o] - m[o]))
        out[n, ~o] = m[~o] + L[~o] @ z
    return out


def impute_in_place(X, m, L, s2):
    X[...] = impute_other_names(X, m, L, s2)
    return X


def impute_mean_fill(X, m, L, s2):
    return np.where(np.isnan(X), m, X)


# ---- log domain (foundations) ---------------------------------------


def lse_other_names(values, ax):  # -inf rows caught with where
    m = np.max(values, axis=ax, keepdims=True)
    m = np.where(m == -np.inf, 0.0, m)
    with np.errstate(divide="ignore"):
        s = np.log(np.exp(values - m).sum(axis=ax, keepdims=True))
    return np.squeeze(s + m, axis=ax)


def lse_sorted(a, axis):  # another formula: log1p over all but the largest
    a = np.moveaxis(np.asarray(a, dtype=float), axis, -1)
    a = np.sort(a, axis=-1)
    top = a[..., -1]
    safe = np.where(np.isfinite(top), top, 0.0)
    rest = np.exp(a[..., :-1] - safe[..., None]).sum(axis=-1)
    return top + np.log1p(rest)


def lse_naive(a, axis):  # log(sum(exp)): overflows and underflows
    with np.errstate(all="ignore"):
        return np.log(np.sum(np.exp(a), axis=axis))


def lse_max_not_subtracted(a, axis):  # max added back, never taken out
    m = np.max(a, axis=axis)
    with np.errstate(all="ignore"):
        return m + np.log(np.sum(np.exp(a), axis=axis)) - m


def lse_nan_row(a, axis):  # no guard: an all -inf row gives NaN
    m = np.max(a, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore"):
        out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis)


def lse_nan_to_num(a, axis):  # the NaN hidden as a number, not -inf
    return np.nan_to_num(lse_nan_row(a, axis), nan=0.0)


CASES = {
    num.check_logsumexp: (
        [lse_other_names, lse_sorted],
        [
            (lse_naive, "Subtract the maximum"),
            (lse_max_not_subtracted, "Subtract the maximum"),
            (lse_nan_row, "only -inf gives NaN"),
            (lse_nan_to_num, "wrong at"),
        ],
    ),
    mix.check_e_step: (
        [e_step_other_names],
        [
            (e_step_log_resp, "log-responsibilities"),
            (e_step_naive, "NaN"),
            (e_step_sum_not_mean, "wrong at"),
            (e_step_none, "None"),
            (e_step_crashes, "IndexError"),
        ],
    ),
    mix.check_weighted_m_step: (
        [m_step_other_names, m_step_np_cov],
        [
            (m_step_global_mean, "output[2]"),
            (m_step_weights_over_n, "output[0]"),
            (m_step_ignores_weights, "wrong at"),
            (m_step_unweighted_covariance, "output[2]"),
        ],
    ),
    mix.check_assign_clusters: (
        [assign_broadcast, assign_expanded, assign_loop_over_k],
        [
            (assign_row_loop, "loops over the rows"),
            (assign_row_index_loop, "loops over the rows"),
            (assign_argmax, "wrong at"),
            (assign_last_tie, "ties"),
        ],
    ),
    mix.check_weighted_update_centers: (
        [wcenters_bincount, wcenters_average],
        [
            (wcenters_unweighted, "wrong at"),
            (wcenters_by_count, "wrong at"),
            (wcenters_nan_when_empty, "empty"),
            (wcenters_row_loop, "loops over the rows"),
            (wcenters_in_place, "in place"),
        ],
    ),
    mix.check_bernoulli_log_prob_missing: (
        [bern_matmul, bern_brute_force, bern_einsum_where],
        [
            (bern_log_prod, "D=2000"),
            (bern_clipped, "no clipping"),
            (bern_no_complement, "wrong at"),
            (bern_missing_as_zero, "as a 0"),
            (bern_nan_propagates, "NaN"),
        ],
    ),
    fl.check_radial_log_det: (
        [radial_other_names],
        [(radial_power_d, "wrong at"), (radial_wrong_sign, "wrong at")],
    ),
    bz.check_gb_free_energy: (
        [gbf_other_names],
        [
            (gbf_naive, "large weights"),
            (gbf_unscaled, "wrong at"),
            (gbf_binary_visible_term, "wrong at"),
        ],
    ),
    ic.check_natural_gradient_quartic: (
        [natq_other_names, natq_from_ordinary],
        [
            (natq_sech_score, "wrong at"),
            (natq_derivative_of_score, "wrong at"),
            (natq_no_mean, "wrong at"),
        ],
    ),
    nm.check_kl_divergence_masked: (
        [mkl_other_names, mkl_where],
        [(mkl_all_mass, "wrong at"), (mkl_times_mask, "NaN"), (mkl_zero_log_zero, "NaN")],
    ),
    sp.check_fista_restart: (
        [restart_rows, restart_vectorised],
        [
            (restart_never, "plain FISTA"),
            (restart_shared, "plain FISTA"),
            (restart_reversed, "wrong at"),
        ],
    ),
    sp.check_nonnegative_ista: (
        [nnista_clip_of_soft],
        [(nnista_two_sided, "wrong at"), (nnista_unscaled_threshold, "wrong at")],
    ),
    sp.check_group_soft_threshold: (
        [group_other_names, group_loop_over_rows],
        [(group_entrywise, "wrong at"), (group_zero_over_zero, "NaN"), (group_no_clip, "wrong at")],
    ),
    hmm.check_log_forward: (
        [logfwd_other_names, logfwd_scaled],
        [
            (logfwd_normalised, "wrong at"),
            (logfwd_clipped, "left-to-right"),
            (logfwd_exp, "underflows"),
        ],
    ),
    lds.check_kalman_update_partial: (
        [kalman_other_names],
        [
            (kalman_nan_as_zero, "wrong at"),
            (kalman_skip_any, "output[0]"),
            (kalman_full_dimension, "output[2]"),
        ],
    ),
    top.check_dirichlet_expectation: (
        [direxp_other_names],
        [
            (direxp_whole_sum, "wrong at"),
            (direxp_log_mean, "wrong at"),
            (direxp_float32, "dtype float32"),
        ],
    ),
    top.check_plsa_em_step: (
        [plsa_other_names, plsa_loop_over_docs],
        [
            (plsa_unweighted, "wrong at"),
            (plsa_new_theta_for_beta, "output[1]"),
            (plsa_empty_nan, "empty (a row of zeros)): output[0] contains NaN"),
            (plsa_empty_keeps_old, "empty (a row of zeros)): output[0] is wrong"),
        ],
    ),
    top.check_gibbs_conditional: (
        [gibbs_other_names],
        [(gibbs_unnormalised, "wrong at"), (gibbs_no_denominator, "wrong at")],
    ),
    top.check_log_joint: (
        [log_joint_other_names],
        [(log_joint_log_gamma, "gamma overflows"), (log_joint_docs_only, "wrong at")],
    ),
    vae.check_tanh_layer_backward: (
        [tanh_layer_other_names, tanh_layer_einsum],
        [
            (tanh_layer_no_activation, "wrong at"),
            (tanh_layer_no_square, "wrong at"),
            (tanh_layer_pre_activation, "wrong at"),
            (tanh_layer_bias_mean, "output[2]"),
            (tanh_layer_no_transpose, "shape"),
        ],
    ),
    vae.check_gaussian_kl_prior: (
        [kl_other_names, kl_float32],
        [
            (kl_std_for_var, "wrong at"),
            (kl_reversed, "wrong at"),
            (kl_ratio_of_exps, "NaN"),
            (kl_standard_prior_only, "wrong at"),
        ],
    ),
    vae.check_bernoulli_log_lik: ([bll_other_names], [(bll_naive, "800"), (bll_mean, "wrong at")]),
    fa.check_ppca_closed_form: ([ppca_other_names], [(ppca_unbiased, "wrong at")]),
    fa.check_posterior: ([posterior_other_names], [(posterior_no_centre, "output[0]")]),
    fa.check_log_likelihood: (
        [loglik_scipy, loglik_woodbury],
        [(loglik_dense_det, "underflows"), (loglik_expanded, "offset of 1e7")],
    ),
    fa.check_impute: (
        [impute_other_names],
        [(impute_in_place, "in place"), (impute_mean_fill, "wrong at")],
    ),
}

PAIRS = [(c, f, None) for c, (good, _) in CASES.items() for f in good]
PAIRS += [(c, f, why) for c, (_, bad) in CASES.items() for f, why in bad]


@pytest.mark.parametrize(
    "check, fn, why", PAIRS, ids=[f"{c.__name__}-{f.__name__}" for c, f, _ in PAIRS]
)
def test_check_accepts_correct_variants_and_rejects_mistakes(check, fn, why):
    result = check(fn, verbose=False)
    assert bool(result) is (why is None), result.message
    assert result.message.startswith(check.__name__ + ":")
    if why is not None:
        assert why in result.message


def test_student_exception_shows_their_traceback_and_line():
    result = mix.check_e_step(e_step_crashes, verbose=False)
    assert "Traceback" in result.message and "e_step_crashes" in result.message
    assert "return X[0, 0, 0], None" in result.message and "_harness.py" not in result.message


def test_wrong_arity_is_reported_before_running():
    result = mix.check_weighted_m_step(lambda X: X, verbose=False)
    assert "must take 3 arguments" in result.message
    assert "(X, resp, sample_weight)" in result.message


def test_low_precision_dtype_is_named_with_the_tolerance():
    result = fa.check_log_likelihood(
        lambda *a: loglik_woodbury(*a).astype(np.float32), verbose=False
    )
    assert "float32" in result.message and "rtol=" in result.message


def test_verbose_keyword_everywhere(capsys):
    for check in CASES:
        check(lambda *a: None, verbose=False)
    assert capsys.readouterr().out == ""

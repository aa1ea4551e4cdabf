"""Issue 17: for the fifteen coding exercises of the EM, mixtures, topics, VAE and factor
chapters, every typical mistake listed here is rejected with a message naming the problem, and
correct implementations written differently (other argument names, float32 where the output
needs no more, other formulas) pass. References we did not write: SciPy's distributions and
special functions, brute-force loops.
"""

import numpy as np
import pytest
from scipy.special import digamma, expit, gamma, gammaln, log_expit, logsumexp
from scipy.stats import multivariate_normal

from lvmteach.checks import factor as fa
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


def m_step_other_names(data, r):
    nk = r.sum(0)
    mu = (r.T @ data) / nk[:, None]
    covs = (
        np.einsum("nk,nkd,nke->kde", r, data[:, None] - mu, data[:, None] - mu) / nk[:, None, None]
    )
    return nk / len(data), mu, covs


def m_step_global_mean(X, r):
    w, mu, _ = m_step_other_names(X, r)
    c = X - X.mean(0)
    return w, mu, np.einsum("nk,nd,ne->kde", r, c, c) / r.sum(0)[:, None, None]


def m_step_unnormalised_weights(X, r):
    w, mu, covs = m_step_other_names(X, r)
    return w * len(X), mu, covs


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


def bern_matmul(data, mu):
    return data @ np.log(mu).T + (1 - data) @ np.log1p(-mu).T


def bern_brute_force(X, mu):  # loops, SciPy's Bernoulli
    from scipy.stats import bernoulli

    return np.array([[bernoulli(m).logpmf(x).sum() for m in mu] for x in X])


def bern_log_prod(X, mu):
    with np.errstate(divide="ignore"):
        return np.log(np.prod(mu[None] ** X[:, None] * (1 - mu[None]) ** (1 - X[:, None]), axis=2))


def bern_clipped(X, mu):
    return bern_matmul(X, np.clip(mu, 1e-10, 1 - 1e-10))


def bern_no_complement(X, mu):
    return X @ np.log(mu).T


# ---- topics --------------------------------------------------------------------------------


def direxp_other_names(alpha):
    return digamma(alpha) - digamma(alpha.sum(axis=-1))[:, None]


def direxp_float32(alpha):
    return (digamma(alpha) - digamma(alpha.sum(1, keepdims=True))).astype(np.float32)


def direxp_whole_sum(a):
    return digamma(a) - digamma(a.sum())


def direxp_log_mean(a):  # log E[θ] instead of E[log θ]
    return np.log(a / a.sum(1, keepdims=True))


def plsa_other_names(counts, theta, beta):
    q = theta[:, None, :] * beta.T[None]
    q = q / q.sum(2, keepdims=True)
    nq = counts[:, :, None] * q
    t, b = nq.sum(1), nq.sum(0).T
    return t / t.sum(1, keepdims=True), b / b.sum(1, keepdims=True)


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


def dense_other_names(g, inputs, weights):
    return g @ weights.T, inputs.T @ g, g.sum(0)


def dense_bias_mean(g, X, W):
    return g @ W.T, X.T @ g, g.mean(0)


def dense_no_transpose(g, X, W):
    return g @ W.T, (g.T @ X), g.sum(0)


def kl_other_names(m, lv):
    return 0.5 * np.sum(m**2 + np.exp(lv) - lv - 1, axis=1)


def kl_float32(m, lv):
    return kl_other_names(m, lv).astype(np.float32)


def kl_std_for_var(m, lv):
    return 0.5 * np.sum(m**2 + np.exp(0.5 * lv) - lv - 1, axis=1)


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


CASES = {
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
    mix.check_m_step: (
        [m_step_other_names],
        [(m_step_global_mean, "output[2]"), (m_step_unnormalised_weights, "output[0]")],
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
    mix.check_bernoulli_log_prob: (
        [bern_matmul, bern_brute_force],
        [
            (bern_log_prod, "D=2000"),
            (bern_clipped, "no clipping"),
            (bern_no_complement, "wrong at"),
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
        [plsa_other_names],
        [(plsa_unweighted, "wrong at"), (plsa_new_theta_for_beta, "output[1]")],
    ),
    top.check_gibbs_conditional: (
        [gibbs_other_names],
        [(gibbs_unnormalised, "wrong at"), (gibbs_no_denominator, "wrong at")],
    ),
    top.check_log_joint: (
        [log_joint_other_names],
        [(log_joint_log_gamma, "gamma overflows"), (log_joint_docs_only, "wrong at")],
    ),
    vae.check_dense_backward: (
        [dense_other_names],
        [(dense_bias_mean, "output[2]"), (dense_no_transpose, "shape")],
    ),
    vae.check_gaussian_kl: ([kl_other_names, kl_float32], [(kl_std_for_var, "wrong at")]),
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
    result = mix.check_m_step(lambda X: X, verbose=False)
    assert "must take 2 arguments" in result.message and "(X, resp)" in result.message


def test_low_precision_dtype_is_named_with_the_tolerance():
    result = fa.check_log_likelihood(
        lambda *a: loglik_woodbury(*a).astype(np.float32), verbose=False
    )
    assert "float32" in result.message and "rtol=" in result.message


def test_verbose_keyword_everywhere(capsys):
    for check in CASES:
        check(lambda *a: None, verbose=False)
    assert capsys.readouterr().out == ""

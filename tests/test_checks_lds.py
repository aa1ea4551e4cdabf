"""The LDS exercise check accepts correct partial-observation updates and rejects mistakes."""

import numpy as np
from scipy.stats import multivariate_normal

from lvmteach.checks import lds as checks


def good_update(mu_pred, V_pred, x, C, R):
    o = ~np.isnan(x)
    C, R, x = C[o], R[np.ix_(o, o)], x[o]
    if not o.any():
        return mu_pred, V_pred, 0.0
    S = C @ V_pred @ C.T + R
    K = V_pred @ C.T @ np.linalg.inv(S)
    log_lik = multivariate_normal(C @ mu_pred, S).logpdf(x)
    mu = mu_pred + K @ (x - C @ mu_pred)
    return mu, (np.eye(len(mu_pred)) - K @ C) @ V_pred, log_lik


def skip_if_any_missing(mu_pred, V_pred, x, C, R):  # the package's whole-vector rule
    if np.isnan(x).any():
        return mu_pred, V_pred, 0.0
    return good_update(mu_pred, V_pred, x, C, R)


def diagonal_of_R(mu_pred, V_pred, x, C, R):  # drops the noise correlations
    return good_update(mu_pred, V_pred, x, C, np.diag(np.diag(R)))


def test_kalman_update_check_accepts_reference_and_rejects_bugs():
    assert checks.check_kalman_update_partial(good_update)
    result = checks.check_kalman_update_partial(skip_if_any_missing)
    assert not result and "missing" in result.message
    assert not checks.check_kalman_update_partial(diagonal_of_R)

"""The LDS exercise check accepts the textbook update and rejects typical mistakes."""

import numpy as np

from lvmteach.checks import lds as checks


def good_update(mu_pred, V_pred, x, C, R):
    S = C @ V_pred @ C.T + R
    K = V_pred @ C.T @ np.linalg.inv(S)
    return mu_pred + K @ (x - C @ mu_pred), (np.eye(len(mu_pred)) - K @ C) @ V_pred


def no_noise_update(mu_pred, V_pred, x, C, R):  # forgets R in the innovation covariance
    S = C @ V_pred @ C.T
    K = V_pred @ C.T @ np.linalg.pinv(S)
    return mu_pred + K @ (x - C @ mu_pred), (np.eye(len(mu_pred)) - K @ C) @ V_pred


def wrong_sign_update(mu_pred, V_pred, x, C, R):
    mu, V = good_update(mu_pred, V_pred, x, C, R)
    return mu, V_pred + (V_pred - V)


def test_kalman_update_check_accepts_reference_and_rejects_bugs():
    assert checks.check_kalman_update(good_update)
    assert not checks.check_kalman_update(no_noise_update)
    result = checks.check_kalman_update(wrong_sign_update)
    assert not result and "[1]" in result.message

"""The flows chapter's exercise checks accept the reference and reject typical mistakes."""

import numpy as np

from lvmteach import flows
from lvmteach.checks import flows as checks


def test_planar_constrain_u_check():
    assert checks.check_planar_constrain_u(flows.planar_constrain_u, verbose=False)
    assert not checks.check_planar_constrain_u(lambda u, w: u, verbose=False)  # no constraint
    wrong_m = lambda u, w: u + (np.log1p(np.exp(w @ u)) - w @ u) * w / (w @ w)  # noqa: E731 (forgot the −1)
    assert not checks.check_planar_constrain_u(wrong_m, verbose=False)


def test_planar_log_det_check():
    def right(Z, u_hat, w, b):
        return np.log(np.abs(1 + (1 - np.tanh(Z @ w + b) ** 2) * (w @ u_hat)))

    assert checks.check_planar_log_det(right, verbose=False)
    assert not checks.check_planar_log_det(
        lambda Z, u_hat, w, b: np.log(np.abs(1 + np.tanh(Z @ w + b) * (w @ u_hat))), verbose=False
    )


def test_coupling_checks():
    def forward(X, s, t):
        d = X.shape[1] - s.shape[1]
        return np.hstack([X[:, :d], X[:, d:] * np.exp(s) + t]), s.sum(axis=1)

    def inverse(Y, s, t):
        d = Y.shape[1] - s.shape[1]
        return np.hstack([Y[:, :d], (Y[:, d:] - t) * np.exp(-s)]), -s.sum(axis=1)

    assert checks.check_coupling_forward(forward, verbose=False)
    assert checks.check_coupling_inverse(inverse, verbose=False)
    # no log-det
    assert not checks.check_coupling_forward(lambda X, s, t: forward(X, s, t)[0], verbose=False)
    assert not checks.check_coupling_forward(
        lambda X, s, t: (forward(X, s, t)[0], np.exp(s).sum(axis=1)), verbose=False
    )
    assert not checks.check_coupling_inverse(
        lambda Y, s, t: (inverse(Y, s, t)[0], s.sum(axis=1)), verbose=False
    )
    assert not checks.check_coupling_inverse(
        lambda Y, s, t: (np.hstack([Y[:, :1], Y[:, 1:] * np.exp(-s) - t]), -s.sum(axis=1)),
        verbose=False,
    )

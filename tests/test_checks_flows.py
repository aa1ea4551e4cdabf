"""The flows chapter's exercise checks accept the reference and reject typical mistakes."""

import numpy as np

from lvmteach import flows
from lvmteach.checks import flows as checks


def test_planar_constrain_u_check():
    assert checks.check_planar_constrain_u(flows.planar_constrain_u, verbose=False)
    assert not checks.check_planar_constrain_u(lambda u, w: u, verbose=False)  # no constraint
    wrong_m = lambda u, w: u + (np.log1p(np.exp(w @ u)) - w @ u) * w / (w @ w)  # noqa: E731 (forgot the −1)
    assert not checks.check_planar_constrain_u(wrong_m, verbose=False)


def radial_by_jacobian(Z, z0, alpha, beta):  # finite differences, slogdet
    def f(z):
        return z + beta * (z - z0) / (alpha + np.linalg.norm(z - z0))

    out = []
    for z in Z:
        eps = 1e-6
        J = np.column_stack([(f(z + eps * e) - f(z - eps * e)) / (2 * eps) for e in np.eye(len(z))])
        out.append(np.linalg.slogdet(J)[1])
    return np.array(out)


def test_radial_log_det_check():
    def right(Z, z0, alpha, beta):
        r = np.linalg.norm(Z - z0, axis=1)
        h = 1 / (alpha + r)
        D = Z.shape[1]
        return (D - 1) * np.log(1 + beta * h) + np.log(1 + beta * h - beta * r / (alpha + r) ** 2)

    def power_D(Z, z0, alpha, beta):  # (1 + βh)^D: misses the radial direction
        r = np.linalg.norm(Z - z0, axis=1)
        return Z.shape[1] * np.log(1 + beta / (alpha + r))

    assert checks.check_radial_log_det(right, verbose=False)
    assert not checks.check_radial_log_det(power_D, verbose=False)
    # the reference agrees with a finite-difference Jacobian (away from z0, where f is smooth)
    rng = np.random.default_rng(3)
    Z, z0 = rng.normal(size=(6, 3)), rng.normal(size=3)
    np.testing.assert_allclose(
        radial_by_jacobian(Z, z0, 0.8, -0.6), right(Z, z0, 0.8, -0.6), atol=1e-6
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

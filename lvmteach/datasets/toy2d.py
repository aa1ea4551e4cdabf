"""Two-dimensional toy data and target densities for the chapter
"Normalizing flows".

* ``make_moons``: the two interleaving half circles (as scikit-learn's
  ``make_moons``, generated here so the package does not depend on
  scikit-learn);
* ``energy`` with ``name`` in ``'U1'``..``'U4'``: the four unnormalised
  densities p(z) ∝ exp(−U(z)) of Rezende and Mohamed (2015), Table 1, with
  their gradients, used as targets for variational inference with planar
  flows.
"""

import numpy as np

from ..validation import (
    check_array,
    check_in,
    check_positive_int,
    check_random_state,
)

__all__ = ["make_moons", "moons_log_density", "energy", "ENERGY_NAMES"]

ENERGY_NAMES = ("U1", "U2", "U3", "U4")


def make_moons(
    n_samples=1000, *, noise=0.1, shuffle=True, random_state=None
):
    """Two interleaving half circles in 2-D.

    The upper moon is (cos t, sin t), the lower one (1 − cos t, ½ − sin t),
    t ∈ [0, π] on an even grid, as in scikit-learn; then Gaussian noise of
    standard deviation ``noise``.

    Returns
    -------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        0 for the upper moon, 1 for the lower one.
    """
    n = check_positive_int(n_samples, "n_samples", minimum=2)
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(
            f"noise must be a finite number >= 0, got {noise!r}"
        )
    rng = check_random_state(random_state)
    n_out = n // 2
    n_in = n - n_out
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.vstack(
        [
            np.column_stack([np.cos(t_out), np.sin(t_out)]),
            np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
        ]
    )
    y = np.concatenate(
        [np.zeros(n_out, dtype=int), np.ones(n_in, dtype=int)]
    )
    if shuffle:
        order = rng.permutation(n)
        X, y = X[order], y[order]
    if noise > 0:
        X = X + noise * rng.standard_normal(X.shape)
    return X, y


def moons_log_density(X, *, noise=0.1, n_nodes=2001):
    """log p(x) of the distribution ``make_moons`` samples from, by
    quadrature along the moons.

    With the angle t uniform on [0, π] (the even grid of ``make_moons`` in
    the limit of many points) and each moon chosen with probability ½, the
    density is the mixture

        p(x) = ½ Σ_moons (1/π) ∫_0^π N(x | c(t), noise² I) dt,

    computed by the trapezoidal rule on ``n_nodes`` angles in the log
    domain. It is the best any density model of the moons can do on held-out
    data: the reference for a flow's fit.
    """
    from ..numerics import logsumexp

    X = check_array(X)
    if X.shape[1] != 2:
        raise ValueError(
            f"X must have 2 columns (points in the plane), got {X.shape[1]}"
        )
    if not np.isfinite(noise) or noise <= 0:
        raise ValueError(
            "noise must be a finite number > 0 for a density to "
            f"exist, got {noise!r}"
        )
    n_nodes = check_positive_int(n_nodes, "n_nodes", minimum=3)
    t = np.linspace(0, np.pi, n_nodes)
    centres = np.vstack(
        [
            np.column_stack([np.cos(t), np.sin(t)]),
            np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]),
        ]
    )
    w = np.full(n_nodes, 1.0)
    w[[0, -1]] = 0.5
    # trapezoid weights of (1/π)∫dt, ½ per moon
    log_w = np.log(np.concatenate([w, w]) / (2 * (n_nodes - 1)))
    out = np.empty(len(X))
    # rows per chunk: about 8 MB of squared distances
    step = max(1, 2**20 // len(centres))
    for start in range(0, len(X), step):
        x = X[start : start + step]
        sq = (x[:, None, 0] - centres[:, 0]) ** 2 + (
            x[:, None, 1] - centres[:, 1]
        ) ** 2
        out[start : start + step] = logsumexp(
            log_w - 0.5 * sq / noise**2, axis=1
        )
    return out - np.log(2 * np.pi * noise**2)


def _two_wells(a1, da1, a2, da2):
    """U = −log(exp(−a1²/2) + exp(−a2²/2)) and its gradient, from a_k and
    ∇a_k.
    """
    e = np.stack([-0.5 * a1**2, -0.5 * a2**2])
    m = e.max(axis=0)
    w = np.exp(e - m)
    s = w.sum(axis=0)
    U = -(m + np.log(s))
    w = w / s  # softmax weights
    grad = (w[0] * a1)[:, None] * da1 + (w[1] * a2)[:, None] * da2
    return U, grad


def energy(Z, name="U1", *, confine=False, return_grad=False):
    """The energy U(z) of Rezende and Mohamed's target p(z) ∝ exp(−U(z)),
    per row of Z (N, 2).

    With w₁(z) = sin(2π z₁ / 4), w₂(z) = 3 exp(−½((z₁ − 1)/0.6)²), w₃(z) = 3
    σ((z₁ − 1)/0.3):

    * U1 = ½((‖z‖ − 2)/0.4)²
           − log(e^{−½((z₁−2)/0.6)²} + e^{−½((z₁+2)/0.6)²})
      (a ring, two lobes)
    * U2 = ½((z₂ − w₁)/0.4)² (a sine wave)
    * U3 = −log(e^{−½((z₂−w₁)/0.35)²} + e^{−½((z₂−w₁+w₂)/0.35)²})
      (a split sine wave)
    * U4 = −log(e^{−½((z₂−w₁)/0.4)²} + e^{−½((z₂−w₁+w₃)/0.35)²})

    U2-U4 do not grow with |z₁|, so exp(−U) has infinite mass: they are not
    proper densities. The paper shows them on the box [−4, 4]².
    ``confine=True`` adds a soft wall ½((|z₁| − 4)₊ / 0.2)², which leaves
    the box untouched and makes every target proper.

    Returns U (N,), and with ``return_grad`` also ∇U (N, 2).
    """
    check_in(name, "name", ENERGY_NAMES)
    Z = check_array(Z, name="Z")
    if Z.shape[1] != 2:
        raise ValueError(
            f"Z must have 2 columns (points in the plane), got {Z.shape[1]}"
        )
    z1, z2 = Z[:, 0], Z[:, 1]
    zeros, ones = np.zeros_like(z1), np.ones_like(z1)
    w1 = np.sin(np.pi * z1 / 2)
    dw1 = 0.5 * np.pi * np.cos(np.pi * z1 / 2)
    if name == "U1":
        r = np.maximum(np.hypot(z1, z2), 1e-12)
        ring = 0.5 * ((r - 2) / 0.4) ** 2
        dring = ((r - 2) / 0.16 / r)[:, None] * Z
        a1, a2 = (z1 - 2) / 0.6, (z1 + 2) / 0.6
        da = np.column_stack([ones / 0.6, zeros])
        U, grad = _two_wells(a1, da, a2, da)
        U, grad = U + ring, grad + dring
    elif name == "U2":
        e = (z2 - w1) / 0.4
        U = 0.5 * e**2
        grad = np.column_stack([-e * dw1 / 0.4, e / 0.4])
    elif name == "U3":
        w2 = 3 * np.exp(-0.5 * ((z1 - 1) / 0.6) ** 2)
        dw2 = -w2 * (z1 - 1) / 0.36
        a1, a2 = (z2 - w1) / 0.35, (z2 - w1 + w2) / 0.35
        da1 = np.column_stack([-dw1, ones]) / 0.35
        da2 = np.column_stack([-dw1 + dw2, ones]) / 0.35
        U, grad = _two_wells(a1, da1, a2, da2)
    else:  # U4
        s = 1.0 / (1.0 + np.exp(-(z1 - 1) / 0.3))
        w3, dw3 = 3 * s, 3 * s * (1 - s) / 0.3
        a1, a2 = (z2 - w1) / 0.4, (z2 - w1 + w3) / 0.35
        da1 = np.column_stack([-dw1, ones]) / 0.4
        da2 = np.column_stack([-dw1 + dw3, ones]) / 0.35
        U, grad = _two_wells(a1, da1, a2, da2)
    if confine:
        excess = np.maximum(np.abs(z1) - 4.0, 0.0) / 0.2
        U = U + 0.5 * excess**2
        grad = grad + np.column_stack([np.sign(z1) * excess / 0.2, zeros])
    return (U, grad) if return_grad else U

"""NMF against scikit-learn's ``NMF``: time to solution and time per iteration.

Time to solution, N=2000, D=1000, K=20 Poisson counts, both from the same NNDSVDA start
(ours, passed to both with ``init='custom'``) and the default ``tol=1e-4`` and
``max_iter=200``:

* Frobenius, coordinate descent (``solver='cd'``, scikit-learn's default) on both sides: the
  same stopping rule (the projected-gradient violation relative to the first iteration's);
* Frobenius and Kullback-Leibler, multiplicative updates (``solver='mu'``; our default) on
  both sides: the same stopping rule (the loss every 10 iterations).

Quality: the loss reached (½‖X − WH‖² or the generalised KL divergence; lower is better).

Per iteration, issue goal: multiplicative updates, 100 iterations, both losses, our time at
most 1.0x scikit-learn's from the same random ``W``, ``H`` with ``tol=0``. Ours also records
the loss every 10 iterations (``history_``), which scikit-learn does not with ``tol=0``: the
W update returns it at the cost of the N D logarithms for KL (section "The fitting loop" of the
chapter).
"""

import numpy as np

from ._harness import report, time_fits, time_pair


def _data(N, D, K):
    rng = np.random.default_rng(0)
    X = rng.poisson(3.0, size=(N, D)).astype(float)  # counts, with zeros, suit both losses
    return X, rng


def bench_nmf_solution(solver, beta_loss, N=2000, D=1000, K=20, repeats=3):
    from sklearn.decomposition import NMF as SkNMF

    from lvmteach.nmf import NMF, beta_divergence, initialize_nmf

    X, _ = _data(N, D, K)
    W0, H0 = initialize_nmf(X, K, "nndsvda")
    kw = dict(beta_loss=beta_loss, init="custom", solver=solver)
    fits = {}

    def ours():
        model = NMF(K, **kw)
        fits["ours"] = model.fit(X, W=W0, H=H0).activations_  # fit_transform would add a transform
        return model

    def ref():
        model = SkNMF(K, **kw)
        fits["ref"] = model.fit_transform(X, W=W0.copy(), H=H0.copy())
        return model

    t_ours, t_ref, m_ours, m_ref = time_fits(ours, ref, repeats=repeats)
    loss_ours = beta_divergence(X, fits["ours"], m_ours.components_, beta_loss)
    loss_ref = beta_divergence(X, fits["ref"], m_ref.components_, beta_loss)
    return report(
        f"NMF {solver} {beta_loss} N={N} D={D} K={K} ({m_ours.n_iter_} vs {m_ref.n_iter_} it.)",
        t_ours,
        t_ref,
        unit="fit",
        table="solution",
        goal=1.0,
        quality=("loss", loss_ours, loss_ref),
    )


def bench_nmf(beta_loss, N=2000, D=1000, K=20, n_iter=100, repeats=3):
    from sklearn.decomposition import NMF as SkNMF

    from lvmteach.nmf import NMF

    X, rng = _data(N, D, K)
    avg = np.sqrt(X.mean() / K)
    W0 = avg * rng.uniform(0.5, 1.5, size=(N, K))
    H0 = avg * rng.uniform(0.5, 1.5, size=(K, D))
    kw = dict(beta_loss=beta_loss, init="custom", tol=0.0, max_iter=n_iter)
    ours = lambda: NMF(K, **kw).fit(X, W=W0, H=H0)  # noqa: E731
    ref = lambda: SkNMF(K, solver="mu", **kw).fit_transform(X, W=W0.copy(), H=H0.copy())  # noqa: E731
    t_ours, t_ref = time_pair(ours, ref, repeats=repeats)
    return report(f"NMF mu {beta_loss} N={N} D={D} K={K}", t_ours, t_ref, per=n_iter, goal=1.0)


def main():
    bench_nmf_solution("cd", "frobenius")
    bench_nmf_solution("mu", "frobenius")
    bench_nmf_solution("mu", "kullback-leibler")
    bench_nmf("frobenius")
    bench_nmf("kullback-leibler")


if __name__ == "__main__":
    main()

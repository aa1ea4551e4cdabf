"""RBM training against scikit-learn's BernoulliRBM on the binarised digits.

Issue goal: 100 hidden units, binarised digits (1797 x 64), batch 10, 20 epochs of PCD-1 (the
algorithm BernoulliRBM implements): our fit at most 1.0x scikit-learn's time. Both run the
same number of mini-batch updates (180 per epoch) with the same learning rate; ours also
shuffles the rows each epoch. The time per epoch is the whole fit divided by 20. There is no
convergence test to match, so this is the per-epoch table only, with the quality reached:
the exact mean pseudo-log-likelihood of the data (all 64 bits, our
:func:`~lvmteach.boltzmann.pseudo_log_likelihood` for both fits; higher is better).
"""

from ._harness import report, time_fits


def bench_rbm_pcd(n_hidden=100, batch_size=10, n_epochs=20, repeats=5):
    from sklearn.neural_network import BernoulliRBM

    from lvmteach.boltzmann import RBM, pseudo_log_likelihood
    from lvmteach.datasets import load_digits

    X = load_digits(binarize=True).data
    ours = lambda: RBM(
        n_hidden,
        learning_rate=0.1,
        batch_size=batch_size,
        n_epochs=n_epochs,
        k=1,
        persistent=True,
        random_state=0,
    ).fit(X)  # noqa: E731
    ref = lambda: BernoulliRBM(
        n_components=n_hidden,
        learning_rate=0.1,
        batch_size=batch_size,
        n_iter=n_epochs,
        random_state=0,
    ).fit(X)  # noqa: E731
    ours(), ref()  # warm-up
    t_ours, t_ref, m_ours, m_ref = time_fits(ours, ref, repeats=repeats)
    pll = [
        float(
            pseudo_log_likelihood(
                X, m.components_, m.intercept_visible_, m.intercept_hidden_
            ).mean()
        )
        for m in (m_ours, m_ref)
    ]
    return report(
        f"RBM PCD-1 digits K={n_hidden} batch={batch_size} {n_epochs} epochs",
        t_ours,
        t_ref,
        per=n_epochs,
        unit="epoch",
        goal=1.0,
        quality=("pseudo-log-lik", *pll),
    )


def main():
    bench_rbm_pcd()


if __name__ == "__main__":
    main()

"""One VAE training epoch on the binarised digits: our NumPy VAE, and PyTorch on the CPU if present.

Issue goal: at most 2x PyTorch's CPU time for the same network (64 -> 256 -> latent 2 or 10,
tanh, Bernoulli decoder, Adam, batch 128, 1797 digits = 15 mini-batches). PyTorch is not a
dependency of the package: without ``import torch`` the comparison is skipped and only our
times are printed.
"""

import time

import numpy as np

from lvmteach.datasets import load_digits
from lvmteach.vae import VAE

from ._harness import report, time_pair


def numpy_epoch(X, latent_dim, hidden=256, batch_size=128):
    model = VAE(latent_dim, (hidden,), batch_size=batch_size, n_epochs=1, random_state=0)
    return lambda: model.fit(X)  # fit = initialisation (negligible) + one epoch


def torch_epoch(X, latent_dim, hidden=256, batch_size=128):
    import torch

    torch.manual_seed(0)
    Xt = torch.tensor(X, dtype=torch.float64)
    enc = torch.nn.Sequential(
        torch.nn.Linear(64, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 2 * latent_dim)
    ).double()
    dec = torch.nn.Sequential(
        torch.nn.Linear(latent_dim, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 64)
    ).double()
    opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-3)

    def epoch():
        for idx in torch.randperm(len(Xt)).split(batch_size):
            x = Xt[idx]
            h = enc(x)
            mu, log_var = h[:, :latent_dim], h[:, latent_dim:]
            z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
            rec = torch.nn.functional.binary_cross_entropy_with_logits(dec(z), x, reduction="sum")
            kl = 0.5 * torch.sum(mu**2 + log_var.exp() - log_var - 1)
            loss = (rec + kl) / len(x)
            opt.zero_grad()
            loss.backward()
            opt.step()

    return epoch


def median_time(fn, repeats=7):
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main():
    X = load_digits(binarize=True).data
    try:
        import torch  # noqa: F401

        have_torch = True
    except ImportError:
        have_torch = False
        print("PyTorch is not installed: printing our times only (no comparison)")
    for latent_dim in (2, 10):
        name = f"VAE epoch, digits 64-256-{latent_dim}, batch 128 (float64)"
        if have_torch:
            t_ours, t_ref = time_pair(
                numpy_epoch(X, latent_dim), torch_epoch(X, latent_dim), repeats=7
            )
            report(name, t_ours, t_ref, unit="epoch", goal=2.0)
        else:
            print(
                f"{name:<55s} ours {1e3 * median_time(numpy_epoch(X, latent_dim)):9.2f} ms/epoch",
                flush=True,
            )
    try:  # small matrices: BLAS threads mostly add overhead, worse when the cores are shared
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    with threadpool_limits(1):
        for latent_dim in (2, 10):
            t = median_time(numpy_epoch(X, latent_dim))
            print(
                f"{f'VAE epoch, 64-256-{latent_dim}, one BLAS thread':<55s} ours "
                f"{1e3 * t:9.2f} ms/epoch",
                flush=True,
            )


if __name__ == "__main__":
    main()

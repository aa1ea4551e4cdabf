"""Plot helpers shared by the chapters: one style, opaque backgrounds,
Gaussian ellipses.

``book_style()`` is the first call of every chapter: it fixes Matplotlib's
look (white, opaque figure background, so figures read in dark mode too;
PNGs at twice the resolution in Jupyter, for high-density screens) and
NumPy's print options (4 decimals, see the portability policy in
CONTRIBUTING.md for what a chapter may print; arrays wrapped at 76
characters, the width of the book's code blocks).
"""

import numpy as np

__all__ = [
    "animation_html",
    "book_style",
    "plot_cov_ellipse",
    "show_images",
]


def book_style():
    """Set the book's Matplotlib and NumPy print options (call once per
    notebook).
    """
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 4.0),
            "figure.dpi": 80,
            "figure.facecolor": "white",
            "axes.facecolor": "white",
            "savefig.facecolor": "white",
            "savefig.transparent": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
        }
    )
    np.set_printoptions(precision=4, suppress=True, linewidth=76)
    # in Jupyter: PNGs at twice the resolution, shown at the same size
    # (sharp on phones)
    try:
        from IPython import get_ipython

        if get_ipython() is not None:
            from matplotlib_inline.backend_inline import (
                set_matplotlib_formats,
            )

            set_matplotlib_formats("retina")
    except ImportError:  # plain Python, no IPython: nothing to configure
        pass


def plot_cov_ellipse(ax, mean, cov, n_std=2.0, **kwargs):
    """Draw the ``n_std``-standard-deviation ellipse of a 2-D Gaussian on
    ``ax``.
    """
    from matplotlib.patches import Ellipse

    eigvals, eigvecs = np.linalg.eigh(np.asarray(cov)[:2, :2])
    angle = np.degrees(np.arctan2(eigvecs[1, -1], eigvecs[0, -1]))
    width, height = 2 * n_std * np.sqrt(np.maximum(eigvals[::-1], 0))
    kwargs.setdefault("fill", False)
    ellipse = Ellipse(mean[:2], width, height, angle=angle, **kwargs)
    ax.add_patch(ellipse)
    return ellipse


def show_images(
    images,
    n_cols=10,
    shape=(8, 8),
    titles=None,
    cmap="gray_r",
    vmin=None,
    vmax=None,
    scale=0.8,
):
    """Show a grid of small images (rows of ``images`` reshaped to
    ``shape``); return the figure.
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    n = len(images)
    n_rows = int(np.ceil(n / n_cols))
    fig, axes = plt.subplots(
        n_rows,
        n_cols,
        figsize=(
            scale * n_cols,
            scale * n_rows + (0.3 if titles is not None else 0),
        ),
        squeeze=False,
    )
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i < n:
            ax.imshow(
                images[i].reshape(shape),
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
                interpolation="nearest",
            )
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    fig.tight_layout()
    return fig


def animation_html(anim, alt, **kwargs):
    """A Matplotlib animation as self-contained HTML for the book, with
    ``alt`` text.

    ``anim.to_jshtml()`` embeds every frame, but its template also links
    Font Awesome from a CDN, which an offline book must not load (the book's
    theme ships its own icons), and its ``<img>`` has no alt text. Both are
    fixed here. Returns an ``IPython.display.HTML``.
    """
    import re

    from IPython.display import HTML

    html = anim.to_jshtml(**kwargs)
    html = re.sub(
        r'<link '
        r'rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">',
        "",
        html,
    )
    html = html.replace("<img id=", f'<img alt="{alt}" id=', 1)
    return HTML(html)

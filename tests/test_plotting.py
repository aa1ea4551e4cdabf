"""Plot helpers: the book's figures stay opaque and its animations stay offline."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import animation  # noqa: E402

from lvmteach.plotting import animation_html, book_style, plot_cov_ellipse  # noqa: E402


def test_animation_html_is_offline_and_has_alt_text():
    fig, ax = plt.subplots()
    line, = ax.plot([0, 1], [0, 1])
    anim = animation.FuncAnimation(fig, lambda t: line.set_ydata([0, t]), frames=2)
    raw = anim.to_jshtml()
    assert "maxcdn" in raw  # what the helper must remove
    html = animation_html(anim, alt="a line tilting").data
    plt.close(fig)
    assert "https://" not in html and "http://" not in html
    assert '<img alt="a line tilting" id=' in html


def test_book_style_gives_opaque_figures():
    book_style()
    assert matplotlib.rcParams["savefig.transparent"] is False
    assert matplotlib.colors.to_rgba(matplotlib.rcParams["figure.facecolor"])[3] == 1.0


def test_cov_ellipse_axes_are_two_standard_deviations():
    fig, ax = plt.subplots()
    e = plot_cov_ellipse(ax, np.zeros(2), np.diag([4.0, 1.0]), n_std=2.0)
    plt.close(fig)
    assert sorted([e.width, e.height]) == [4.0, 8.0]

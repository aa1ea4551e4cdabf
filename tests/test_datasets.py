"""Shipped data sets load offline with the documented shapes and published statistics."""

import numpy as np
import pytest

from lvmteach.datasets import load_digits, load_old_faithful, load_wine


def test_old_faithful_matches_r_summary():
    d = load_old_faithful()
    assert d.data.shape == (272, 2) and d.feature_names == ["eruptions", "waiting"]
    # R: summary(faithful): means 3.488 and 70.90, ranges [1.6, 5.1] and [43, 96].
    np.testing.assert_allclose(d.data.mean(axis=0), [3.487783, 70.897059], atol=1e-6)
    np.testing.assert_allclose(d.data.min(axis=0), [1.6, 43])
    np.testing.assert_allclose(d.data.max(axis=0), [5.1, 96])
    assert "Azzalini" in d.DESCR


def test_digits_shapes_labels_and_binarisation():
    d = load_digits()
    assert d.data.shape == (1797, 64) and d.images.shape == (1797, 8, 8)
    assert d.data.min() == 0 and d.data.max() == 16
    np.testing.assert_array_equal(
        np.bincount(d.target), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )
    b = load_digits(binarize=True)
    assert set(np.unique(b.data)) == {0.0, 1.0}
    np.testing.assert_array_equal(b.data, d.data >= 8)
    assert "CC BY 4.0" in d.DESCR


def test_wine_shapes_and_classes():
    d = load_wine()
    assert d.data.shape == (178, 13) and len(d.feature_names) == 13
    np.testing.assert_array_equal(np.bincount(d.target), [59, 71, 48])
    assert "CC BY 4.0" in d.DESCR


def test_every_loader_is_reachable_from_lvmteach_datasets():
    import lvmteach.datasets as datasets

    for name in datasets.__all__:
        assert hasattr(datasets, name), name


def test_state_of_the_union_is_shipped_with_its_licence():
    from lvmteach.datasets import load_state_of_the_union

    d = load_state_of_the_union()
    assert len(d.text) == 2000 and len(d.year) == 2000
    assert "public domain" in d.DESCR.lower()


def test_grace_hopper_image():
    from lvmteach.datasets import load_grace_hopper

    d = load_grace_hopper()
    assert d.image.shape == (128, 128)
    assert 0.0 <= d.image.min() < 0.1 and d.image.max() == 1.0
    assert "public domain" in d.DESCR


def test_moons_log_density_matches_scipy_quadrature_and_integrates_to_one():
    from scipy import integrate, stats

    from lvmteach.datasets import moons_log_density

    noise = 0.1
    # within a few noise widths
    points = np.array([[0.0, 1.0], [1.0, -0.5], [0.5, 0.25], [1.2, 0.6]])

    def density(x):
        upper = integrate.quad(
            lambda t: stats.multivariate_normal.pdf(x, [np.cos(t), np.sin(t)], noise**2),
            0,
            np.pi,
            limit=200,
            epsabs=0,
            epsrel=1e-10,
        )[0]
        lower = integrate.quad(
            lambda t: stats.multivariate_normal.pdf(x, [1 - np.cos(t), 0.5 - np.sin(t)], noise**2),
            0,
            np.pi,
            limit=200,
            epsabs=0,
            epsrel=1e-10,
        )[0]
        return (upper + lower) / (2 * np.pi)

    reference = np.log([density(x) for x in points])
    np.testing.assert_allclose(moons_log_density(points, noise=noise), reference, rtol=1e-6)
    g = np.linspace(-2.0, 3.0, 251)
    grid = np.array(np.meshgrid(g, g)).reshape(2, -1).T
    total = np.exp(moons_log_density(grid, noise=noise)).sum() * (g[1] - g[0]) ** 2
    assert abs(total - 1) < 1e-6


@pytest.mark.parametrize("kwargs, match", [({"noise": 0.0}, "noise"), ({"noise": np.nan}, "noise")])
def test_moons_log_density_rejects_degenerate_noise(kwargs, match):
    from lvmteach.datasets import moons_log_density

    with pytest.raises(ValueError, match=match):
        moons_log_density(np.zeros((3, 2)), **kwargs)
    with pytest.raises(ValueError, match="2 columns"):
        moons_log_density(np.zeros((3, 3)), noise=0.1)

"""Shipped data sets load offline with the documented shapes and published statistics."""

import numpy as np

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
    np.testing.assert_array_equal(np.bincount(d.target), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180])
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

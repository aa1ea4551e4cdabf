"""Input validation: every bad input is a ValueError that names the problem."""

import numpy as np
import pytest
import scipy.sparse as sp

from lvmteach.validation import (
    check_array,
    check_binary,
    check_count_matrix,
    check_n_features,
    check_nonnegative,
    check_positive_int,
    check_positive_scalar,
    check_random_state,
)


def test_returns_float64_copyable_array():
    X = check_array([[1, 2], [3, 4]])
    assert X.dtype == np.float64 and X.shape == (2, 2)


@pytest.mark.parametrize(
    "X, message",
    [
        (np.array([[1.0, np.nan]]), "1 NaN value"),
        (np.array([[1.0, np.inf]]), "infinity"),
        (np.arange(3.0), "1-D array.*reshape"),
        (np.zeros((2, 2, 2)), "3 dimensions"),
        ([["a", "b"]], "array of numbers"),
    ],
)
def test_bad_arrays_raise_naming_the_problem(X, message):
    with pytest.raises(ValueError, match=message):
        check_array(X)


def test_too_few_samples():
    with pytest.raises(ValueError, match="1 sample.*at least 3"):
        check_array(np.zeros((1, 2)), min_samples=3)


def test_nan_allowed_when_missing_data_is_the_point_but_not_inf():
    assert np.isnan(check_array([[1.0, np.nan]], allow_nan=True)).sum() == 1
    with pytest.raises(ValueError, match="infinity"):
        check_array([[1.0, np.inf]], allow_nan=True)


def test_wrong_number_of_features():
    with pytest.raises(ValueError, match="3 features.*fitted with 2"):
        check_n_features(np.zeros((1, 3)), 2)


def test_binary_and_probabilities():
    check_binary(np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="binary.*Binarise"):
        check_binary(np.array([[0.0, 0.5]]))
    check_binary(np.array([[0.2, 1.0]]), allow_probabilities=True)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        check_binary(np.array([[1.5]]), allow_probabilities=True)


def test_nonnegative():
    with pytest.raises(ValueError, match="negative"):
        check_nonnegative(np.array([[1.0, -0.1]]))


@pytest.mark.parametrize("make", [np.array, sp.csr_matrix])
def test_count_matrix(make):
    assert check_count_matrix(make(np.array([[1.0, 0.0], [0.0, 2.0]]))).shape == (2, 2)
    with pytest.raises(ValueError, match="negative counts"):
        check_count_matrix(make(np.array([[1.0, -1.0]])))
    with pytest.raises(ValueError, match="non-integer"):
        check_count_matrix(make(np.array([[1.5, 0.0]])))
    with pytest.raises(ValueError, match="empty vocabulary"):
        check_count_matrix(make(np.zeros((2, 0))))


@pytest.mark.parametrize("bad", [0, -1, 2.5, "3", True, None])
def test_positive_int_rejects(bad):
    with pytest.raises(ValueError, match="n_components must be an integer >= 1"):
        check_positive_int(bad, "n_components")


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf, "x"])
def test_positive_scalar_rejects(bad):
    with pytest.raises(ValueError, match="tol must be a finite number > 0"):
        check_positive_scalar(bad, "tol")


def test_random_state_gives_reproducible_generators():
    a = check_random_state(3).normal(size=4)
    b = check_random_state(3).normal(size=4)
    np.testing.assert_array_equal(a, b)
    rng = np.random.default_rng(0)
    assert check_random_state(rng) is rng
    with pytest.raises(ValueError, match="random_state"):
        check_random_state("seed")

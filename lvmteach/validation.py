"""Input validation with error messages that say what was wrong and what to do.

Every ``fit``, ``transform`` and ``score`` in the package passes its data through
``check_array`` first, so that bad input fails loudly with a ``ValueError`` instead of
turning into a silent NaN twenty lines later.
"""

import numbers

import numpy as np

__all__ = [
    "check_array",
    "check_binary",
    "check_count_matrix",
    "check_n_features",
    "check_nonnegative",
    "check_positive_int",
    "check_positive_scalar",
    "check_random_state",
    "check_in",
]


def check_array(X, *, name="X", allow_nan=False, ensure_2d=True, min_samples=1, min_features=1):
    """Return ``X`` as a float64 array after checking its shape and values.

    Parameters
    ----------
    X : array-like of shape (N, D)
        Data, one row per sample (``N`` samples, ``D`` features; see the notation page).
    name : str
        How to call the argument in error messages.
    allow_nan : bool
        Allow NaN, meaning "missing" (only models that handle missing data pass True).
        Infinity is never allowed.
    ensure_2d : bool
        Require a 2-D array. A 1-D array is rejected with a hint to reshape it.
    min_samples, min_features : int
        Smallest acceptable number of rows and columns.

    Raises
    ------
    ValueError
        For a wrong number of dimensions, too few samples or features, NaN (unless
        ``allow_nan``), infinity, or values that are not numbers.
    """
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be an array of numbers; converting it failed: {exc}") from None
    if ensure_2d:
        if X.ndim == 1:
            raise ValueError(
                f"{name} must be 2-D of shape (n_samples, n_features), got a 1-D array of shape "
                f"{X.shape}; use X.reshape(-1, 1) for a single feature or X.reshape(1, -1) for a "
                "single sample"
            )
        if X.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D of shape (n_samples, n_features), got {X.ndim} dimensions "
                f"with shape {X.shape}"
            )
        if X.shape[0] < min_samples:
            raise ValueError(
                f"{name} has {X.shape[0]} sample(s) but at least {min_samples} are needed; "
                "pass more samples or use a smaller model"
            )
        if X.shape[1] < min_features:
            raise ValueError(f"{name} has {X.shape[1]} feature(s) but at least {min_features} are needed")
    if np.isinf(X).any():
        raise ValueError(f"{name} contains infinity; remove or clip those entries first")
    if not allow_nan and np.isnan(X).any():
        n_bad = int(np.isnan(X).sum())
        raise ValueError(
            f"{name} contains {n_bad} NaN value(s); this model does not handle missing data. "
            "Impute them first (see the chapter on imputation) or drop those rows"
        )
    return X


def check_n_features(X, n_features, *, name="X"):
    """Raise unless ``X`` has the number of columns the model was fitted with."""
    if X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but the model was fitted with {n_features}; "
            "pass data with the same columns as in fit"
        )
    return X


def check_nonnegative(X, *, name="X"):
    """Raise unless every entry of ``X`` is >= 0 (NaN entries are ignored)."""
    if np.nanmin(X) < 0 if X.size else False:
        raise ValueError(
            f"{name} has negative entries (smallest {np.nanmin(X):.4g}); this model needs "
            "non-negative data such as counts or intensities"
        )
    return X


def check_binary(X, *, name="X", allow_probabilities=False):
    """Raise unless every entry of ``X`` is 0 or 1 (or in [0, 1] with ``allow_probabilities``)."""
    if allow_probabilities:
        if X.size and (X.min() < 0 or X.max() > 1):
            raise ValueError(
                f"{name} must lie in [0, 1] (binary data or probabilities); got values from "
                f"{X.min():.4g} to {X.max():.4g}; rescale, e.g. X / X.max()"
            )
    elif not np.isin(X, (0.0, 1.0)).all():
        bad = X[~np.isin(X, (0.0, 1.0))]
        raise ValueError(
            f"{name} must be binary (only 0 and 1) for this model; found {bad.size} other "
            f"value(s), e.g. {bad.flat[0]:.4g}. Binarise it first, e.g. (X > threshold).astype(float)"
        )
    return X


def check_count_matrix(X, *, name="X"):
    """Return a document-term count matrix (dense float64 or ``scipy.sparse`` CSR) after checks.

    Counts must be finite, non-negative integers.
    """
    import scipy.sparse as sp

    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float64)
        values = X.data
        if X.ndim != 2:
            raise ValueError(f"{name} must be 2-D (documents x words)")
    else:
        X = np.asarray(X, dtype=np.float64) if not isinstance(X, np.ndarray) else X
        if X.ndim == 2 and X.shape[1] == 0:
            raise ValueError(f"{name} has an empty vocabulary (0 columns)")
        X = check_array(X, name=name)
        values = X.ravel()
    if X.shape[1] == 0:
        raise ValueError(f"{name} has an empty vocabulary (0 columns)")
    if not np.isfinite(values).all():
        raise ValueError(f"{name} contains NaN or infinity; counts must be finite")
    if values.size and values.min() < 0:
        raise ValueError(f"{name} contains negative counts (smallest {values.min():.4g}); counts must be >= 0")
    if not np.array_equal(values, np.round(values)):
        raise ValueError(f"{name} contains non-integer counts; pass word counts, not frequencies")
    return X


def check_positive_int(value, name, *, minimum=1):
    """Return ``value`` as an int after checking it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_positive_scalar(value, name, *, strict=True, allow_zero=False):
    """Return ``value`` as a float after checking it is a finite number > 0 (or >= 0)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = value >= 0 if allow_zero or not strict else value > 0
    if not ok:
        bound = ">= 0" if allow_zero or not strict else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value!r}")
    return float(value)


def check_in(value, name, options):
    """Raise unless ``value`` is one of ``options``."""
    if isinstance(value, str) or not isinstance(value, np.ndarray):
        if value in options:
            return value
    raise ValueError(f"{name} must be one of {list(options)}, got {value!r}")


def check_random_state(random_state):
    """Turn ``None``, an int or a ``numpy.random.Generator`` into a ``Generator``.

    The whole package draws random numbers only from a Generator passed around as ``rng``;
    nothing touches numpy's global random state. An int gives a reproducible stream.
    """
    if random_state is None or isinstance(random_state, (numbers.Integral, np.integer)):
        return np.random.default_rng(random_state)
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        # Accept scikit-learn style legacy generators by seeding a new Generator from them.
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    raise ValueError(
        f"random_state must be None, an int or a numpy.random.Generator, got {random_state!r}"
    )

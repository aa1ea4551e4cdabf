"""ISTA, FISTA and dictionary learning against scikit-learn's Lasso, closed forms and SciPy."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lvmteach.exceptions import ConvergenceWarning
from lvmteach.sparse import (
    DictionaryLearning,
    extract_patches,
    fista,
    ista,
    lasso_objective,
    lipschitz_constant,
    reconstruct_from_patches,
    soft_threshold,
    sparse_encode,
    update_dictionary,
)

SOLVERS = [ista, fista]


def problem(N=8, K=15, D=30, seed=0, unit=True):
    rng = np.random.default_rng(seed)
    dictionary = rng.normal(size=(K, D))
    if unit:
        dictionary /= np.linalg.norm(dictionary, axis=1, keepdims=True)
    return rng.normal(size=(N, D)), dictionary


def lasso_reference(X, dictionary, alpha):
    """scikit-learn's Lasso minimises 1/(2 n) ||y - A w||^2 + a ||w||_1 with n = D: so a = alpha /
    D.
    """
    from sklearn.linear_model import Lasso

    D = X.shape[1]
    lasso = Lasso(alpha=alpha / D, fit_intercept=False, tol=1e-14, max_iter=100_000)
    return np.array([lasso.fit(dictionary.T, x).coef_ for x in X])


# ------------------------------------------------------------------ against scikit-learn


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("alpha", [0.05, 0.3, 2.0])
def test_matches_sklearn_lasso(solver, alpha):
    X, dictionary = problem(K=15, D=30)
    codes = solver(X, dictionary, alpha, max_iter=50_000, tol=1e-13)
    assert np.max(np.abs(codes - lasso_reference(X, dictionary, alpha))) < 1e-6


@pytest.mark.parametrize("solver", SOLVERS)
def test_overcomplete_dictionary_matches_sklearn_lasso(solver):
    X, dictionary = problem(N=5, K=40, D=20, seed=1)
    codes = solver(X, dictionary, 0.5, max_iter=100_000, tol=1e-13)
    ref = lasso_reference(X, dictionary, 0.5)
    # the minimiser is unique here (general position); compare codes and objectives
    assert np.max(np.abs(codes - ref)) < 1e-6
    assert (
        lasso_objective(X, codes, dictionary, 0.5).sum()
        <= lasso_objective(X, ref, dictionary, 0.5).sum() + 1e-10
    )


@pytest.mark.parametrize("algorithm", ["ista", "fista"])
def test_sparse_encode_matches_sklearn_sparse_encode(algorithm):
    from sklearn.decomposition import sparse_encode as sk_sparse_encode

    X, dictionary = problem(N=6, K=10, D=25, seed=2)
    ref = sk_sparse_encode(X, dictionary, alpha=0.4, algorithm="lasso_cd", max_iter=100_000)
    codes = sparse_encode(X, dictionary, alpha=0.4, algorithm=algorithm, max_iter=50_000, tol=1e-13)
    # scikit-learn's coordinate descent stops at its default tol (1e-4 on the duality gap)
    assert np.max(np.abs(codes - ref)) < 1e-4
    assert np.max(np.abs(codes - lasso_reference(X, dictionary, 0.4))) < 1e-6


# ------------------------------------------------------------------ closed forms


def test_soft_threshold_is_the_prox_of_the_l1_norm():
    from scipy.optimize import minimize_scalar

    v = np.array([-3.0, -0.4, 0.0, 0.2, 0.7, 5.0])
    got = soft_threshold(v, 0.5)
    for vi, gi in zip(v, got):
        res = minimize_scalar(
            lambda u: 0.5 * (u - vi) ** 2 + 0.5 * abs(u),
            bounds=(-10, 10),
            method="bounded",
            options={"xatol": 1e-12},
        )
        assert gi == pytest.approx(res.x, abs=1e-6)
    assert np.array_equal(got[[1, 2, 3]], np.zeros(3))  # exact zeros, not just small


@pytest.mark.parametrize("solver", SOLVERS)
def test_orthonormal_dictionary_gives_soft_thresholded_correlations(solver):
    rng = np.random.default_rng(3)
    Q = np.linalg.qr(rng.normal(size=(12, 12)))[0]
    X = rng.normal(size=(9, 12))
    codes = solver(X, Q, 0.6, max_iter=100, tol=1e-14)
    assert np.allclose(codes, soft_threshold(X @ Q.T, 0.6), atol=1e-12)


@pytest.mark.parametrize("solver", SOLVERS)
def test_large_alpha_gives_zero_codes(solver):
    X, dictionary = problem(seed=4)
    alpha_max = np.abs(X @ dictionary.T).max()  # the smallest alpha with all-zero codes
    assert not np.any(solver(X, dictionary, alpha_max * 1.0001, max_iter=100))
    assert np.any(solver(X, dictionary, alpha_max * 0.9, max_iter=1000))


def test_lipschitz_constant_is_the_squared_spectral_norm():
    _, dictionary = problem(K=20, D=10, seed=5, unit=False)
    assert lipschitz_constant(dictionary) == pytest.approx(
        np.linalg.norm(dictionary, 2) ** 2, rel=1e-12
    )


# ------------------------------------------------------------------ convergence rates


def rate_problem():
    """Overcomplete, correlated atoms: not strongly convex, so ISTA is sublinear."""
    rng = np.random.default_rng(6)
    base = rng.normal(size=(1, 30))
    dictionary = base + 0.3 * rng.normal(size=(60, 30))
    dictionary /= np.linalg.norm(dictionary, axis=1, keepdims=True)
    X = rng.normal(size=(4, 30))
    return X, dictionary, 0.05


def test_fista_and_ista_obey_their_rate_bounds():
    """Beck & Teboulle (2009), thms 3.1 and 4.4: gap_k <= L R^2 / (2k) (ISTA), 2 L R^2 / (k+1)^2
    (FISTA).
    """
    X, dictionary, alpha = rate_problem()
    ref = lasso_reference(X, dictionary, alpha)
    f_star = lasso_objective(X, ref, dictionary, alpha).sum()
    L = lipschitz_constant(dictionary)
    R2 = np.sum(ref**2)  # ||c0 - c*||^2 with c0 = 0
    k = np.arange(1, 301)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, h_ista = ista(X, dictionary, alpha, max_iter=300, tol=0, return_history=True)
        _, h_fista = fista(X, dictionary, alpha, max_iter=300, tol=0, return_history=True)
    gap_ista, gap_fista = h_ista - f_star, h_fista - f_star
    assert np.all(gap_ista > -1e-7) and np.all(gap_fista > -1e-7)  # f_star is the minimum
    assert np.all(gap_ista <= L * R2 / (2 * k) + 1e-9)
    assert np.all(gap_fista <= 2 * L * R2 / (k + 1) ** 2 + 1e-9)
    # FISTA is much further along after 300 iterations on this problem (measured: 0.012x)
    assert gap_fista[-1] < 0.05 * gap_ista[-1]


def test_ista_objective_never_increases_and_fista_may():
    X, dictionary = problem(K=30, D=20, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        _, h_ista = ista(X, dictionary, 0.1, max_iter=300, tol=0, return_history=True)
        _, h_fista = fista(X, dictionary, 0.1, max_iter=300, tol=0, return_history=True)
    assert np.all(np.diff(h_ista) <= 1e-12 * np.abs(h_ista[:-1]))
    assert np.any(np.diff(h_fista) > 0)  # the ripples of momentum


def test_warm_start_and_warning():
    X, dictionary = problem(seed=7)
    codes = fista(X, dictionary, 0.3, max_iter=5000, tol=1e-12)
    again = fista(X, dictionary, 0.3, max_iter=3, tol=1e-10, init=codes)
    assert np.allclose(again, codes, atol=1e-9)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        ista(X, dictionary, 0.01, max_iter=2, tol=1e-12)


# ------------------------------------------------------------------ dictionary learning


def test_dictionary_update_is_exact_per_atom():
    """One atom in 2-D, all else fixed: compare with a search over the unit circle."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(50, 2))
    codes = rng.normal(size=(50, 1))
    d0 = np.array([[1.0, 0.0]])
    new = update_dictionary(X, codes, d0)
    theta = np.linspace(0, 2 * np.pi, 200_001)
    atoms = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    losses = [0.5 * np.sum((X - codes @ a[None]) ** 2) for a in atoms[::100]]
    best = atoms[::100][int(np.argmin(losses))]
    assert np.linalg.norm(new[0] - best) < 5e-3
    assert 0.5 * np.sum((X - codes @ new) ** 2) <= min(losses) + 1e-12


def test_dictionary_update_keeps_unit_norm_and_never_increases_the_objective():
    rng = np.random.default_rng(9)
    X = rng.normal(size=(40, 6))
    dictionary = rng.normal(size=(10, 6))
    dictionary /= np.linalg.norm(dictionary, axis=1, keepdims=True)
    codes = soft_threshold(rng.normal(size=(40, 10)), 0.8)
    codes[:, 3] = 0  # an unused atom is restarted, which cannot change the objective
    before = lasso_objective(X, codes, dictionary, 0.1).sum()
    new = update_dictionary(X, codes, dictionary, rng)
    assert np.allclose(np.linalg.norm(new, axis=1), 1.0)
    assert lasso_objective(X, codes, new, 0.1).sum() <= before
    assert not np.allclose(new[3], dictionary[3])


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), K=st.integers(1, 12), alpha=st.floats(0.01, 2.0))
def test_dictionary_learning_objective_never_increases(seed, K, alpha):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = DictionaryLearning(K, alpha=alpha, max_iter=15, random_state=seed).fit(X)
    h = model.history_
    assert np.all(np.diff(h) <= 1e-10 * np.abs(h[:-1]))
    assert np.allclose(np.linalg.norm(model.components_, axis=1), 1.0)


def test_dictionary_learning_recovers_a_planted_dictionary():
    rng = np.random.default_rng(10)
    K, D, N = 8, 16, 600
    true = rng.normal(size=(K, D))
    true /= np.linalg.norm(true, axis=1, keepdims=True)
    codes = rng.laplace(size=(N, K)) * (rng.uniform(size=(N, K)) < 0.25)
    X = codes @ true + 0.01 * rng.normal(size=(N, D))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = DictionaryLearning(K, alpha=0.2, max_iter=60, random_state=0).fit(X)
    assert model.converged_
    cos = np.abs(model.components_ @ true.T)  # up to sign and order
    assert cos.max(axis=0).min() > 0.98


def test_dictionary_learning_transform_matches_sklearn_sparse_encode():
    from sklearn.decomposition import sparse_encode as sk_sparse_encode

    rng = np.random.default_rng(11)
    X = rng.normal(size=(40, 8))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = DictionaryLearning(
            5, alpha=0.3, max_iter=10, transform_max_iter=20_000, random_state=0
        ).fit(X)
    codes = model.transform(X[:6])
    ref = sk_sparse_encode(
        X[:6], model.components_, alpha=0.3, algorithm="lasso_cd", max_iter=100_000
    )
    assert np.max(np.abs(codes - ref)) < 1e-4
    assert np.allclose(model.inverse_transform(codes), codes @ model.components_)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("solver", SOLVERS)
def test_coding_bad_input_raises(solver):
    X, dictionary = problem(seed=12)
    with pytest.raises(ValueError, match="features"):
        solver(X, dictionary[:, :-1], 0.1)
    with pytest.raises(ValueError, match="alpha"):
        solver(X, dictionary, -0.1)
    with pytest.raises(ValueError, match="init has shape"):
        solver(X, dictionary, 0.1, init=np.zeros((2, 2)))
    with pytest.raises(ValueError, match="all zeros"):
        solver(X, 0 * dictionary, 0.1)
    with pytest.raises(ValueError, match="2-D"):
        solver(X[0], dictionary, 0.1)
    with pytest.raises(ValueError, match="NaN"):
        solver(np.where(X > 1, np.nan, X), dictionary, 0.1)


def test_sparse_encode_bad_algorithm_raises():
    X, dictionary = problem(seed=13)
    with pytest.raises(ValueError, match="algorithm"):
        sparse_encode(X, dictionary, algorithm="lars")


def test_dictionary_learning_bad_input_raises():
    X = np.random.default_rng(14).normal(size=(5, 4))
    with pytest.raises(ValueError, match="cannot be represented in float64. Rescale"):
        DictionaryLearning(2).fit(X * 1e155)
    with pytest.raises(ValueError, match="alpha"):
        DictionaryLearning(2, alpha=-1).fit(X)
    with pytest.raises(ValueError, match="n_components"):
        DictionaryLearning(0).fit(X)
    model = DictionaryLearning(2, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    with pytest.raises(ValueError, match="features"):
        model.transform(X[:, :3])


# ------------------------------------------------------------------ image patches

PATCH_CASES = [((20, 17), 1), ((20, 17), 3), ((12, 12), 8), ((8, 8), 8), ((9, 30), 5)]


@pytest.mark.parametrize("shape, p", PATCH_CASES)
def test_extract_patches_matches_sklearn(shape, p):
    from sklearn.feature_extraction.image import extract_patches_2d

    image = np.random.default_rng(0).normal(size=shape)
    ours = extract_patches(image, p)
    ref = extract_patches_2d(image, (p, p))
    assert ours.shape == (ref.shape[0], p * p)
    np.testing.assert_array_equal(ours, ref.reshape(len(ref), -1))


@pytest.mark.parametrize("shape, p", PATCH_CASES)
def test_reconstruct_from_patches_matches_sklearn_exactly(shape, p):
    import sklearn
    from sklearn.feature_extraction.image import reconstruct_from_patches_2d

    rng = np.random.default_rng(1)
    image = rng.normal(size=shape)
    patches = extract_patches(image, p)
    # patches that no longer agree: a real average
    patches = patches + rng.normal(size=patches.shape)
    ours = reconstruct_from_patches(patches, shape, p)
    # The definition, by brute force: each pixel is the mean of the patch pixels that cover it.
    total, count = np.zeros(shape), np.zeros(shape)
    n_w = shape[1] - p + 1
    for k, patch in enumerate(patches.reshape(-1, p, p)):
        i, j = divmod(k, n_w)
        total[i : i + p, j : j + p] += patch
        count[i : i + p, j : j + p] += 1
    np.testing.assert_allclose(ours, total / count, rtol=1e-12, atol=1e-12)
    assert not np.allclose(ours, image)
    # scikit-learn before 1.9 divided by the wrong count where a patch is wider than half the
    # image (its min(i + 1, p, n - i) formula); compare with it only where its answer is right.
    sk_version = tuple(int(v) for v in sklearn.__version__.split(".")[:2])
    if sk_version >= (1, 9) or all(2 * p <= n + 1 for n in shape):
        ref = reconstruct_from_patches_2d(patches.reshape(-1, p, p), shape)
        np.testing.assert_array_equal(ours, ref)  # same sums in the same order: bit for bit


def test_strided_patches_are_the_subset_of_all_patches():
    image = np.random.default_rng(2).normal(size=(21, 13))
    everything = extract_patches(image, 5).reshape(17, 9, 25)
    np.testing.assert_array_equal(
        extract_patches(image, 5, step=4), everything[::4, ::4].reshape(-1, 25)
    )
    # row 1, column 2 of a 9 x 5 grid
    np.testing.assert_array_equal(extract_patches(image, 5, step=2)[7], image[2:7, 4:9].ravel())


@pytest.mark.parametrize("step", [1, 2, 4, 8])
def test_patches_round_trip(step):
    image = np.random.default_rng(3).normal(size=(24, 32))
    patches = extract_patches(image, 8, step=step)
    assert patches.shape == ((16 // step + 1) * (24 // step + 1), 64)
    np.testing.assert_allclose(
        reconstruct_from_patches(patches, image.shape, 8, step=step), image, rtol=0, atol=1e-12
    )


def test_reconstruct_averages_overlapping_patches():
    # a 3 x 3 image, 2 x 2 patches, each patch constant = its index: each pixel is the mean of the
    # indices of the patches that cover it
    patches = np.repeat(np.arange(4.0)[:, None], 4, axis=1)
    expected = np.array([[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]])
    np.testing.assert_array_equal(reconstruct_from_patches(patches, (3, 3), 2), expected)


def test_patches_bad_input_raises():
    image = np.zeros((10, 12))
    with pytest.raises(ValueError, match="larger than the image"):
        extract_patches(image, 11)
    with pytest.raises(ValueError, match="patch_size must be an integer"):
        extract_patches(image, 0)
    with pytest.raises(ValueError, match="step must be an integer"):
        extract_patches(image, 3, step=0)
    with pytest.raises(ValueError, match="2-D"):
        extract_patches(np.zeros((4, 4, 3)), 2)
    with pytest.raises(ValueError, match="NaN"):
        extract_patches(np.full((4, 4), np.nan), 2)
    with pytest.raises(ValueError, match="2-D"):
        reconstruct_from_patches(np.zeros((9, 4)), (4, 4, 3), 2)
    with pytest.raises(ValueError, match="expected"):
        reconstruct_from_patches(np.zeros((8, 9)), (10, 12), 3)
    with pytest.raises(ValueError, match="do not cover"):
        reconstruct_from_patches(extract_patches(image, 3, step=2), image.shape, 3, step=2)
    with pytest.raises(ValueError, match="larger than the image"):
        reconstruct_from_patches(np.zeros((1, 121)), (10, 12), 11)


# ------------------------------------------------------------------ l0 codes: OMP

from itertools import combinations  # noqa: E402

from sklearn.linear_model import orthogonal_mp  # noqa: E402

from lvmteach.sparse import orthogonal_matching_pursuit  # noqa: E402


def _unit_atoms(K, D, seed):
    atoms = np.random.default_rng(seed).normal(size=(K, D))
    return atoms / np.linalg.norm(atoms, axis=1, keepdims=True)


@pytest.mark.parametrize(
    "kwargs", [{"n_nonzero_coefs": 1}, {"n_nonzero_coefs": 6}, {"tol": 1.5}, {}]
)
@pytest.mark.parametrize("seed", [0, 1])
def test_omp_matches_sklearn_orthogonal_mp(kwargs, seed):
    atoms = _unit_atoms(40, 16, seed)
    X = np.random.default_rng(seed + 10).normal(size=(9, 16))
    ours = orthogonal_matching_pursuit(X, atoms, **kwargs)
    reference = orthogonal_mp(atoms.T, X.T, **kwargs).T
    np.testing.assert_allclose(ours, reference, atol=1e-10)


def test_omp_residual_is_orthogonal_to_the_chosen_atoms_and_meets_tol():
    atoms = _unit_atoms(30, 12, 2)
    X = np.random.default_rng(3).normal(size=(5, 12))
    codes = orthogonal_matching_pursuit(X, atoms, tol=0.5)
    for x, c in zip(X, codes):
        support = np.flatnonzero(c)
        residual = x - c @ atoms
        assert residual @ residual <= 0.5
        assert np.abs(atoms[support] @ residual).max() < 1e-10  # least squares on the support


def test_omp_recovers_a_sparse_code_that_brute_force_confirms():
    # Incoherent atoms and a 3-sparse noiseless signal: OMP finds the support, and brute force
    # over all 3-subsets confirms that no other support fits as well.
    atoms = _unit_atoms(20, 15, 4)
    c_true = np.zeros(20)
    c_true[[2, 9, 14]] = [1.5, -2.0, 1.0]
    x = c_true @ atoms
    codes = orthogonal_matching_pursuit(x[None], atoms, n_nonzero_coefs=3)[0]
    np.testing.assert_allclose(codes, c_true, atol=1e-10)
    best = min(combinations(range(20), 3),
               key=lambda S: np.linalg.lstsq(atoms[list(S)].T, x, rcond=None)[1].sum())  # fmt: skip
    assert set(best) == {2, 9, 14}


def test_omp_refuses_too_many_atoms():
    with pytest.raises(ValueError, match="n_nonzero_coefs"):
        orthogonal_matching_pursuit(np.ones((2, 4)), _unit_atoms(10, 4, 0), n_nonzero_coefs=5)

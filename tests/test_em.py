"""The shared EM driver: stopping, restarts, warnings and the monotonicity check."""

import warnings

import numpy as np
import pytest

from lvmteach.base import BaseEstimator
from lvmteach.em import EMMixin, fit_em, strict_monotonicity
from lvmteach.exceptions import ConvergenceWarning, ObjectiveDecreasedError


class Toy(EMMixin, BaseEstimator):
    """A fake 'EM' whose objective follows a script: lets us test the driver alone."""

    def __init__(self, script=(1.0, 2.0, 2.5, 2.5), max_iter=10, tol=1e-3, n_init=1, random_state=0):
        self.script = script
        self.max_iter = max_iter
        self.tol = tol
        self.n_init = n_init
        self.random_state = random_state

    def _initialize(self, X, rng):
        self.t_ = 0
        self.offset_ = rng.uniform()  # each restart has its own level

    def _e_step(self, X):
        value = self.script[min(self.t_, len(self.script) - 1)] + self.offset_
        return value, None

    def _m_step(self, X, stats):
        self.t_ += 1

    def _get_parameters(self):
        return (self.t_, self.offset_)

    def _set_parameters(self, params):
        self.t_, self.offset_ = params

    def fit(self, X):
        return fit_em(self, X)


def test_stops_when_change_below_tol_and_records_history():
    toy = Toy().fit(None)
    assert toy.converged_ and toy.n_iter_ == 4
    np.testing.assert_allclose(toy.history_ - toy.offset_, [1.0, 2.0, 2.5, 2.5])
    assert toy.lower_bound_ == toy.history_[-1]


def test_tol_zero_runs_exactly_max_iter_and_warns():
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=6"):
        toy = Toy(tol=0.0, max_iter=6).fit(None)
    assert toy.n_iter_ == 6 and not toy.converged_


def test_keeps_the_best_of_n_init_restarts():
    rng = np.random.default_rng(5)
    offsets = rng.uniform(size=7)
    toy = Toy(n_init=7, random_state=5).fit(None)
    assert toy.offset_ == offsets.max()
    assert toy.lower_bound_ == pytest.approx(2.5 + offsets.max())


def test_monotonicity_check_raises_only_in_checking_mode():
    script = (1.0, 2.0, 1.5, 1.5)  # a decrease: some E- or M-step is wrong
    Toy(script=script).fit(None)  # unchecked: runs
    with strict_monotonicity():
        with pytest.raises(ObjectiveDecreasedError, match=r"decreased by 0\.5 \(from 2\.6\d+ to 2\.1\d+\) at iteration 3"):
            Toy(script=script).fit(None)


def test_monotonicity_check_tolerates_round_off():
    with strict_monotonicity():
        Toy(script=(1.0, 2.0, 2.0 - 1e-13, 2.0 - 1e-13)).fit(None)


@pytest.mark.parametrize("name, value", [("max_iter", 0), ("n_init", 0), ("tol", -1.0)])
def test_bad_loop_parameters_raise(name, value):
    with pytest.raises(ValueError, match=name):
        Toy(**{name: value}).fit(None)


def test_no_warning_when_converged():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Toy().fit(None)

"""The log-domain exercise check (lvm-ex-3) accepts correct answers and
rejects broken ones."""

import numpy as np
import pytest
from scipy.special import logsumexp as scipy_logsumexp

from lvmteach import numerics
from lvmteach.checks.numerics import check_logsumexp


def test_check_accepts_the_package_function():
    assert check_logsumexp(numerics.logsumexp, verbose=False)


def test_check_accepts_scipy():
    assert check_logsumexp(
        lambda a, axis: scipy_logsumexp(a, axis=axis), verbose=False
    )


def test_check_prints_a_message(capsys):
    check_logsumexp(numerics.logsumexp)
    assert "all 7 cases pass" in capsys.readouterr().out


def keepdims_kept(a, axis):
    return np.expand_dims(numerics.logsumexp(a, axis), axis)


def wrong_axis(a, axis):
    return numerics.logsumexp(a, 0 if axis != 0 else -1)


def max_only(a, axis):  # the max-approximation, not the log-sum-exp
    return np.max(a, axis=axis)


@pytest.mark.parametrize("broken", [keepdims_kept, wrong_axis, max_only])
def test_check_rejects_broken(broken):
    assert not check_logsumexp(broken, verbose=False)


def test_stub_is_reported_as_not_implemented():
    def stub(a, axis):
        raise NotImplementedError

    result = check_logsumexp(stub, verbose=False)
    assert "not implemented yet" in result.message

"""The printing helpers that keep stored outputs machine-independent."""

import numpy as np
import pytest

from lvmteach.report import agree, fmt, rounded, seed_summary


def test_rounded_clears_signed_zeros():
    out = rounded(np.array([-1e-17, -0.0, 0.12344, -0.00004]), 4)
    assert "-0." not in np.array2string(out)
    assert not np.signbit(out[:2]).any() and not np.signbit(out[3])
    assert rounded(-0.0) == 0.0 and not np.signbit(rounded(-0.0))


def test_fmt_never_prints_negative_zero():
    assert fmt(-1e-17) == "0.0000"
    assert fmt(-0.00004, 4) == "0.0000"
    assert fmt(-1.23456, 2) == "-1.23"


def test_agree_prints_the_bound_not_the_difference(capsys):
    agree(np.ones(3), np.ones(3) + 1e-15, 1e-10, what="ours - sklearn")
    assert capsys.readouterr().out == "max |ours - sklearn| < 1e-10\n"


@pytest.mark.parametrize("ours", [np.array([1.0, 2.0 + 1e-6]), np.array([1.0, np.nan])])
def test_agree_fails_above_the_bound_or_on_nan(ours):
    with pytest.raises(AssertionError, match="not below 1e-10"):
        agree(ours, np.array([1.0, 2.0]), 1e-10)


def test_agree_relative_divides_by_the_reference_scale(capsys):
    agree([1000.0], [1000.0 + 1e-6], 1e-8, relative=True)
    assert "/ max |reference| < 1e-08" in capsys.readouterr().out
    with pytest.raises(AssertionError):
        agree([1000.0], [1000.0 + 1e-6], 1e-10, relative=True)


def test_agree_rejects_shape_mismatch():
    with pytest.raises(AssertionError, match="shapes differ"):
        agree(np.ones(3), np.ones(4), 1.0)


def test_seed_summary_reports_mean_spread_and_range():
    text = seed_summary([1.0, 2.0, 3.0], decimals=1, what="log-lik")
    assert text == "log-lik: 2.0 ± 1.0 (min 1.0, max 3.0) over 3 seeds"

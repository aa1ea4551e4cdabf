"""Hypothesis settings for the whole suite.

By default (the ``ci`` profile) every property test draws the same examples on every run
(``derandomize``): ``make test`` is reproducible, so a red CI always means a change, never the
luck of the draw. ``make fuzz`` (profile ``explore``) draws fresh random examples on every run,
to look for new counterexamples; each one found becomes an explicit regression test.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

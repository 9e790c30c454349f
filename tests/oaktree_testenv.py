# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""The one accessor of what `make check` hands the tests (the OAKTREE_*
variables of Makefile.am's AM_TESTS_ENVIRONMENT) and of the languages list.
A skip says why; conftest.py turns every skip into a failure under CI=true."""

import os

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("OAKTREE_SRCDIR") or os.path.dirname(TESTS)
VECTORS = os.path.join(SRCDIR, "tests", "vectors")


# Lines a passing test wants in the run's log (counts, times), printed at the
# end by conftest.py's terminal summary (a passing test's output is hidden).
SUMMARY = []


def summary(line):
    SUMMARY.append(line)


def env(name):
    """The value of OAKTREE_* variable `name`; a failure when it is not set."""
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the tests through `make check` (tests/checks/pytest)")
    return value


def languages():
    """The supported languages, in the order of tests/languages.txt."""
    with open(os.path.join(TESTS, "languages.txt"), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def program(lang, name):
    """Path of a test program of `lang` in the build tree (interop-server,
    interop-client, vector-check); a skip with configure's reason when the
    language is disabled."""
    reason = os.environ.get("OAKTREE_SKIP_" + lang.upper())
    if reason is None:
        pytest.fail(f"OAKTREE_SKIP_{lang.upper()} is not set: {lang}/include.am must export it")
    if reason:
        pytest.skip(f"{lang} is disabled: {reason}")
    path = os.path.join(env("OAKTREE_BUILDDIR"), lang, name)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: make check builds it ({lang}/include.am)")
    return path


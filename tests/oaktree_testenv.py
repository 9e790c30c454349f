# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Paths and tools that `make check` hands to pytest (see the Makefile's
check-local), with a skip that says why when something is absent."""

import os
import shutil
import sys

import pytest

TESTS = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("OAKTREE_SRCDIR") or os.path.dirname(TESTS)
VECTORS = os.path.join(SRCDIR, "tests", "vectors")


def skip(reason):
    """Skip saying why; on CI (CI=true) a skip is a failure: CI runs everything."""
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true refuses to skip: " + reason)
    pytest.skip(reason)


def env(name, why):
    """The value of env var `name`, or a skip that names it and says why."""
    value = os.environ.get(name, "")
    if not value:
        skip("%s is not set: %s (run through `make check`)" % (name, why))
    return value


def go_binary():
    value = os.environ.get("OAKTREE_GO")
    if value is None:  # run by hand, outside make: use go from PATH
        value = shutil.which("go") or ""
    if not value:
        skip("Go is absent: %s" % (os.environ.get("OAKTREE_GO_SKIP_REASON")
                                   or "OAKTREE_GO is empty"))
    return value


def python_env():
    """Environment for a child Python that imports the generated package."""
    e = dict(os.environ)
    pp = env("OAKTREE_PYTHONPATH", "the generated oaktreemodel package is needed")
    e["PYTHONPATH"] = pp + os.pathsep + e.get("PYTHONPATH", "")
    return e


def first_byte_difference(expected, got):
    """'at byte N: expected ab cd.., got ab ce..' for two byte strings."""
    n = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b),
             min(len(expected), len(got)))
    return "at byte %d of %d/%d: expected %s, got %s" % (
        n, len(expected), len(got), expected[n:n + 8].hex(" ") or "<end>",
        got[n:n + 8].hex(" ") or "<end>")


PYTHON = sys.executable

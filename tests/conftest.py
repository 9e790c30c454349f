"""Shared fixtures: where make check put things (OAKTREE_* variables set by
Makefile.am's AM_TESTS_ENVIRONMENT), and a scratch copy of the source tree
configured out of tree, for tests that must run make on broken input."""

import os
import shutil
import subprocess

import pytest


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the tests through `make check` (tests/checks/pytest)")
    return value


@pytest.fixture(scope="session")
def srcdir():
    return _env("OAKTREE_SRCDIR")


@pytest.fixture(scope="session")
def builddir():
    return _env("OAKTREE_BUILDDIR")


@pytest.fixture(scope="session")
def version():
    return _env("OAKTREE_VERSION")


@pytest.fixture(scope="session")
def wheel():
    return _env("OAKTREE_WHEEL")


@pytest.fixture(scope="session")
def descriptor_set():
    return _env("OAKTREE_DESCRIPTOR_SET")


@pytest.fixture(scope="session")
def python():
    return _env("PYTHON")


# Build products and caches that must not follow the sources into a scratch
# copy (an in-tree build leaves them in the source folder).
_NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "gen", "dist", "autom4te.cache", "__pycache__", ".pytest_cache",
    "*.o", "*.lo", "*.la", ".libs", ".deps", "Makefile", "config.status", "config.log",
    "libtool", "oaktreemodel.pc", "*.log", "*.trs", "*.tar.*", "oaktreemodel-*")


class ScratchBuild:
    """A writable copy of the source tree plus an out-of-tree build of it."""

    def __init__(self, root, srcdir, python):
        self.src = os.path.join(root, "src")
        self.build = os.path.join(root, "build")
        shutil.copytree(srcdir, self.src, ignore=_NOT_SOURCES)
        for d, _dirs, names in os.walk(self.src):  # distcheck's tree is read-only
            os.chmod(d, 0o755)
            for n in names:
                p = os.path.join(d, n)
                os.chmod(p, os.stat(p).st_mode | 0o200)
        os.makedirs(self.build)
        self.python = python

    def configure(self, *args):
        subprocess.run([os.path.join(self.src, "configure"), "-q", f"PYTHON={self.python}",
                        "--without-go", *args], cwd=self.build, check=True)

    def make(self, *targets, check=True):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
        proc = subprocess.run(["make", *targets], cwd=self.build, env=env,
                              capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"make {' '.join(targets)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def proto(self, name):
        return os.path.join(self.src, "oaktree", "v1", name)


@pytest.fixture
def scratch(tmp_path, srcdir, python):
    return ScratchBuild(str(tmp_path), srcdir, python)

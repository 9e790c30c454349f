# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Fixtures shared by every test: where make check put things, running
interop servers, a scratch copy of the source tree configured out of tree;
and the one rule that a skip under CI=true is a failure."""

import os
import re
import select
import shutil
import subprocess

import pytest

import oaktree_testenv as te

TOKEN = "interop-token-7f3a"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true every skip, whatever raised it, fails: CI runs everything."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true refuses to skip: {reason}"


# What distcheck's make check leaves to the main one (Makefile.am says why).
_FULL_SCOPE_ONLY = ("test_generation.py", "test_configure.py", "test_reproducible.py",
                    "test_differential.py", "test_sanitizers.py")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("OAKTREE_CHECK_SCOPE") != "dist":
        return
    keep, drop = [], []
    for item in items:
        params = item.callspec.params if hasattr(item, "callspec") else {}
        if item.fspath.basename in _FULL_SCOPE_ONLY:
            light = False
        elif "server" in params and "client" in params:
            light = "python" in (params["server"], params["client"]) or params["server"] == params["client"]
        else:
            light = True
        (keep if light else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
        print(f"\nOAKTREE_CHECK_SCOPE=dist: {len(drop)} tests left to the main make check")


@pytest.fixture(scope="session")
def srcdir():
    return te.env("OAKTREE_SRCDIR")


@pytest.fixture(scope="session")
def builddir():
    return te.env("OAKTREE_BUILDDIR")


@pytest.fixture(scope="session")
def version():
    return te.env("OAKTREE_VERSION")


@pytest.fixture(scope="session")
def wheel():
    return te.env("OAKTREE_WHEEL")


@pytest.fixture(scope="session")
def descriptor_set():
    return te.env("OAKTREE_DESCRIPTOR_SET")


@pytest.fixture(scope="session")
def python():
    return te.env("PYTHON")


# --- interop servers ------------------------------------------------------------

def interop_cases():
    """The case names, in order, from the one table of tests/interop/README.rst
    (first column of the rows between its second and third rule)."""
    with open(os.path.join(te.TESTS, "interop", "README.rst"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    rules = [i for i, line in enumerate(lines) if re.fullmatch(r"=+  =+", line)]
    if len(rules) != 3:
        pytest.fail("tests/interop/README.rst: expected one table with 3 rules, found %d" % len(rules))
    return [line.split()[0] for line in lines[rules[1] + 1:rules[2]] if line and not line[0].isspace()]


class RunningServer:
    """<lang>/interop-server on 127.0.0.1; output goes to a file (never a full pipe)."""

    def __init__(self, lang, logdir, tls_dir):
        self.lang = lang
        self.log = os.path.join(logdir, f"{lang}-server.log")
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([te.program(lang, "interop-server"), "--token", TOKEN,
                                          "--tls-dir", tls_dir],
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=log, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else ""
        ports = re.fullmatch(r"PORT=(\d+) TLS_PORT=(\d+) MTLS_PORT=(\d+)", line.strip())
        if not ports:
            self.stop()
            pytest.fail(f"{lang}/interop-server --tls-dir did not print PORT=<n> TLS_PORT=<t> "
                        f"MTLS_PORT=<m> within 60 s (got {line!r}): " + self.tail())
        self.proc.stdout.close()  # nothing more is read; the server must not block on it
        self.target, self.tls_target, self.mtls_target = ("127.0.0.1:" + p for p in ports.groups())

    def tail(self):
        with open(self.log, errors="replace") as f:
            return f.read()[-2000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Servers:
    """One server per language, started on first use, stopped at session end."""

    def __init__(self, logdir, tls_dir):
        self.logdir = logdir
        self.tls_dir = tls_dir
        self.running = {}

    def get(self, lang):
        if lang not in self.running:
            self.running[lang] = RunningServer(lang, self.logdir, self.tls_dir)
        return self.running[lang]


@pytest.fixture(scope="session")
def tls_dir(tmp_path_factory):
    """The interop TLS material, made now by tests/interop/make_test_ca.sh."""
    d = str(tmp_path_factory.mktemp("interop-tls"))
    subprocess.run(["sh", os.path.join(te.TESTS, "interop", "make_test_ca.sh"), d],
                   check=True, timeout=60)
    return d


@pytest.fixture(scope="session")
def servers(tmp_path_factory, tls_dir):
    s = Servers(str(tmp_path_factory.mktemp("interop-servers")), tls_dir)
    yield s
    for server in s.running.values():
        server.stop()


# --- a scratch copy of the source tree ---------------------------------------------

# Build products and caches that must not follow the sources into a scratch
# copy (an in-tree build leaves them in the source folder).
_NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "gen", "dist", "autom4te.cache", "__pycache__", ".pytest_cache",
    "node_modules", "target", "*.o", "*.lo", "*.la", ".libs", ".deps", "Makefile", "config.status",
    "config.log", "libtool", "oaktreemodel.pc", "*.log", "*.trs", "*.tar.*", "oaktreemodel-*")


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
                        "--without-go", "--without-js", "--without-java", "--without-rust",
                        "--without-ruby", *args], cwd=self.build, check=True, timeout=300)

    def make(self, *targets, check=True, timeout=900):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
        proc = subprocess.run(["make", *targets], cwd=self.build, env=env,
                              capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError(f"make {' '.join(targets)} failed:\n{proc.stdout}\n{proc.stderr}")
        return proc

    def proto(self, name):
        return os.path.join(self.src, "oaktree", "v1", name)


@pytest.fixture
def scratch(tmp_path, srcdir, python):
    return ScratchBuild(str(tmp_path), srcdir, python)


def pytest_terminal_summary(terminalreporter):
    if te.SUMMARY:
        terminalreporter.section("measured by the tests")
        for line in te.SUMMARY:
            terminalreporter.write_line(line)

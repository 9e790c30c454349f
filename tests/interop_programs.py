# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Finds or builds the interop test servers and clients of each language and
starts servers on 127.0.0.1 (shared by test_interop.py and test_consumers.py)."""

import os
import select
import subprocess
import sys

import pytest

import oaktree_testenv as te

LANGUAGES = ["go", "cpp", "python"]
TOKEN = "interop-token-7f3a"
INTEROP = os.path.join(te.TESTS, "interop")


class Programs:
    """Command lines (and environments) of each language's server and client."""

    def __init__(self, tmpdir):
        self.tmpdir = tmpdir
        self.built = {}

    def commands(self, lang):
        """(server argv, client argv, env) for lang; skips with the reason."""
        if lang not in self.built:
            self.built[lang] = getattr(self, "_" + lang)()
        return self.built[lang]

    def _python(self):
        return ([sys.executable, os.path.join(INTEROP, "py_server.py")],
                [sys.executable, os.path.join(INTEROP, "py_client.py")], te.python_env())

    def _cpp(self):
        bindir = te.env("OAKTREE_CXX_BINDIR", "the C++ interop programs are built by make check")
        progs = [os.path.join(bindir, p) for p in ("interop_server", "interop_client")]
        for p in progs:
            if not os.access(p, os.X_OK):
                pytest.fail("%s is missing: make check builds it (check_PROGRAMS)" % p)
        return [progs[0]], [progs[1]], None

    def _go(self):
        go = te.go_binary()
        out = []
        for prog in ("server", "client"):
            exe = os.path.join(self.tmpdir, "go_interop_" + prog)
            p = subprocess.run([go, "build", "-o", exe, "./internal/interop/" + prog],
                               cwd=os.path.join(te.SRCDIR, "golang"),
                               capture_output=True, text=True, timeout=600)
            if p.returncode:
                pytest.fail("go build of internal/interop/%s failed:\n%s" % (prog, p.stderr))
            out.append([exe])
        return out[0], out[1], None


class RunningServer:
    def __init__(self, argv, env, name):
        self.name = name
        self.proc = subprocess.Popen(argv + ["--token", TOKEN], env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # bounded wait for "PORT=<n>" on its first line
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("PORT="):
            self.stop()
            pytest.fail("%s server did not print PORT=<n> (got %r): %s"
                        % (name, line, self.proc.stderr.read()[-2000:]))
        self.target = "127.0.0.1:" + line.strip()[len("PORT="):]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Servers:
    """Started on first use, one per language, stopped at the end of the session."""

    def __init__(self, programs):
        self.programs = programs
        self.running = {}

    def get(self, lang):
        if lang not in self.running:
            argv, _, env = self.programs.commands(lang)
            self.running[lang] = RunningServer(argv, env, lang)
        return self.running[lang]

    def stop_all(self):
        for s in self.running.values():
            s.stop()


# One instance per pytest session even though several test modules import the
# fixtures (each import is its own fixture definition): servers start once.
_shared = {}


@pytest.fixture(scope="session")
def programs(tmp_path_factory):
    if "programs" not in _shared:
        _shared["programs"] = Programs(str(tmp_path_factory.mktemp("interop-bin")))
    return _shared["programs"]


@pytest.fixture(scope="session")
def servers(programs):
    if "servers" not in _shared:
        _shared["servers"] = Servers(programs)
    yield _shared["servers"]
    _shared["servers"].stop_all()  # idempotent; every definition's teardown may call it

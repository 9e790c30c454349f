# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""The libraries as users meet them, each talking to an interop test server:
a Go module outside golang/, a C++ program built from the installed tree via
pkg-config, and the wheel installed in a fresh virtualenv."""

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # our helpers

import oaktree_testenv as te
from tools.verify import check_install_tree  # noqa: E402  (the staging-root .pc relocation)
from interop_programs import INTEROP, TOKEN, programs, servers  # noqa: F401 (fixtures)


def run(argv, what, **kw):
    """Run a step; on failure say which step and show its output."""
    kw.setdefault("timeout", 900)
    p = subprocess.run(argv, capture_output=True, text=True, **kw)
    assert p.returncode == 0, "%s failed (exit %d): %s\n%s\n%s" % (
        what, p.returncode, " ".join(map(shlex.quote, argv)), p.stdout[-3000:], p.stderr[-3000:])
    return p.stdout


def test_go_module_consumer(tmp_path, servers):  # noqa: F811
    go = te.go_binary()
    golang = os.path.join(te.SRCDIR, "golang")
    mod = tmp_path / "consumer"
    mod.mkdir()
    shutil.copy(os.path.join(te.SRCDIR, "tests", "consumers", "go", "main.go"), mod / "main.go")
    go_line = re.search(r"^go \S+$", open(os.path.join(golang, "go.mod")).read(), re.M)
    (mod / "go.mod").write_text(
        "module example.com/oaktreeconsumer\n\n%s\n\n"
        "require opendev.org/openstack/oaktreemodel/golang v0.0.0\n\n"
        "replace opendev.org/openstack/oaktreemodel/golang => %s\n"
        % (go_line.group(0) if go_line else "go 1.22", golang))
    if os.path.exists(os.path.join(golang, "go.sum")):
        shutil.copy(os.path.join(golang, "go.sum"), mod / "go.sum")
    env = dict(os.environ, GOFLAGS="-mod=mod")
    run([go, "mod", "tidy"], "go mod tidy of the consumer module", cwd=mod, env=env)
    run([go, "build", "-o", str(tmp_path / "consumer-bin"), "."], "go build of the consumer",
        cwd=mod, env=env)
    out = run([str(tmp_path / "consumer-bin"), "--target", servers.get("python").target,
               "--token", TOKEN], "the Go consumer against the Python server")
    assert "go consumer: ok" in out


def installed_tree(tmp_path):
    """DESTDIR tree of `make install` (or OAKTREE_INSTALL_TREE when given)."""
    given = os.environ.get("OAKTREE_INSTALL_TREE")
    if given:
        return given
    builddir = te.env("OAKTREE_BUILDDIR", "the C++ consumer needs `make install`")
    dest = str(tmp_path / "destdir")
    run([os.environ.get("MAKE", "make"), "-C", builddir, "install", "DESTDIR=" + dest],
        "make install DESTDIR=" + dest)
    return dest


def test_cpp_pkg_config_consumer(tmp_path, servers):  # noqa: F811
    dest = installed_tree(tmp_path)
    pcs = glob.glob(os.path.join(dest, "**", "pkgconfig", "oaktreemodel.pc"), recursive=True)
    assert pcs, "make install put no oaktreemodel.pc under %s" % dest
    libdir = os.path.dirname(os.path.dirname(pcs[0]))
    env = dict(os.environ, PKG_CONFIG_PATH=check_install_tree.relocated_pc_dir(pcs[0], dest, str(tmp_path)))
    flags = run(["pkg-config", "--cflags", "--libs", "oaktreemodel"],
                "pkg-config oaktreemodel (prefix moved into DESTDIR)", env=env)
    exe = str(tmp_path / "interop_consumer")
    src = os.path.join(te.SRCDIR, "cpp", "consumer", "interop_consumer.cc")
    run([os.environ.get("CXX", "g++"), "-std=c++17", src, "-o", exe] + shlex.split(flags),
        "compiling the C++ consumer with only the pkg-config flags (%s)" % flags.strip())
    out = run([exe, servers.get("python").target, TOKEN], "the C++ consumer against the Python server",
              env=dict(os.environ, LD_LIBRARY_PATH=libdir))
    assert "cpp consumer: ok" in out


def test_wheel_in_fresh_venv(tmp_path, servers, programs):  # noqa: F811
    wheel = te.env("OAKTREE_WHEEL", "the wheel is built by make")
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], "python -m venv")
    py = str(venv / "bin" / "python")
    run([py, "-m", "pip", "install", "--quiet", wheel], "pip install " + wheel)
    # a server of another language: Go when there is Go, else C++
    lang = "go" if (os.environ.get("OAKTREE_GO", shutil.which("go") or "")) else "cpp"
    target = servers.get(lang).target
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # only the wheel
    p = subprocess.run([py, os.path.join(INTEROP, "py_client.py"), "--target", target,
                        "--token", TOKEN, "--case", "all"], cwd=str(tmp_path), env=env,
                       capture_output=True, text=True, timeout=600)
    bad = [line for line in p.stdout.splitlines() if '"ok": true' not in line]
    assert p.returncode == 0 and not bad, "wheel client against the %s server: %s %s" % (
        lang, "\n".join(bad), p.stderr[-2000:])

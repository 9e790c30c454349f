"""configure refuses a toolchain that cannot work, and says what to install."""

import os
import re
import stat
import subprocess

import pytest


def configure(scratch, *args):
    return subprocess.run([f"{scratch.src}/configure", "--without-go", *args],
                          cwd=scratch.build, capture_output=True, text=True, timeout=300)


def test_protoc_that_does_not_match_libprotobuf_is_refused(scratch, tmp_path, python):
    fake = tmp_path / "protoc"
    fake.write_text('#!/bin/sh\necho "libprotoc 3.99.0"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    version = subprocess.run(["pkg-config", "--modversion", "protobuf"],
                             capture_output=True, text=True, check=True, timeout=300).stdout.strip()
    proc = configure(scratch, f"PYTHON={python}", f"PROTOC={fake}")
    assert proc.returncode != 0
    err = proc.stderr
    assert "3.99.0" in err and version in err, err  # names both versions


def test_python_without_the_pinned_grpcio_tools_is_refused(scratch, tmp_path):
    # A fresh venv has none of requirements.txt.
    venv = tmp_path / "bare"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True, timeout=300)
    proc = configure(scratch, f"PYTHON={venv}/bin/python")
    assert proc.returncode != 0
    assert "grpcio-tools==" in proc.stderr and "PyPI package grpcio-tools" in proc.stderr, proc.stderr


def test_missing_python_generator_is_refused(scratch, tmp_path, python):
    # The wheel's modules come from python/requirements-gen.txt's grpcio-tools,
    # installed apart from $PYTHON's own (python/configure.m4).
    proc = configure(scratch, f"PYTHON={python}", f"OAKTREE_PYGEN={tmp_path}/none")
    assert proc.returncode != 0
    err = proc.stderr
    assert f"{tmp_path}/none lacks grpcio-tools==" in err and "requirements-gen.txt" in err, err


def test_summary_lists_what_was_found(scratch, python):
    proc = configure(scratch, f"PYTHON={python}")
    assert proc.returncode == 0, proc.stderr
    for line in ("protoc (C++):", "libprotobuf:", "grpc++:", "grpcio-tools:", "buf:", "Go:",
                 "Python modules:", "Python stubs:", "mypy:", "wheelhouse:"):
        assert line in proc.stdout, f"configure summary lacks {line!r}"
    assert "configured --without-go" in proc.stdout


def test_without_pytest_and_buf_configure_succeeds_and_their_checks_skip(scratch, tmp_path, python):
    """`./configure && make && make install` needs no test toolchain: a Python
    where pytest cannot be imported and no buf beside it or on PATH."""
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "pytest.py").write_text('raise ImportError("hidden by the test")\n')
    wrapper = tmp_path / "bin" / "python"  # buf is looked for beside $PYTHON
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH={hide}${{PYTHONPATH:+:$PYTHONPATH}} exec {python} "$@"\n')
    wrapper.chmod(0o755)
    path = ":".join(p for p in os.environ["PATH"].split(":")
                    if not os.path.exists(os.path.join(p, "buf")))
    venv = os.path.dirname(os.path.dirname(python))  # the generators stay where setup.sh put them
    tools = [f"OAKTREE_PYGEN={venv}/oaktree-pygen", f"OAKTREE_WHEELHOUSE={venv}/oaktree-wheelhouse",
             f"PROTOC_GEN_MYPY={venv}/bin/protoc-gen-mypy", f"PROTOC_GEN_MYPY_GRPC={venv}/bin/protoc-gen-mypy_grpc"]
    proc = subprocess.run([f"{scratch.src}/configure", "--without-go", f"PYTHON={wrapper}", *tools],
                          cwd=scratch.build, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PATH=path))
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"pytest: +no \(PyPI package pytest", proc.stdout), proc.stdout
    assert re.search(r"buf: +no \(PyPI package buf-bin", proc.stdout), proc.stdout
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(OAKTREE_SRCDIR=scratch.src, PYTHON=str(wrapper), OAKTREE_BUF="")
    for check, reason in (("pytest", "pytest is not installed"), ("buf-lint", "buf not found")):
        p = subprocess.run(["sh", os.path.join(scratch.src, "tests", "checks", check)],
                           capture_output=True, text=True, timeout=60, env=env)
        assert p.returncode == 77 and reason in p.stdout, (check, p.returncode, p.stdout, p.stderr)

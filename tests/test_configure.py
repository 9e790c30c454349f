"""configure refuses a toolchain that cannot work, and says what to install."""

import stat
import subprocess

import pytest


def configure(scratch, *args):
    return subprocess.run([f"{scratch.src}/configure", "--without-go", *args],
                          cwd=scratch.build, capture_output=True, text=True)


def test_protoc_that_does_not_match_libprotobuf_is_refused(scratch, tmp_path, python):
    fake = tmp_path / "protoc"
    fake.write_text('#!/bin/sh\necho "libprotoc 3.99.0"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    version = subprocess.run(["pkg-config", "--modversion", "protobuf"],
                             capture_output=True, text=True, check=True).stdout.strip()
    proc = configure(scratch, f"PYTHON={python}", f"PROTOC={fake}")
    assert proc.returncode != 0
    err = proc.stderr
    assert "3.99.0" in err and version in err, err  # names both versions


def test_python_without_the_pinned_grpcio_tools_is_refused(scratch, tmp_path):
    # A fresh venv has none of requirements.txt.
    venv = tmp_path / "bare"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
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

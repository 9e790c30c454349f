"""The breaking-change guard fails when it must: a deleted field against a
release baseline, under each versioning rule."""

import os
import subprocess
import sys

import pytest

from tools import descriptors


def run(srcdir, descriptor_set, baselines, version):
    return subprocess.run(
        [sys.executable, "-m", "tools.verify.check_breaking",
         "--descriptor-set", descriptor_set, "--baselines", str(baselines), "--version", version,
         "--buf", os.environ["OAKTREE_BUF"], "--config", os.path.join(srcdir, "buf.yaml")],
        capture_output=True, text=True, timeout=300)


@pytest.fixture
def released(tmp_path, srcdir, descriptor_set):
    """A baseline for 1.2.0 and 0.3.0 made from the current API, and a current
    API with one field of Server deleted."""
    baselines = tmp_path / "baselines"
    baselines.mkdir()
    for v in ("0.3.0", "1.2.0"):
        subprocess.run([sys.executable, "-m", "tools.verify.check_breaking",
                        "--descriptor-set", descriptor_set, "--baselines", str(baselines),
                        "--version", v, "--config", "buf.yaml",
                        "--baseline-out", str(baselines / f"oaktree-v1-{v}.binpb")], check=True, timeout=300)
    fds = descriptors.load(descriptor_set).fds
    server = next(m for fd in fds.file if fd.name == "oaktree/v1/compute.proto"
                  for m in fd.message_type if m.name == "Server")
    name_field = next(f for f in server.field if f.name == "name")
    server.field.remove(name_field)
    broken = tmp_path / "broken.binpb"
    broken.write_bytes(fds.SerializeToString())
    return baselines, str(broken)


def test_unchanged_api_passes(released, srcdir, descriptor_set):
    baselines, _ = released
    proc = run(srcdir, descriptor_set, baselines, "1.2.1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no breaking change since 1.2.0" in proc.stdout


@pytest.mark.parametrize("version", ["1.2.1", "1.3.0", "2.0.0"])
def test_after_1_0_nothing_may_break(released, srcdir, version):
    baselines, broken = released
    proc = run(srcdir, broken, baselines, version)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "since 1.2.0" in proc.stderr and '"name"' in proc.stderr and "Server" in proc.stderr


def test_before_1_0_a_patch_release_may_not_break(released, srcdir):
    baselines, broken = released
    (baselines / "oaktree-v1-1.2.0.binpb").unlink()
    proc = run(srcdir, broken, baselines, "0.3.1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "only a new MINOR may break" in proc.stderr


def test_before_1_0_a_new_minor_may_break_and_says_what(released, srcdir):
    baselines, broken = released
    (baselines / "oaktree-v1-1.2.0.binpb").unlink()
    proc = run(srcdir, broken, baselines, "0.4.0")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "accepted before 1.0.0" in proc.stdout and "Server" in proc.stdout


def test_no_baseline_says_so(tmp_path, srcdir, descriptor_set):
    proc = run(srcdir, descriptor_set, tmp_path, "0.1.0")
    assert proc.returncode == 0 and "nothing can break yet" in proc.stdout

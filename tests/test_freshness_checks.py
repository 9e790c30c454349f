"""The freshness checks fail when they must: checked-in Go that differs from a
regeneration, and a protos.am that does not list every .proto."""

import os
import shutil
import subprocess
import sys

import pytest


def test_go_freshness_names_added_removed_and_changed_files(tmp_path, srcdir, builddir):
    fresh = os.path.join(builddir, "gen", "go")
    if not os.path.isdir(os.path.join(fresh, "oaktree")):
        pytest.skip("gen/go was not generated: Go is not configured ("
                    + os.environ.get("OAKTREE_SKIP_GOLANG", "?") + ")")
    checked_in = tmp_path / "golang"
    shutil.copytree(os.path.join(srcdir, "golang"), checked_in)
    v1 = checked_in / "oaktree" / "v1"
    tool = [sys.executable, "-m", "tools.verify.check_go_fresh",
            "--generated", fresh, "--checked-in", str(checked_in)]

    ok = subprocess.run(tool, capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    with open(v1 / "compute.pb.go", "a") as f:
        f.write("// edited by hand\n")
    (v1 / "dns.pb.go").unlink()
    (v1 / "stale.pb.go").write_text("package oaktreev1\n")
    proc = subprocess.run(tool, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    out = proc.stdout
    assert "content differs:             v1/compute.pb.go" in out, out
    assert "missing from golang/oaktree/: v1/dns.pb.go" in out, out
    assert "no longer generated:         v1/stale.pb.go" in out, out


def test_go_regeneration_keeps_the_hand_written_package_doc(tmp_path, srcdir, builddir):
    """golang/oaktree/v1/doc.go is written by hand: the freshness check ignores
    it and `make generate-go` (--update) neither removes nor rewrites it."""
    fresh = os.path.join(builddir, "gen", "go")
    if not os.path.isdir(os.path.join(fresh, "oaktree")):
        pytest.skip("gen/go was not generated: Go is not configured ("
                    + os.environ.get("OAKTREE_SKIP_GOLANG", "?") + ")")
    checked_in = tmp_path / "golang"
    shutil.copytree(os.path.join(srcdir, "golang"), checked_in)
    doc = checked_in / "oaktree" / "v1" / "doc.go"
    before = doc.read_bytes()
    assert b"\npackage oaktreev1\n" in before
    (checked_in / "oaktree" / "v1" / "compute.pb.go").unlink()  # something to update
    tool = [sys.executable, "-m", "tools.verify.check_go_fresh",
            "--generated", fresh, "--checked-in", str(checked_in)]
    proc = subprocess.run(tool + ["--update"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "doc.go" not in proc.stdout, proc.stdout
    assert doc.read_bytes() == before
    proc = subprocess.run(tool, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_proto_list_check_names_an_unlisted_proto(scratch, python):
    with open(scratch.proto("zzz_new.proto"), "w") as f:
        f.write('syntax = "proto3";\npackage oaktree.v1;\n')
    tool = [python, "-m", "tools.maintain.update_proto_list", "--srcdir", scratch.src]
    env = dict(os.environ, PYTHONPATH=scratch.src)  # the scratch copy's tools
    proc = subprocess.run(tool + ["--check"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode != 0 and "oaktree/v1/zzz_new.proto" in proc.stderr, proc.stderr
    # Writing the list fixes it.
    subprocess.run(tool, check=True, capture_output=True, env=env, timeout=300)
    assert subprocess.run(tool + ["--check"], capture_output=True, env=env, timeout=300).returncode == 0

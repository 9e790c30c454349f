"""Reproducible artifacts: two clean builds of this commit, from two folders
at different paths, with SOURCE_DATE_EPOCH from the commit, give the same
bytes for the shared library, the source tarball (make dist) and every
language's package (make print-packages). A difference names the first
differing file, and inside an archive its first differing member."""

import io
import os
import shlex
import subprocess
import tarfile
import zipfile

import pytest

from conftest import ScratchBuild


def commit_epoch(srcdir):
    p = subprocess.run(["git", "-C", srcdir, "log", "-1", "--format=%ct"],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0 or not p.stdout.strip():
        pytest.skip("not a git checkout: no commit date for SOURCE_DATE_EPOCH (%s)"
                    % p.stderr.strip())
    return p.stdout.strip()


def make(build, *targets, env, timeout=1800):
    p = subprocess.run(["make", *targets], cwd=build, env=env, capture_output=True,
                       text=True, timeout=timeout)
    assert p.returncode == 0, "make %s in %s failed:\n%s\n%s" % (
        " ".join(targets), build, p.stdout[-3000:], p.stderr[-3000:])
    return p.stdout


def members(data, name):
    """[(member name, bytes)] of an archive, in archive order; None if not one."""
    try:
        if name.endswith((".whl", ".jar")):
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return [(i.filename + " " + repr(i.date_time), z.read(i)) for i in z.infolist()]
        with tarfile.open(fileobj=io.BytesIO(data)) as t:
            return [(m.name + " mtime=%d mode=%o %s:%s" % (m.mtime, m.mode, m.uname, m.gname),
                     t.extractfile(m).read() if m.isfile() else b"") for m in t.getmembers()]
    except (zipfile.BadZipFile, tarfile.TarError):
        return None


def first_difference(name, a, b):
    ma, mb = members(a, name), members(b, name)
    if ma is None or mb is None:
        at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        return "%s: bytes differ from offset %d (sizes %d, %d)" % (name, at, len(a), len(b))
    for (na, da), (nb, db) in zip(ma, mb):
        if na != nb:
            return "%s: member %s vs %s" % (name, na, nb)
        if da != db:
            inner = first_difference(na.split(" ")[0], da, db)
            return "%s: member %s differs (%s)" % (name, na, inner)
    if len(ma) != len(mb):
        return "%s: %d vs %d members" % (name, len(ma), len(mb))
    return "%s: archive bytes differ (headers or compression), members equal" % name


def shared_library(build):
    libs = os.path.join(build, ".libs")
    real = [n for n in os.listdir(libs) if n.startswith("liboaktreemodel") and ".so" in n
            and not os.path.islink(os.path.join(libs, n))]
    assert len(real) == 1, "expected one real liboaktreemodel .so in %s: %s" % (libs, real)
    return os.path.join(".libs", real[0])


def test_two_builds_in_two_folders_give_the_same_bytes(tmp_path, srcdir, builddir, python):
    epoch = commit_epoch(srcdir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    printed = subprocess.run(["make", "-s", "--no-print-directory", "print-distcheck-flags"],
                             cwd=builddir, env=env, capture_output=True, text=True, timeout=600,
                             check=True).stdout
    flags = shlex.split(printed.splitlines()[-1])  # last line: make may regenerate first
    env["SOURCE_DATE_EPOCH"] = epoch
    roots = [tmp_path / "a", tmp_path / "b" / "deeper" / "folder"]
    outputs = []
    for root in roots:
        scratch = ScratchBuild(str(root), srcdir, python)
        subprocess.run([os.path.join(scratch.src, "configure"), "-q",
                        *[f for f in flags if not f.startswith("OAKTREE_CHECK_SCOPE=")]],
                       cwd=scratch.build, env=env, check=True, timeout=600)
        packages = make(scratch.build, "-s", "print-packages", env=env).split()
        make(scratch.build, "-j2", *packages, env=env)
        make(scratch.build, "dist", env=env)
        files = [p for p in packages if not p.endswith(".la")] + [shared_library(scratch.build)]
        files += [os.path.join(os.path.basename(n)) for n in os.listdir(scratch.build)
                  if n.endswith(".tar.xz")]
        outputs.append((scratch.build, sorted(files)))
    (build_a, files_a), (build_b, files_b) = outputs
    assert files_a == files_b, "the two builds made different files: %s vs %s" % (files_a, files_b)
    assert len(files_a) >= 4, "too few artifacts to prove anything: %s" % files_a
    differing = []
    for name in files_a:
        with open(os.path.join(build_a, name), "rb") as fa, open(os.path.join(build_b, name), "rb") as fb:
            a, b = fa.read(), fb.read()
        if a != b:
            differing.append(first_difference(name, a, b))
    print("compared %d artifacts of two builds: %s" % (len(files_a), ", ".join(files_a)))
    assert not differing, "not reproducible:\n  " + "\n  ".join(differing)

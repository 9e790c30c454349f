"""The wheel's contents and metadata, and its reproducible bytes. (The wheel
in a fresh virtualenv making real RPCs is python/checks/consumer.)"""

import base64
import csv
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile

import pytest

from tools import descriptors


def our_files(descriptor_set):
    return descriptors.load(descriptor_set).ours()


def test_wheel_contents_and_metadata(wheel, version, descriptor_set):
    assert os.path.basename(wheel) == f"oaktreemodel-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        info = f"oaktreemodel-{version}.dist-info"
        expected = {"oaktreemodel/__init__.py", "oaktreemodel/_version.py", "oaktreemodel/py.typed",
                    "oaktreemodel/v1/__init__.py", f"{info}/METADATA", f"{info}/WHEEL", f"{info}/RECORD"}
        for fd in our_files(descriptor_set):
            base = os.path.basename(fd.name)[: -len(".proto")]
            expected |= {f"oaktreemodel/v1/{base}_pb2.py", f"oaktreemodel/v1/{base}_pb2.pyi",
                         f"oaktreemodel/proto/{fd.name}"}
            if fd.service:
                expected.add(f"oaktreemodel/v1/{base}_pb2_grpc.py")
        assert sorted(expected - names) == [], "missing from the wheel"
        assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]

        # RECORD lists every file with its real digest.
        record = list(csv.reader(io.StringIO(zf.read(f"{info}/RECORD").decode())))
        assert {r[0] for r in record} == names
        for name, digest, size in record:
            if name.endswith("RECORD"):
                continue
            data = zf.read(name)
            want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == want and int(size) == len(data), name

        # Dependency floors equal what the generated code itself checks at import.
        code = "".join(zf.read(n).decode() for n in names if n.endswith("_pb2.py"))
        floors = {tuple(map(int, m)) for m in re.findall(
            r"ValidateProtobufRuntimeVersion\(\s*_runtime_version\.Domain\.PUBLIC,\s*(\d+),\s*(\d+),\s*(\d+),", code)}
        assert len(floors) == 1, floors
        pb = max(floors)
        grpc_code = "".join(zf.read(n).decode() for n in names if n.endswith("_pb2_grpc.py"))
        grpc_floor = set(re.findall(r"^GRPC_GENERATED_VERSION = '([\d.]+)'", grpc_code, re.M))
        assert len(grpc_floor) == 1, grpc_floor
        meta = zf.read(f"{info}/METADATA").decode()
        requires = sorted(re.findall(r"^Requires-Dist: (.*)$", meta, re.M))
        g = grpc_floor.pop()
        assert requires == sorted([f"protobuf<{pb[0] + 1},>={'.'.join(map(str, pb))}",
                                   f"grpcio<{int(g.split('.')[0]) + 1},>={g}"])
        assert re.search(rf"^Version: {re.escape(version)}$", meta, re.M)

        # Imports point at oaktreemodel.v1, never at the server's `oaktree` package.
        for n in names:
            if n.endswith((".py", ".pyi")):
                text = zf.read(n).decode()
                assert not re.search(r"^(from|import) oaktree\b", text, re.M), n


def test_wheel_is_reproducible(tmp_path, srcdir, builddir, version, wheel, descriptor_set):
    """Stage and build again from the same inputs in a scratch folder."""
    protos = [fd.name for fd in our_files(descriptor_set)]
    out = tmp_path / os.path.basename(wheel)
    builder = [sys.executable, "-m", "tools.generate.build_wheel"]
    subprocess.run(builder + ["stage", "--version", version,
                    "--generated", os.path.join(builddir, "gen", "python"),
                    "--handwritten", os.path.join(srcdir, "python"), "--proto-root", srcdir,
                    "--out", str(tmp_path / "pkg"), "--stamp", str(tmp_path / "pkg.stamp"), *protos],
                   check=True, timeout=120)
    subprocess.run(builder + ["wheel", "--version", version,
                    "--package", str(tmp_path / "pkg"),
                    "--readme", os.path.join(srcdir, "python", "README.rst"), "--out", str(out)],
                   check=True, timeout=120)
    with open(wheel, "rb") as a:
        assert out.read_bytes() == a.read(), "same inputs gave a different wheel"

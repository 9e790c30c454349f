"""The wheel's contents and metadata, and its reproducible bytes. (The wheel
in a fresh virtualenv making real RPCs is python/checks/consumer; at both ends
of its declared runtime range python/checks/runtime-range; its stubs under
mypy --strict python/checks/typing.)"""

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


def read_text(top, rel):
    with open(os.path.join(top, rel), encoding="utf-8") as f:
        return f.read()


def version_tuple(v):
    return tuple(int(x) for x in v.split("."))


def test_wheel_contents_and_metadata(wheel, version, descriptor_set, srcdir):
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
                expected |= {f"oaktreemodel/v1/{base}_pb2_grpc.py", f"oaktreemodel/v1/{base}_pb2_grpc.pyi"}
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

        # Requires-Dist is python/runtime-range.txt, the one place the ranges are
        # written (proven at both ends by python/checks/runtime-range) ...
        meta = zf.read(f"{info}/METADATA").decode()
        requires = sorted(re.findall(r"^Requires-Dist: (.*)$", meta, re.M))
        declared = {m.group(1): (m.group(2), m.group(3)) for m in re.finditer(
            r"^([\w.-]+)>=([\d.]+),<([\d.]+)\s*$", read_text(srcdir, "python/runtime-range.txt"), re.M)}
        assert sorted(declared) == ["grpcio", "protobuf"], declared
        assert requires == sorted(f"{n}<{hi},>={lo}" for n, (lo, hi) in declared.items())
        # ... and the generated code demands no more than the declared floors:
        # a newer generator that adds runtime checks must raise the range too.
        pb_floor = version_tuple(declared["protobuf"][0])
        code = "".join(zf.read(n).decode() for n in names if n.endswith("_pb2.py"))
        for m in re.findall(r"ValidateProtobufRuntimeVersion\(\s*_runtime_version\.Domain\.PUBLIC,"
                            r"\s*(\d+),\s*(\d+),\s*(\d+),", code):
            assert tuple(map(int, m)) <= pb_floor, f"gencode checks protobuf>={m}, above the floor"
        grpc_code = "".join(zf.read(n).decode() for n in names if n.endswith("_pb2_grpc.py"))
        for g in re.findall(r"^GRPC_GENERATED_VERSION = '([\d.]+)'", grpc_code, re.M):
            assert version_tuple(g) <= version_tuple(declared["grpcio"][0]), f"gencode checks grpcio>={g}"

        # The stubs type the RPCs and carry the proto comments (IDE hover).
        grpc_stub = zf.read("oaktreemodel/v1/compute_pb2_grpc.pyi").decode()
        assert re.search(r"GetServer: _grpc\.UnaryUnaryMultiCallable\[_compute_pb2\.GetServerRequest, "
                         r"_compute_pb2\.GetServerResponse\]", grpc_stub), "GetServer is not typed"
        assert "GetServer returns exactly one server." in grpc_stub
        assert "ComputeService manages servers" in grpc_stub
        assert "Server is a Nova instance as shade normalizes it." in zf.read(
            "oaktreemodel/v1/compute_pb2.pyi").decode()
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
                    "--readme", os.path.join(srcdir, "python", "README.rst"),
                    "--runtime-range", os.path.join(srcdir, "python", "runtime-range.txt"), "--out", str(out)],
                   check=True, timeout=120)
    with open(wheel, "rb") as a:
        assert out.read_bytes() == a.read(), "same inputs gave a different wheel"

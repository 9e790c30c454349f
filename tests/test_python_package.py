"""The wheel as a Python user meets it: contents and metadata, reproducible
bytes, and a real install into a fresh virtualenv that imports every module
and makes real RPCs over 127.0.0.1."""

import base64
import csv
import hashlib
import io
import os
import re
import subprocess
import sys
import textwrap
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
    protos = [fd.name for fd in our_files(descriptor_set)]
    out = tmp_path / os.path.basename(wheel)
    subprocess.run([sys.executable, "-m", "tools.generate.build_wheel",
                    "--version", version, "--generated", os.path.join(builddir, "gen", "python"),
                    "--handwritten", os.path.join(srcdir, "python"), "--proto-root", srcdir,
                    "--readme", os.path.join(srcdir, "python", "README.rst"),
                    "--stage", str(tmp_path / "stage"), "--out", str(out), *protos], check=True)
    with open(wheel, "rb") as a:
        assert out.read_bytes() == a.read(), "same inputs gave a different wheel"


CLIENT = textwrap.dedent('''
    import importlib, pkgutil, sys
    from concurrent import futures
    import grpc
    import oaktreemodel
    from oaktreemodel.v1 import compute_pb2, compute_pb2_grpc

    assert oaktreemodel.__version__ == sys.argv[1], oaktreemodel.__version__
    mods = [m.name for m in pkgutil.walk_packages(oaktreemodel.__path__, "oaktreemodel.")]
    for m in mods:
        importlib.import_module(m)
    assert "oaktreemodel.v1.compute_pb2" in mods, mods
    assert compute_pb2.Server.__module__ == "oaktreemodel.v1.compute_pb2"

    class Compute(compute_pb2_grpc.ComputeServiceServicer):
        def GetServer(self, request, context):
            if request.name_or_id != "web-1":
                context.abort(grpc.StatusCode.NOT_FOUND, "no server " + request.name_or_id)
            return compute_pb2.GetServerResponse(server=compute_pb2.Server(
                name="web-1", status=compute_pb2.SERVER_STATUS_ACTIVE, location=request.location))
        def ListServers(self, request, context):
            for i in range(2000):
                yield compute_pb2.ListServersResponse(server=compute_pb2.Server(name=f"s{i}"))

    server = grpc.server(futures.ThreadPoolExecutor(4))
    compute_pb2_grpc.add_ComputeServiceServicer_to_server(Compute(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = compute_pb2_grpc.ComputeServiceStub(ch)
        reply = stub.GetServer(compute_pb2.GetServerRequest(name_or_id="web-1"))
        assert reply.server.name == "web-1" and reply.server.status == compute_pb2.SERVER_STATUS_ACTIVE
        names = [r.server.name for r in stub.ListServers(compute_pb2.ListServersRequest())]
        assert names == [f"s{i}" for i in range(2000)], len(names)
        try:
            stub.GetServer(compute_pb2.GetServerRequest(name_or_id="nope"))
            raise AssertionError("no error for a missing server")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.NOT_FOUND and e.details() == "no server nope", e
    server.stop(None)
    print(f"imported {len(mods)} modules; RPCs ok on port {port}")
''')


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory, wheel):
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    subprocess.run([py, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel], check=True)
    return py


def test_wheel_installs_into_a_fresh_venv_and_serves_rpcs(fresh_venv, version, tmp_path):
    script = tmp_path / "client.py"
    script.write_text(CLIENT)
    # Run from an empty folder so nothing but the installed wheel is importable.
    proc = subprocess.run([fresh_venv, str(script), version], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "RPCs ok" in proc.stdout
    # pip agrees the environment is consistent (dependency ranges satisfied).
    check = subprocess.run([fresh_venv, "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr

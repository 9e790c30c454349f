"""Assemble the oaktreemodel wheel (PEP 427) from the build tree.

Why not setuptools: the package is pure data that make already produced, the
source tree may be read-only (distcheck), and we want the same bytes for the
same inputs. So this script writes the wheel directly: sorted entries, fixed
timestamps, RECORD with sha256 digests.

The runtime ranges are read from the generated code itself, never guessed:
protobuf gencode calls ValidateProtobufRuntimeVersion(..., MAJOR, MINOR, PATCH)
and refuses an older runtime or another major; gRPC stubs carry
GRPC_GENERATED_VERSION and refuse an older grpcio.

It also stages the hand-written files, _version.py and the .proto files next
to the generated modules (the --stage folder), so that folder is importable
as-is by the tests.
"""

import argparse
import base64
import hashlib
import io
import os
import re
import sys
import zipfile

DIST = "oaktreemodel"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed: reproducible bytes


def fail(msg):
    sys.exit(f"build_wheel: error: {msg}")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def runtime_floors(modules):
    """(protobuf (major, minor, patch), grpcio version string) demanded by the gencode."""
    pb, grpc = None, None
    for path, data in modules.items():
        text = data.decode("utf-8")
        m = re.search(r"ValidateProtobufRuntimeVersion\(\s*_runtime_version\.Domain\.PUBLIC,\s*"
                      r"(\d+),\s*(\d+),\s*(\d+),", text)
        if path.endswith("_pb2.py"):
            if not m:
                fail(f"{path}: no ValidateProtobufRuntimeVersion call; cannot derive the protobuf floor")
            pb = max(pb or (0, 0, 0), tuple(int(x) for x in m.groups()))
        g = re.search(r"^GRPC_GENERATED_VERSION = '([\d.]+)'", text, flags=re.M)
        if g:
            v = tuple(int(x) for x in g.group(1).split("."))
            grpc = max(grpc or (0,), v)
    if pb is None:
        fail("no generated _pb2.py modules given")
    return pb, grpc


def metadata(version, pb, grpc, readme):
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {DIST}",
        f"Version: {version}",
        "Summary: Messages and gRPC stubs of the oaktree v1 API (OpenStack via shade, multi-cloud)",
        "License: Apache-2.0",
        "Requires-Python: >=3.10",
        "Classifier: Programming Language :: Python :: 3",
        "Classifier: Typing :: Typed",
        # Same major as the gencode (protobuf refuses another), at least its version.
        f"Requires-Dist: protobuf<{pb[0] + 1},>={'.'.join(map(str, pb))}",
    ]
    if grpc:
        lines.append(f"Requires-Dist: grpcio<{grpc[0] + 1},>={'.'.join(map(str, grpc))}")
    lines.append("Description-Content-Type: text/x-rst")
    return ("\n".join(lines) + "\n\n" + readme).encode("utf-8")


def record_line(name, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_if_changed(path, data):
    try:
        if read(path) == data:
            return
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--version", required=True)
    ap.add_argument("--generated", required=True, help="folder holding oaktreemodel/v1/*_pb2*.py[i]")
    ap.add_argument("--handwritten", required=True, help="folder holding the hand-written oaktreemodel/")
    ap.add_argument("--proto-root", required=True, help="folder the proto names are relative to")
    ap.add_argument("--readme", required=True)
    ap.add_argument("--stage", required=True, help="importable package folder to complete")
    ap.add_argument("--out", required=True, help="wheel path to write")
    ap.add_argument("protos", nargs="+")
    args = ap.parse_args()

    expected = f"{DIST}-{args.version}-py3-none-any.whl"
    if os.path.basename(args.out) != expected:
        fail(f"--out must be named {expected}")

    files = {}  # archive name -> bytes
    gen_pkg = os.path.join(args.generated, DIST, "v1")
    generated = {}
    for name in sorted(os.listdir(gen_pkg)):
        if re.search(r"_pb2(_grpc)?\.pyi?$", name):
            generated[f"{DIST}/v1/{name}"] = read(os.path.join(gen_pkg, name))
    if not generated:
        fail(f"no generated modules in {gen_pkg}")
    files.update(generated)
    hw_root = os.path.join(args.handwritten, DIST)
    for root, dirs, names in os.walk(hw_root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".py", ".pyi", ".typed")):
                rel = os.path.relpath(os.path.join(root, name), args.handwritten)
                files[rel.replace(os.sep, "/")] = read(os.path.join(root, name))
    files[f"{DIST}/_version.py"] = (
        f'"""Version of this oaktreemodel build (from configure.ac)."""\n\n__version__ = "{args.version}"\n'
    ).encode()
    for proto in args.protos:
        files[f"{DIST}/proto/{proto}"] = read(os.path.join(args.proto_root, proto))

    # The staged tree is what the tests import (PYTHONPATH=gen/python).
    for name, data in files.items():
        if name not in generated:
            write_if_changed(os.path.join(args.stage, name), data)

    pb, grpc = runtime_floors(generated)
    with open(args.readme, encoding="utf-8") as f:
        readme = f.read()
    info = f"{DIST}-{args.version}.dist-info"
    files[f"{info}/METADATA"] = metadata(args.version, pb, grpc, readme)
    files[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: oaktreemodel tools/generate/build_wheel.py\n"
        "Root-Is-Purelib: true\nTag: py3-none-any\n").encode()
    files[f"{info}/top_level.txt"] = f"{DIST}\n".encode()
    record = [record_line(n, d) for n, d in sorted(files.items())] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        # dist-info last, RECORD at the very end, as installers expect.
        for name in sorted(files, key=lambda n: (n.startswith(info), n.endswith("/RECORD"), n)):
            zi = zipfile.ZipInfo(name, ZIP_DATE)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, files[name])
    data = buf.getvalue()
    try:
        same = read(args.out) == data
    except FileNotFoundError:
        same = False
    if same:
        os.utime(args.out)  # up to date for make; bytes unchanged
    else:
        write_if_changed(args.out, data)
    print(f"  wheel: {args.out} ({len(files)} files, protobuf>={'.'.join(map(str, pb))}"
          + (f", grpcio>={'.'.join(map(str, grpc))}" if grpc else "") + ")")


if __name__ == "__main__":
    main()

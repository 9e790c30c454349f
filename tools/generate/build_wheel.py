"""Assemble the oaktreemodel wheel (PEP 427) from the build tree.

Why not setuptools: the package is pure data that make already produced, the
source tree may be read-only (distcheck), and we want the same bytes for the
same inputs. So this script writes the wheel directly: sorted entries, fixed
timestamps, RECORD with sha256 digests.

The protobuf/grpcio ranges (Requires-Dist) come from one file,
python/runtime-range.txt, never from the generated code: the pinned older
generator (python/requirements-gen.txt) writes gencode that checks no runtime
version, so the range is what python/checks/runtime-range proves at both ends.

Two steps, each the only writer of its output:
  stage  the importable package (gen/pypkg): generated modules, hand-written
         files, _version.py and the .proto files, changed files only; the
         tests import it; a stamp is written last.
  wheel  reads the staged package only and writes the wheel.
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


RANGE_RE = re.compile(r"^([A-Za-z0-9_.-]+)>=(\d+(?:\.\d+)*),<(\d+(?:\.\d+)*)$")


def runtime_ranges(path):
    """[(name, low, high)] from a runtime-range file: one `name>=LOW,<HIGH` a
    line, `#` comments; each name once, protobuf and grpcio both present."""
    ranges = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            m = RANGE_RE.match(line)
            if not m:
                fail(f"{path}:{n}: expected name>=LOW,<HIGH, got {line!r}")
            ranges.append(m.groups())
    names = [r[0] for r in ranges]
    if sorted(names) != ["grpcio", "protobuf"]:
        fail(f"{path}: expected one protobuf and one grpcio range, got {names}")
    return ranges


def metadata(version, ranges, readme):
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {DIST}",
        f"Version: {version}",
        "Summary: Messages and gRPC stubs of the oaktree v1 API (OpenStack via shade, multi-cloud)",
        "License: Apache-2.0",
        "Requires-Python: >=3.10",
        "Classifier: Programming Language :: Python :: 3",
        "Classifier: Typing :: Typed",
    ]
    lines += [f"Requires-Dist: {name}<{high},>={low}" for name, low, high in ranges]
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


def stage(args):
    files = {}  # package-relative name -> bytes
    gen_pkg = os.path.join(args.generated, DIST, "v1")
    for name in sorted(os.listdir(gen_pkg)):
        if re.search(r"_pb2(_grpc)?\.pyi?$", name):
            files[f"{DIST}/v1/{name}"] = read(os.path.join(gen_pkg, name))
    if not files:
        fail(f"no generated modules in {gen_pkg}")
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
    if os.path.exists(args.stamp):
        os.remove(args.stamp)
    for name, data in files.items():
        write_if_changed(os.path.join(args.out, name), data)
    for name in package_files(args.out):  # a removed .proto or module
        if name not in files:
            os.remove(os.path.join(args.out, name))
    with open(args.stamp, "w") as f:
        f.write("".join(n + "\n" for n in sorted(files)))


def package_files(top):
    """Package-relative names of the files under top/oaktreemodel (no caches)."""
    found = []
    for root, dirs, names in os.walk(os.path.join(top, DIST)):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [os.path.relpath(os.path.join(root, n), top).replace(os.sep, "/") for n in names]
    return sorted(found)


def wheel(args):
    expected = f"{DIST}-{args.version}-py3-none-any.whl"
    if os.path.basename(args.out) != expected:
        fail(f"--out must be named {expected}")
    files = {name: read(os.path.join(args.package, name)) for name in package_files(args.package)}
    if not any(re.search(r"_pb2\.py$", n) for n in files):
        fail(f"no generated _pb2.py modules in {args.package}")
    ranges = runtime_ranges(args.runtime_range)
    with open(args.readme, encoding="utf-8") as f:
        readme = f.read()
    info = f"{DIST}-{args.version}.dist-info"
    files[f"{info}/METADATA"] = metadata(args.version, ranges, readme)
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
    print(f"  wheel: {args.out} ({len(files)} files, "
          + ", ".join(f"{name}>={low},<{high}" for name, low, high in ranges) + ")")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="step", required=True)
    st = sub.add_parser("stage", help="write the importable package folder")
    st.add_argument("--version", required=True)
    st.add_argument("--generated", required=True, help="folder holding oaktreemodel/v1/*_pb2*.py[i]")
    st.add_argument("--handwritten", required=True, help="folder holding the hand-written oaktreemodel/")
    st.add_argument("--proto-root", required=True, help="folder the proto names are relative to")
    st.add_argument("--out", required=True, help="package folder to write (e.g. gen/pypkg)")
    st.add_argument("--stamp", required=True, help="written last")
    st.add_argument("protos", nargs="+")
    wh = sub.add_parser("wheel", help="write the wheel from the staged package")
    wh.add_argument("--version", required=True)
    wh.add_argument("--package", required=True, help="the staged package folder")
    wh.add_argument("--readme", required=True)
    wh.add_argument("--runtime-range", required=True,
                    help="python/runtime-range.txt: the declared protobuf and grpcio ranges")
    wh.add_argument("--out", required=True, help="wheel path to write")
    args = ap.parse_args()
    stage(args) if args.step == "stage" else wheel(args)


if __name__ == "__main__":
    main()

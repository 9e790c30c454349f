"""Check an installed oaktreemodel tree the way a C++ user meets it.

Reads the descriptor set to know what must be there: for every proto its
header <oaktree/v1/x.pb.h> and .proto, .grpc.pb.h for files that define a
service, the shared library and lib/pkgconfig/oaktreemodel.pc. Then compiles
the consumer program using nothing but `pkg-config --cflags --libs
oaktreemodel` against that tree, and runs it.
"""

import argparse
import glob
import os
import re
import shlex
import subprocess
import sys

from tools import descriptors


def relocated_pc_dir(pc_path, root, workdir):
    """For a DESTDIR staging tree: a copy of our .pc whose prefix points into
    `root`, in workdir/pkgconfig (returned, for PKG_CONFIG_PATH). pkg-config's
    --define-prefix is no substitute: it also moves the system protobuf and
    grpc++ paths (to /usr/lib/include and the like)."""
    pcdir = os.path.join(workdir, "pkgconfig")
    os.makedirs(pcdir, exist_ok=True)
    with open(pc_path) as f:
        pc = f.read()
    pc, n = re.subn(r"^prefix=(.*)$", lambda m: "prefix=" + os.path.join(root, m.group(1).lstrip("/")),
                    pc, count=1, flags=re.M)
    if n != 1:
        sys.exit(f"check_install_tree: no prefix= line in {pc_path}")
    with open(os.path.join(pcdir, "oaktreemodel.pc"), "w") as f:
        f.write(pc)
    return pcdir


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default="", help="DESTDIR the tree was installed into ('' = /)")
    ap.add_argument("--includedir", required=True)
    ap.add_argument("--libdir", required=True)
    ap.add_argument("--descriptor-set", required=True)
    ap.add_argument("--consumer", required=True, help="C++ source to build against the tree")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--cxx", default=os.environ.get("CXX", "c++"))
    args = ap.parse_args()

    def staged(path):
        return os.path.join(args.root, path.lstrip("/")) if args.root else path

    inc, lib = staged(args.includedir), staged(args.libdir)
    expected = []
    for fd in descriptors.load(args.descriptor_set).ours():
        stem = fd.name[: -len(".proto")]
        expected += [f"{inc}/{stem}.pb.h", f"{inc}/{fd.name}"]
        if fd.service:
            expected.append(f"{inc}/{stem}.grpc.pb.h")
    expected.append(f"{lib}/pkgconfig/oaktreemodel.pc")
    missing = [p for p in expected if not os.path.isfile(p)]
    libs = glob.glob(f"{lib}/liboaktreemodel*.so*")
    if not libs:
        missing.append(f"{lib}/liboaktreemodel*.so")
    if missing:
        sys.exit("check_install_tree: missing from the installed tree:\n  " + "\n  ".join(missing))
    print(f"check_install_tree: {len(expected)} files and {len(libs)} library file(s) present")

    os.makedirs(args.workdir, exist_ok=True)
    pcdir = f"{lib}/pkgconfig"
    if args.root:
        pcdir = relocated_pc_dir(f"{pcdir}/oaktreemodel.pc", args.root, args.workdir)
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "oaktreemodel"],
                           env=env, check=True, capture_output=True, text=True).stdout
    exe = os.path.join(args.workdir, "consumer")
    cmd = shlex.split(args.cxx) + ["-o", exe, args.consumer] + shlex.split(flags)
    print("+ " + " ".join(cmd))
    subprocess.run(cmd, check=True)
    run_env = dict(os.environ, LD_LIBRARY_PATH=lib)
    subprocess.run([exe], check=True, env=run_env)
    print("check_install_tree: consumer built with pkg-config only and ran")


if __name__ == "__main__":
    main()

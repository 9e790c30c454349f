"""Check an installed oaktreemodel tree the way a C++ user meets it.

Reads the descriptor set to know what must be there: for every proto its
header <oaktree/v1/x.pb.h> and .proto, .grpc.pb.h for files that define a
service, the shared library, lib/pkgconfig/oaktreemodel.pc and the CMake
package lib/cmake/oaktreemodel/. (The client built from that tree with
pkg-config and with CMake is cpp/checks/consumer.)
"""

import argparse
import glob
import os
import sys

from tools import descriptors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default="", help="DESTDIR the tree was installed into ('' = /)")
    ap.add_argument("--includedir", required=True)
    ap.add_argument("--libdir", required=True)
    ap.add_argument("--descriptor-set", required=True)
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
    expected.append(f"{lib}/cmake/oaktreemodel/oaktreemodelConfig.cmake")
    expected.append(f"{lib}/cmake/oaktreemodel/oaktreemodelConfigVersion.cmake")
    missing = [p for p in expected if not os.path.isfile(p)]
    libs = glob.glob(f"{lib}/liboaktreemodel*.so*")
    if not libs:
        missing.append(f"{lib}/liboaktreemodel*.so")
    if missing:
        sys.exit("check_install_tree: missing from the installed tree:\n  " + "\n  ".join(missing))
    print(f"check_install_tree: {len(expected)} files and {len(libs)} library file(s) present")


if __name__ == "__main__":
    main()

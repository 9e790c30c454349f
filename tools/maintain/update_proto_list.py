"""Write (or with --check, verify) oaktree/v1/protos.am.

Automake needs the generated files spelled out, so the list of protos and of
what protoc makes from each lives in oaktree/v1/protos.am. It is derived from
the .proto files and their descriptors (which ones define services), never
edited by hand. Adding a .proto: run this script, then `make`.
`make check` runs it with --check and fails, naming the difference, when the
file is stale.
"""

import argparse
import difflib
import glob
import os
import subprocess
import sys
import tempfile

from tools import descriptors

# The source root this package lives in (the default --srcdir, and what a
# child interpreter needs on its path to import tools).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMMAND = "python3 -m tools.maintain.update_proto_list (in the source root)"


def service_files(srcdir, protos, descriptor_set):
    """Names of the protos that define at least one service, read from a
    descriptor set (the build's own, or a fresh one in a temp folder)."""
    if descriptor_set:
        return set(descriptors.load(descriptor_set).with_services(protos))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "set.binpb")
        rc = subprocess.call([sys.executable, "-c",
                              "import sys; from tools.generate import protoc_gen; "
                              "sys.exit(protoc_gen.grpc_tools_protoc(sys.argv[1:]))",
                              f"-I{srcdir}", f"--descriptor_set_out={out}", "--include_imports"] + protos,
                             env=dict(os.environ, PYTHONPATH=ROOT))
        if rc != 0:
            sys.exit(f"update_proto_list: protoc failed on {srcdir}/oaktree/v1")
        return set(descriptors.load(out).with_services(protos))


def render(protos, services):
    def block(var, items):
        lines = [f"{var} = \\"] + [f"\t{i} \\" for i in items[:-1]] + [f"\t{items[-1]}"]
        return "\n".join(lines) + "\n"

    cpp_src, cpp_hdr, py, go = [], [], [], []
    for p in protos:
        stem = p[: -len(".proto")]
        base = os.path.basename(stem)
        has_service = p in services
        cpp_src.append(f"gen/cpp/{stem}.pb.cc")
        cpp_hdr.append(f"gen/cpp/{stem}.pb.h")
        py += [f"gen/python/oaktreemodel/v1/{base}_pb2.py", f"gen/python/oaktreemodel/v1/{base}_pb2.pyi"]
        go.append(f"gen/go/{stem}.pb.go")
        if has_service:
            cpp_src.append(f"gen/cpp/{stem}.grpc.pb.cc")
            cpp_hdr.append(f"gen/cpp/{stem}.grpc.pb.h")
            py += [f"gen/python/oaktreemodel/v1/{base}_pb2_grpc.py",
                   f"gen/python/oaktreemodel/v1/{base}_pb2_grpc.pyi"]
            go.append(f"gen/go/{stem}_grpc.pb.go")
    return (
        "# Written by tools/maintain/update_proto_list.py from oaktree/v1/*.proto: do not edit.\n"
        "# `make check` fails when it is stale; after adding or removing a .proto, run\n"
        f"#   {COMMAND}\n\n"
        + block("OAKTREE_PROTOS", protos) + "\n"
        + "# Files that define a service (they also get gRPC stubs).\n"
        + block("OAKTREE_SERVICE_PROTOS", [p for p in protos if p in services]) + "\n"
        + block("OAKTREE_CPP_GEN_CC", cpp_src) + "\n"
        + block("OAKTREE_CPP_GEN_H", cpp_hdr) + "\n"
        + "# The message code alone (no gRPC stubs).\n"
        + block("OAKTREE_CPP_GEN_MESSAGES", [f for f in cpp_src + cpp_hdr if ".grpc." not in f]) + "\n"
        + block("OAKTREE_PYTHON_MODULES", sorted(py)) + "\n"
        + block("OAKTREE_GO_FILES", sorted(go))
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--srcdir", default=ROOT, help="source tree (default: this checkout)")
    ap.add_argument("--descriptor-set", help="read services from this set instead of running protoc")
    ap.add_argument("--check", action="store_true", help="fail if protos.am differs; write nothing")
    args = ap.parse_args()

    protos = sorted(os.path.relpath(p, args.srcdir)
                    for p in glob.glob(os.path.join(args.srcdir, "oaktree", "v1", "*.proto")))
    if not protos:
        sys.exit("update_proto_list: no oaktree/v1/*.proto found")
    target = os.path.join(args.srcdir, "oaktree", "v1", "protos.am")
    try:
        with open(target) as f:
            current = f.read()
    except FileNotFoundError:
        current = ""

    if args.check:
        listed = [line.strip(" \t\\") for line in current.split("OAKTREE_SERVICE_PROTOS")[0].splitlines()
                  if line.startswith("\toaktree/")]
        unlisted = sorted(set(protos) - set(listed))
        if unlisted:
            sys.exit(f"update_proto_list: {target} does not list {', '.join(unlisted)}; "
                     f"run {COMMAND}")
    wanted = render(protos, service_files(args.srcdir, protos, args.descriptor_set))
    if current == wanted:
        print(f"update_proto_list: {target} is up to date ({len(protos)} protos)")
        return
    if args.check:
        diff = "".join(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True),
                                            "protos.am (checked in)", "protos.am (expected)"))
        sys.exit(f"update_proto_list: {target} is stale; run {COMMAND}\n{diff}")
    with open(target, "w") as f:
        f.write(wanted)
    print(f"update_proto_list: wrote {target} ({len(protos)} protos)")


if __name__ == "__main__":
    main()

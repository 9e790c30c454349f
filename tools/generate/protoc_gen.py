"""Run protoc for one output kind and publish only what really changed.

Every make rule that runs protoc goes through this script, so that:

* protoc writes into a private temporary folder; a failed or interrupted run
  leaves the published outputs and the stamp as they were before, never half
  written, and the stamp is removed so the next `make` runs protoc again;
* only files whose bytes changed are replaced (atomically), so touching a
  .proto without changing it recompiles nothing, and changing one message
  recompiles only the files that depend on it;
* outputs that a run no longer produces (a .proto was removed) are deleted;
* the stamp is written last, as the single "this kind is up to date" marker.

Kinds:
  descriptor  one FileDescriptorSet of all protos (imports + source info),
              parsed by the pinned grpcio-tools protoc; every other kind and
              every verifier reads this set, nothing else parses .proto text.
  cpp         .pb.{h,cc} for all files, .grpc.pb.{h,cc} only for files that
              define a service, by the system protoc + grpc_cpp_plugin (the
              protoc that matches the libprotobuf the code compiles against).
  python      _pb2.py, and _pb2_grpc.py for files with services, by the
              protoc of the older grpcio-tools pinned in
              python/requirements-gen.txt (--python-generator: the folder it
              is installed in, run in a child interpreter), chosen for the
              widest runtime range (python/README.rst); _pb2.pyi and
              _pb2_grpc.pyi with the proto comments by mypy-protobuf's plugins
              (--mypy-plugin, --mypy-grpc-plugin; requirements.txt); imports
              rewritten from `oaktree.v1` to `oaktreemodel.v1` (the name
              `oaktree` belongs to the server's own package).
  go          .pb.go and _grpc.pb.go by the pinned protoc and Go plugins.
  plugin      any other language: the protoc given by --protoc (default: the
              pinned grpcio-tools one) with the --protoc-arg arguments, and a
              second run with --service-arg on the files that define a
              service; `{out}` in an argument is the temporary output folder.
              --manage names the globs this kind owns in --out, --name the
              kind (for the lock and temp folder names). Used by the language
              folders' include.am (js, java, ruby, ...).
"""

import argparse
import fcntl
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile

# Files each kind owns in its output folder; stale ones matching are removed.
MANAGED = {
    "descriptor": ["*.binpb"],
    "cpp": ["*.pb.h", "*.pb.cc"],
    "python": ["*_pb2.py", "*_pb2.pyi", "*_pb2_grpc.py", "*_pb2_grpc.pyi"],
    "go": ["*.pb.go"],
}

GO_MODULE = "opendev.org/openstack/oaktreemodel/golang"


def fail(msg):
    print(f"protoc_gen: error: {msg}", file=sys.stderr)
    sys.exit(1)


def grpc_tools_protoc(args):
    """Run the protoc bundled with grpcio-tools in-process; returns its exit code."""
    from grpc_tools import protoc
    import importlib.resources

    wkt = str(importlib.resources.files("grpc_tools") / "_proto")
    return protoc.main(["grpc_tools.protoc", f"-I{wkt}"] + args)


def python_generator_protoc(path, args):
    """Run the protoc of the grpcio-tools installed in folder `path` (not the
    one of this interpreter's site-packages) in a child interpreter."""
    code = ("import sys; from grpc_tools import protoc; "
            "sys.exit(protoc.main(['grpc_tools.protoc'] + sys.argv[1:]))")
    env = dict(os.environ, PYTHONPATH=path, PYTHONNOUSERSITE="1")
    return subprocess.run([sys.executable, "-c", code] + args, env=env).returncode


def run(cmd):
    proc = subprocess.run(cmd)
    return proc.returncode


def files_with_services(descriptor_set, protos):
    from tools import descriptors  # protobuf is only needed past the descriptor kind

    return descriptors.load(descriptor_set).with_services(protos)


def rewrite_python_imports(path):
    """Point generated imports at oaktreemodel.v1 instead of oaktree.v1."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"^from oaktree\.v1 import ", "from oaktreemodel.v1 import ", text, flags=re.M)
    text = re.sub(r"^import oaktree\.v1\.", "import oaktreemodel.v1.", text, flags=re.M)
    # Module name used for the classes' __module__ (pickling, repr).
    text = re.sub(r"'oaktree\.v1\.(\w+_pb2)'", r"'oaktreemodel.v1.\1'", text)
    left = re.findall(r"^(?:from|import) oaktree\b.*$", text, flags=re.M)
    if left:
        fail(f"{path}: import not rewritten: {left[0]}")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def match_grpc_stub_to_module(pyi, py):
    """mypy-protobuf declares the version constants that grpcio-tools >= 1.63
    writes into _pb2_grpc.py; the older generator's modules have none, so the
    stub must not promise them."""
    with open(py, encoding="utf-8") as f:
        module = f.read()
    with open(pyi, encoding="utf-8") as f:
        text = f.read()
    for name in ("GRPC_GENERATED_VERSION", "GRPC_VERSION"):
        if not re.search(rf"^{name} = ", module, flags=re.M):
            text = re.sub(rf"^{name}: str\n", "", text, flags=re.M)
    with open(pyi, "w", encoding="utf-8") as f:
        f.write(text)


def generate(kind, args, tmp):
    """Run protoc for `kind` into `tmp`; return the produced files relative to tmp."""
    protos = args.protos
    if kind == "descriptor":
        out = os.path.join(tmp, os.path.basename(args.descriptor_out))
        rc = grpc_tools_protoc(
            [f"-I{args.proto_path}", f"--descriptor_set_out={out}",
             "--include_imports", "--include_source_info"] + protos)
    else:
        with_services = files_with_services(args.descriptor_set, protos)
        dset = f"--descriptor_set_in={args.descriptor_set}"
        if kind == "cpp":
            rc = run([args.protoc, dset, f"--cpp_out={tmp}"] + protos)
            if rc == 0 and with_services:
                rc = run([args.protoc, dset, f"--grpc_out={tmp}",
                          f"--plugin=protoc-gen-grpc={args.grpc_plugin}"] + with_services)
        elif kind == "python":
            if not (args.python_generator and args.mypy_plugin and args.mypy_grpc_plugin):
                fail("python needs --python-generator, --mypy-plugin and --mypy-grpc-plugin")
            mypy = [f"--plugin=protoc-gen-mypy={args.mypy_plugin}",
                    f"--plugin=protoc-gen-mypy_grpc={args.mypy_grpc_plugin}"]
            rc = python_generator_protoc(args.python_generator, [
                dset, f"--python_out={tmp}", f"--mypy_out=quiet:{tmp}"] + mypy + protos)
            if rc == 0 and with_services:
                rc = python_generator_protoc(args.python_generator, [
                    dset, f"--grpc_python_out={tmp}", f"--mypy_grpc_out=quiet:{tmp}"] + mypy
                    + with_services)
        elif kind == "plugin":
            def protoc(argv):
                argv = [a.replace("{out}", tmp) for a in argv]
                return run([args.protoc] + argv) if args.protoc else grpc_tools_protoc(argv)
            rc = protoc([dset] + args.protoc_arg + protos)
            if rc == 0 and args.service_arg and with_services:
                rc = protoc([dset] + args.service_arg + with_services)
        elif kind == "go":
            opt = f"module={GO_MODULE}"
            rc = grpc_tools_protoc(
                [dset, f"--plugin=protoc-gen-go={args.go_plugin}",
                 f"--plugin=protoc-gen-go-grpc={args.go_grpc_plugin}",
                 f"--go_out={tmp}", f"--go_opt={opt}",
                 f"--go-grpc_out={tmp}", f"--go-grpc_opt={opt}"] + protos)
        else:
            fail(f"unknown kind {kind}")
    if rc != 0:
        fail(f"protoc failed ({kind}, exit {rc}); outputs left as they were")

    produced = []
    for root, _dirs, names in os.walk(tmp):
        for name in names:
            produced.append(os.path.relpath(os.path.join(root, name), tmp))
    if kind == "python":
        # Generated modules live in the oaktreemodel.v1 package.
        moved = []
        for rel in produced:
            if not rel.startswith("oaktree/v1/"):
                fail(f"unexpected Python output {rel}")
            dest = os.path.join("oaktreemodel", "v1", rel[len("oaktree/v1/"):])
            os.makedirs(os.path.join(tmp, os.path.dirname(dest)), exist_ok=True)
            os.replace(os.path.join(tmp, rel), os.path.join(tmp, dest))
            if dest.endswith((".py", ".pyi")):
                rewrite_python_imports(os.path.join(tmp, dest))
            moved.append(dest)
        produced = moved
        for rel in produced:
            if rel.endswith("_pb2_grpc.pyi"):
                match_grpc_stub_to_module(os.path.join(tmp, rel), os.path.join(tmp, rel[:-1]))
    return sorted(produced)


def sync_tree(src, dest, produced, patterns):
    """Publish `produced` (paths relative to src) into dest, touching only
    changed files; delete files under dest matching `patterns` that were not
    produced. Returns (changed, removed) lists of relative paths."""
    changed, removed = [], []
    for rel in produced:
        s, d = os.path.join(src, rel), os.path.join(dest, rel)
        with open(s, "rb") as f:
            new = f.read()
        try:
            with open(d, "rb") as f:
                if f.read() == new:
                    continue
        except FileNotFoundError:
            pass
        os.makedirs(os.path.dirname(d) or ".", exist_ok=True)
        os.replace(s, d)  # same file system: atomic
        changed.append(rel)
    keep = set(produced)
    for root, _dirs, names in os.walk(dest):
        for name in names:
            rel = os.path.relpath(os.path.join(root, name), dest)
            if rel not in keep and any(fnmatch.fnmatch(name, p) for p in patterns):
                os.remove(os.path.join(dest, rel))
                removed.append(rel)
    return changed, removed


def diff_trees(generated, checked_in, patterns):
    """Compare two trees over files matching patterns: (added, removed, changed),
    where 'added' means present in `generated` but missing from `checked_in`."""

    def listing(top):
        found = {}
        for root, _dirs, names in os.walk(top):
            for name in names:
                if any(fnmatch.fnmatch(name, p) for p in patterns):
                    path = os.path.join(root, name)
                    found[os.path.relpath(path, top)] = path
        return found

    gen, have = listing(generated), listing(checked_in)
    added = sorted(set(gen) - set(have))
    removed = sorted(set(have) - set(gen))
    changed = []
    for rel in sorted(set(gen) & set(have)):
        with open(gen[rel], "rb") as a, open(have[rel], "rb") as b:
            if a.read() != b.read():
                changed.append(rel)
    return added, removed, changed


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=sorted(MANAGED) + ["plugin"])
    ap.add_argument("--proto-path", default=".", help="root the proto names are relative to (descriptor)")
    ap.add_argument("--descriptor-set", help="descriptor set to generate from (cpp, python, go)")
    ap.add_argument("--descriptor-out", help="descriptor set file to publish (descriptor)")
    ap.add_argument("--out", help="output folder to publish into (cpp, python, go)")
    ap.add_argument("--protoc", help="system protoc (cpp)")
    ap.add_argument("--grpc-plugin", help="grpc_cpp_plugin (cpp)")
    ap.add_argument("--go-plugin", help="protoc-gen-go (go)")
    ap.add_argument("--go-grpc-plugin", help="protoc-gen-go-grpc (go)")
    ap.add_argument("--python-generator",
                    help="folder holding the pinned grpcio-tools of python/requirements-gen.txt (python)")
    ap.add_argument("--mypy-plugin", help="mypy-protobuf's protoc-gen-mypy (python)")
    ap.add_argument("--mypy-grpc-plugin", help="mypy-protobuf's protoc-gen-mypy_grpc (python)")
    ap.add_argument("--name", help="kind name for lock/temp folders (plugin)")
    ap.add_argument("--manage", help="comma-separated globs of the files this kind owns in --out (plugin)")
    ap.add_argument("--protoc-arg", action="append", default=[],
                    help="protoc argument for the run over every file; {out} = output folder (plugin)")
    ap.add_argument("--service-arg", action="append", default=[],
                    help="protoc argument for a second run over the files with services (plugin)")
    ap.add_argument("--expect", default=None,
                    help="space-separated outputs the Makefile lists (paths as seen from the "
                         "current folder); a mismatch is an error")
    ap.add_argument("--stamp", required=True, help="file written last when everything is published")
    ap.add_argument("protos", nargs="+", help="proto names, e.g. oaktree/v1/common.proto")
    args = ap.parse_args()

    kind = args.kind
    patterns = MANAGED.get(kind)
    if kind == "plugin":
        if not (args.name and args.manage and args.protoc_arg):
            fail("plugin needs --name, --manage and --protoc-arg")
        patterns = args.manage.split(",")
    tag = args.name if kind == "plugin" else kind
    if kind == "descriptor":
        if not args.descriptor_out:
            fail("descriptor needs --descriptor-out")
        out = os.path.dirname(args.descriptor_out) or "."
    else:
        if not (args.out and args.descriptor_set):
            fail(f"{kind} needs --out and --descriptor-set")
        out = args.out

    # Concurrent runs of one kind (two makes in one build tree) take turns, so
    # the leftover clean-up below only ever sees folders of dead runs.
    os.makedirs(os.path.dirname(os.path.abspath(args.stamp)), exist_ok=True)
    lock = open(args.stamp + ".lock", "a")  # "a": no truncation, no new mtime
    fcntl.flock(lock, fcntl.LOCK_EX)

    # A run that dies from here on must not leave the stamp looking current.
    if os.path.exists(args.stamp):
        os.remove(args.stamp)
    os.makedirs(out, exist_ok=True)
    parent = os.path.dirname(os.path.abspath(out))
    for leftover in os.listdir(parent):
        if leftover.startswith(f".{tag}-tmp-"):
            shutil.rmtree(os.path.join(parent, leftover), ignore_errors=True)
    tmp = tempfile.mkdtemp(prefix=f".{tag}-tmp-", dir=parent)
    try:
        produced = generate(kind, args, tmp)
        if args.expect is not None and kind != "descriptor":
            expected = sorted(os.path.relpath(p, out) for p in args.expect.split())
            if expected != produced:
                missing = sorted(set(produced) - set(expected))
                extra = sorted(set(expected) - set(produced))
                fail("the Makefile's list of generated files is stale "
                     f"(produced but not listed: {missing}; listed but not produced: {extra}); "
                     "run python -m tools.maintain.update_proto_list")
        changed, removed = sync_tree(tmp, out, produced, patterns)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(args.stamp + ".tmp", "w") as f:
        f.write("".join(p + "\n" for p in produced))
    os.replace(args.stamp + ".tmp", args.stamp)
    if changed or removed:
        print(f"  {tag}: {len(changed)} file(s) updated, {len(removed)} removed, "
              f"{len(produced) - len(changed)} unchanged")


if __name__ == "__main__":
    main()

"""Time the build on this machine: configure, a clean build language by
language (the descriptor set, then each language's package: `make -j2
<package>`, in the order of `make print-packages`, then the rest of `make`),
a no-op `make`, a touched-but-unchanged .proto, and a rebuild after changing
one message (naming the packages that were rewritten). Runs in a scratch copy
of the source tree (out-of-tree build, every language configure finds),
repeats each step, and prints an RST table (median, min, max) for
BENCHMARKS.rst. Timing is reported, never asserted: machines are noisy.

    .venv/bin/python -m tools.maintain.bench_build [--runs 3] [--proto compute.proto]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "gen", "dist", "autom4te.cache", "__pycache__", "*.o", "*.lo", "*.la",
    ".libs", ".deps", "Makefile", "config.status", "config.log", "libtool", "oaktreemodel.pc",
    "*.log", "*.trs", "*.tar.*", "oaktreemodel-*", "node_modules", "target", "build")


def timed(cmd, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE") and k != "MFLAGS"}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench_build: {' '.join(cmd)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return dt, proc.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--proto", default="compute.proto", help="the file whose message is changed")
    ap.add_argument("--python", default=sys.executable)
    args = ap.parse_args()

    results = {}
    recompiled, rewritten = set(), set()

    def record(step, seconds):
        results.setdefault(step, []).append(seconds)

    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            src, build = os.path.join(tmp, "src"), os.path.join(tmp, "build")
            shutil.copytree(SRC, src, ignore=IGNORE)
            os.makedirs(build)
            proto = os.path.join(src, "oaktree", "v1", args.proto)
            record("configure", timed([os.path.join(src, "configure"), "-q", f"PYTHON={args.python}",
                                       f"--with-js-node-modules={os.path.join(SRC, 'js', 'node_modules')}"],
                                      build)[0])
            packages = timed(["make", "-s", "--no-print-directory", "print-packages"], build)[1].split()
            record("clean: descriptor set", timed(["make", "-j2", "gen/descriptor.stamp"], build)[0])
            for target in packages:
                record("clean: " + os.path.basename(target), timed(["make", "-j2", target], build)[0])
            record("clean: the rest of make", timed(["make", "-j2"], build)[0])
            record("no-op make", timed(["make"], build)[0])

            def mtimes():
                return {t: os.stat(os.path.join(build, t)).st_mtime_ns for t in packages}
            before = mtimes()
            os.utime(proto)
            record("touched .proto, make", timed(["make", "-j2"], build)[0])
            rewritten_on_touch = [t for t, m in mtimes().items() if m != before[t]]
            if rewritten_on_touch:
                print("touched .proto rewrote: " + ", ".join(rewritten_on_touch), file=sys.stderr)
            before = mtimes()
            with open(proto, "a") as f:
                f.write("\n// BenchOnly is added by tools/maintain/bench_build.py.\n"
                        "message BenchOnly {\n  // A field.\n  string x = 1;\n}\n")
            dt, out = timed(["make", "-j2"], build)
            record("one message changed, make -j2", dt)
            recompiled |= {line.split()[-1] for line in out.splitlines() if line.strip().startswith("CXX ")}
            rewritten |= {os.path.basename(t) for t, m in mtimes().items() if m != before[t]}

    print(f"{args.runs} run(s), {os.cpu_count()} CPUs; seconds\n")
    rule = "=" * 45 + "  ======  ======  ======"
    print(rule)
    print(f"{'step':<45}  median     min     max")
    print(rule)
    for step, xs in results.items():
        print(f"{step:<45}  {statistics.median(xs):6.2f}  {min(xs):6.2f}  {max(xs):6.2f}")
    print(rule)
    print(f"\nC++ recompiled after changing {args.proto}: {', '.join(sorted(recompiled)) or 'nothing'}")
    print(f"packages rewritten after changing {args.proto}: {', '.join(sorted(rewritten)) or 'nothing'}")


if __name__ == "__main__":
    main()

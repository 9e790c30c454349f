"""Time the build on this machine: configure, a clean `make -j2`, a no-op
`make`, a touched-but-unchanged .proto, and a rebuild after changing one
message. Runs in a scratch copy of the source tree (out-of-tree build, Go
off), repeats each step, and prints an RST table (median, min, max) for
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
    "*.log", "*.trs", "*.tar.*", "oaktreemodel-*")


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

    results = {k: [] for k in ("configure", "clean make -j2", "no-op make",
                               "touched .proto, make", "one message changed, make -j2")}
    recompiled = set()
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            src, build = os.path.join(tmp, "src"), os.path.join(tmp, "build")
            shutil.copytree(SRC, src, ignore=IGNORE)
            os.makedirs(build)
            proto = os.path.join(src, "oaktree", "v1", args.proto)
            results["configure"].append(timed(
                [os.path.join(src, "configure"), "-q", f"PYTHON={args.python}", "--without-go"], build)[0])
            results["clean make -j2"].append(timed(["make", "-j2"], build)[0])
            results["no-op make"].append(timed(["make"], build)[0])
            os.utime(proto)
            results["touched .proto, make"].append(timed(["make"], build)[0])
            with open(proto, "a") as f:
                f.write("\n// BenchOnly is added by tools/maintain/bench_build.py.\n"
                        "message BenchOnly {\n  // A field.\n  string x = 1;\n}\n")
            dt, out = timed(["make", "-j2"], build)
            results["one message changed, make -j2"].append(dt)
            recompiled |= {line.split()[-1] for line in out.splitlines() if line.strip().startswith("CXX ")}

    print(f"{args.runs} run(s), {os.cpu_count()} CPUs; seconds\n")
    print("=================================  ======  ======  ======")
    print("step                               median     min     max")
    print("=================================  ======  ======  ======")
    for step, xs in results.items():
        print(f"{step:<33}  {statistics.median(xs):6.2f}  {min(xs):6.2f}  {max(xs):6.2f}")
    print("=================================  ======  ======  ======")
    print(f"\nrecompiled after changing {args.proto}: {', '.join(sorted(recompiled)) or 'nothing'}")


if __name__ == "__main__":
    main()

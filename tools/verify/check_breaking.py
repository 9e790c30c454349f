"""Guard upgrades: compare the API with the last release's descriptor set.

Released APIs are kept in the tree (tools/verify/api-baselines/oaktree-v1-X.Y.Z.binpb,
written by `make api-baseline` at release time), so the check needs no git
history or network (shallow CI clones broke history-based checks elsewhere).
`buf breaking` runs with the FILE category of buf.yaml: wire, JSON and the
generated code of every language.

Policy (the project's promise):
  * from 1.0.0 on, no breaking change is accepted, whatever the version says;
  * before 1.0.0, a breaking change is accepted only in a new MINOR release
    (0.1.x -> 0.2.0), and the findings are printed so the release notes can
    list them; within a patch release nothing may break.
With no baseline yet (nothing released), there is nothing to break: it says so.

  --baseline-out FILE  writes the current set as a release baseline instead.
"""

import argparse
import os
import re
import subprocess
import sys

from tools import descriptors

NAME = re.compile(r"^oaktree-v1-(\d+)\.(\d+)\.(\d+)\.binpb$")


def parse_version(text):
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text)
    if not m:
        sys.exit(f"check_breaking: version {text!r} is not MAJOR.MINOR.PATCH")
    return tuple(int(x) for x in m.groups())


def latest_baseline(folder, current):
    """Newest baseline whose version is <= current, as (version, path), or None."""
    found = []
    for name in os.listdir(folder) if os.path.isdir(folder) else []:
        m = NAME.match(name)
        if m:
            v = tuple(int(x) for x in m.groups())
            if v <= current:
                found.append((v, os.path.join(folder, name)))
    return max(found) if found else None


def write_baseline(descriptor_set, out):
    """Our files and their imports, without comments (FILE checks do not read them)."""
    ds = descriptors.load(descriptor_set)
    with open(out, "wb") as f:
        f.write(ds.serialize(source_info=False))
    print(f"check_breaking: wrote {out} ({len(ds.files)} files)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--descriptor-set", required=True)
    ap.add_argument("--baselines", required=True, help="folder of released descriptor sets")
    ap.add_argument("--version", required=True, help="version being built (AC_INIT)")
    ap.add_argument("--buf", default="buf")
    ap.add_argument("--config", required=True, help="buf.yaml")
    ap.add_argument("--baseline-out", help="write a baseline for --version and stop")
    args = ap.parse_args()

    current = parse_version(args.version)
    if args.baseline_out:
        write_baseline(args.descriptor_set, args.baseline_out)
        return
    base = latest_baseline(args.baselines, current)
    if base is None:
        print(f"check_breaking: no released API in {args.baselines} up to {args.version}; "
              "nothing can break yet (a release adds its baseline with `make api-baseline`)")
        return
    base_version, base_path = base
    proc = subprocess.run([args.buf, "breaking", args.descriptor_set, "--against", base_path,
                           "--config", args.config, "--against-config", args.config,
                           "--path", "oaktree/v1"], capture_output=True, text=True)
    findings = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode not in (0, 100) or (proc.returncode == 100 and not findings):
        sys.exit(f"check_breaking: buf failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}")
    bv = ".".join(map(str, base_version))
    if not findings:
        print(f"check_breaking: no breaking change since {bv}")
        return
    new_minor = current[0] == 0 and base_version[0] == 0 and current[1] > base_version[1]
    report = "\n  ".join(findings)
    if new_minor:
        print(f"check_breaking: {len(findings)} breaking change(s) since {bv}, accepted before 1.0.0 "
              f"in the new minor release {args.version}; list them in the release notes:\n  {report}")
        return
    rule = ("from 1.0.0 on nothing may break" if current[0] >= 1 or base_version[0] >= 1
            else f"before 1.0.0 only a new MINOR may break; {args.version} is not one after {bv}")
    sys.exit(f"check_breaking: {len(findings)} breaking change(s) since {bv} ({rule}):\n  {report}")


if __name__ == "__main__":
    main()

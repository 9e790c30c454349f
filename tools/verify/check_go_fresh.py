"""Compare the checked-in Go (golang/oaktree/) with a fresh regeneration.

Git keeps no timestamps, so freshness is decided by regenerating with the
pinned protoc and plugins (make does that into gen/go) and comparing bytes:
any file added, removed or changed fails, by name. With --update (the
`make generate-go` maintainer target) the checked-in tree is rewritten
instead, touching only files that differ.
"""

import argparse
import os
import shutil
import sys
import tempfile

from tools.generate import protoc_gen

PATTERNS = protoc_gen.MANAGED["go"]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--generated", required=True, help="fresh output root (gen/go)")
    ap.add_argument("--checked-in", required=True, help="the Go module root (golang/)")
    ap.add_argument("--update", action="store_true", help="rewrite the checked-in files")
    args = ap.parse_args()

    fresh = os.path.join(args.generated, "oaktree")
    have = os.path.join(args.checked_in, "oaktree")
    if not os.path.isdir(fresh):
        sys.exit(f"check_go_fresh: {fresh} does not exist; run make first")
    added, removed, changed = protoc_gen.diff_trees(fresh, have, PATTERNS)

    if args.update:
        produced = []
        for root, _dirs, names in os.walk(fresh):
            produced += [os.path.relpath(os.path.join(root, n), fresh) for n in names]
        # sync_tree moves files out of the source folder; copy first.
        with tempfile.TemporaryDirectory(dir=args.generated) as tmp:
            copy = os.path.join(tmp, "oaktree")
            shutil.copytree(fresh, copy)
            ch, rm = protoc_gen.sync_tree(copy, have, produced, PATTERNS)
        print(f"generate-go: {len(ch)} file(s) written, {len(rm)} removed under {have}")
        for rel in ch:
            print(f"  updated {rel}")
        for rel in rm:
            print(f"  removed {rel}")
        return

    if added or removed or changed:
        print("The checked-in Go differs from a fresh regeneration (run `make generate-go` and commit):")
        for rel in added:
            print(f"  missing from golang/oaktree/: {rel}")
        for rel in removed:
            print(f"  no longer generated:         {rel}")
        for rel in changed:
            print(f"  content differs:             {rel}")
        sys.exit(1)
    count = sum(len(n) for _r, _d, n in os.walk(fresh))
    print(f"check_go_fresh: golang/oaktree/ matches a fresh regeneration ({count} files)")


if __name__ == "__main__":
    main()

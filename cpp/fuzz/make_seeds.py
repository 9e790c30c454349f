# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""Seed corpus of cpp/fuzz-messages from the wire vectors.

Each vector's binary (and unknown_binary) becomes one file: the two-byte
little-endian index of its type in the fuzzer's own type list
(``OAKTREE_FUZZ_LIST_TYPES=1 cpp/fuzz-messages``, one "index name" per line)
followed by the bytes. ``--records`` adds the binaries of a JSON Lines file
of ``{"type", "binary"}`` records (the hostile inputs of
tests/differential/hostile.py). Types the fuzzer does not know are left out.

    make_seeds.py --types TYPES.txt --vectors tests/vectors [--records R.jsonl] --out DIR
"""

import argparse
import glob
import hashlib
import json
import os


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--types", required=True)
    ap.add_argument("--vectors", required=True)
    ap.add_argument("--records")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    index = {}
    with open(args.types, encoding="utf-8") as f:
        for line in f:
            i, name = line.split()
            index[name] = int(i)
    n = 0

    def seed(type_name, hex_bytes):
        nonlocal n
        if type_name not in index:
            return
        data = index[type_name].to_bytes(2, "little") + bytes.fromhex(hex_bytes)
        with open(os.path.join(args.out, hashlib.sha1(data).hexdigest()), "wb") as out:
            out.write(data)
        n += 1

    for path in sorted(glob.glob(os.path.join(args.vectors, "*.json"))):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        for v in doc["vectors"]:
            for key in ("binary", "unknown_binary"):
                if key in v:
                    seed(doc["type"], v[key])
    if args.records:
        with open(args.records, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                seed(r["type"], r["binary"])
    if not n:
        raise SystemExit("no seeds: no vector of %s matches a type of %s" % (args.vectors, args.types))
    print("%d seeds from %s%s" % (n, args.vectors, " and " + args.records if args.records else ""))


if __name__ == "__main__":
    main()

# Copyright 2026 The oaktreemodel Authors
# SPDX-License-Identifier: Apache-2.0
"""What a language's runtime documentedly cannot do or does differently (its
folder's README says why; the README's language table lists them). The
vector and differential tests encode exactly these rules, so a change in a
runtime shows up as a failure that asks for this table to change."""

# No JSON mapping at all: the checker cannot compare JSON.
NO_JSON = {"rust": "prost/tonic ship no JSON mapping; the crate offers binary only (rust/README.rst)"}

# Unknown fields are dropped on parse: bytes compare without them.
DROPS_UNKNOWN = {"rust": "prost keeps no unknown fields (rust/README.rst)"}

# Hostile classes a runtime answers otherwise than the encoding rules say
# (differential/compare.py EXPECTED): {lang: {class: "accept"|"reject"}}.
HOSTILE = {
}

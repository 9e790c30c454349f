"""Prove that every public method of the real shade 1.33.0 is covered by the API.

The coverage map is the union of ``tools/shade/map/*.toml``: one table per
shade method, either ``rpcs = ["oaktree.v1.<Service>.<Rpc>", ...]`` (the RPCs
that serve it) or ``excluded = "<reason>"``, plus an optional ``tier``
(1 = nodepool uses it, 2 = Ansible does, 3 = the rest) and an optional
free-text ``note``.

The method list is not typed in by hand: it is read from shade itself
(``shade.OpenStackCloud`` introspected in the pinned venv, see env.py),
so a method nobody thought of still shows up as missing.

What counts as a public method: every name on ``shade.OpenStackCloud`` (its
own or inherited from shade's mixins ``Normalizer`` and
``LegacyClientFactoryMixin``) that does not start with ``_`` and is a plain
function, staticmethod or classmethod. Properties (``current_project``,
``auth_token``, the legacy ``*_client`` handles...) are not operations a
client calls, so they are listed as a count but not required in the map.
``object``'s own methods all start with ``_`` and are therefore never public.

A mapping must also do what the method does: the verb of the first RPC it
names (``Get`` of ``GetServer``) must be one that the method's own verb
(``get`` of ``get_server``) allows, per VERBS below; so ``delete_server ->
ListServers`` fails. A method whose verb has no rule fails too, so that a new
kind of method is classified on purpose.

Fails (exit 1), naming the culprit, on: a public method neither mapped nor
excluded; an RPC whose verb the method's verb does not allow; a map entry for a method shade does not have; an RPC name not in
the descriptor set; an entry with both or neither of rpcs/excluded; an empty
reason; an empty rpcs list; an unknown key or bad tier; the same method in
two files. Prints mapped / excluded / missing per tier, and (for
information) how many RPCs of the descriptor set no method maps to.
"""

import argparse
import collections
import glob
import json
import os
import re
import sys
import tomllib

from tools import descriptors
from tools.shade import env as shade_env

ALLOWED_KEYS = {"rpcs", "excluded", "tier", "note"}
# What a shade method's verb (its name up to the first "_") may map to: the
# verb of the first RPC of its entry. Reads may be served by any reading RPC.
READS = {"Get", "List", "Watch", "Download", "Is"}
VERBS = {
    "get": READS, "list": {"List"}, "search": {"List"}, "iter": {"List"},
    "has": READS, "is": {"Is"}, "use": READS, "volume": READS, "endpoint": READS,
    "download": {"Download"}, "wait": {"Watch"},
    "create": {"Create", "Upload"}, "available": {"Allocate"},
    "delete": {"Delete"}, "update": {"Update", "Set", "Replace"}, "set": {"Set"},
    "add": {"Add"}, "remove": {"Remove"}, "attach": {"Attach"}, "detach": {"Detach"},
    "grant": {"Grant"}, "revoke": {"Revoke"}, "rebuild": {"Rebuild"},
}


def rpc_verb(rpc):
    """"Get" for "oaktree.v1.ComputeService.GetServer"."""
    m = re.match(r"[A-Z][a-z]+", rpc.rsplit(".", 1)[-1])
    return m.group(0) if m else ""


def check_verb(method, label, rpcs):
    """The problem with a mapping whose first RPC does not do what the method does."""
    verb = method.split("_", 1)[0]
    allowed = VERBS.get(verb)
    if allowed is None:
        return ["%s: no verb rule for %r methods (tools/shade/check_coverage.py VERBS)"
                % (label, verb)]
    if rpc_verb(rpcs[0]) not in allowed:
        return ["%s maps %s() to %s, but a %r method must map to %s first"
                % (label, method, rpcs[0], verb, "/".join(sorted(allowed)))]
    return []
TIER_NAMES = {1: "1 nodepool", 2: "2 ansible", 3: "3 rest", None: "? untiered"}


def load_maps(map_dir):
    """Return ({method: (file, entry)}, [problems]) for every *.toml in map_dir."""
    entries, problems = {}, []
    files = sorted(glob.glob(os.path.join(map_dir, "*.toml")))
    if not files:
        problems.append("no *.toml coverage maps in %s" % map_dir)
    for path in files:
        name = os.path.relpath(path)
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except tomllib.TOMLDecodeError as exc:
            problems.append("%s: not valid TOML: %s" % (name, exc))
            continue
        for method, entry in data.items():
            if method in entries:
                problems.append("%s: [%s] is also mapped in %s"
                                % (name, method, entries[method][0]))
                continue
            entries[method] = (name, entry)
    return entries, problems


def check_entry(method, where, entry, rpcs):
    """Problems with one map entry (an empty list when it is well-formed)."""
    label = "%s: [%s]" % (where, method)
    if not isinstance(entry, dict):
        return ["%s is not a table" % label]
    problems = []
    unknown = sorted(set(entry) - ALLOWED_KEYS)
    if unknown:
        problems.append("%s has unknown key(s) %s (allowed: %s)"
                        % (label, ", ".join(unknown), ", ".join(sorted(ALLOWED_KEYS))))
    has_rpcs, has_excl = "rpcs" in entry, "excluded" in entry
    if has_rpcs == has_excl:
        problems.append("%s must have exactly one of `rpcs` and `excluded` (has %s)"
                        % (label, "both" if has_rpcs else "neither"))
    if has_excl:
        reason = entry["excluded"]
        if not isinstance(reason, str) or not reason.strip():
            problems.append("%s has an empty `excluded` reason" % label)
    if has_rpcs:
        value = entry["rpcs"]
        if not isinstance(value, list) or not value:
            problems.append("%s: `rpcs` must be a non-empty list of RPC full names" % label)
        else:
            for rpc in value:
                if not isinstance(rpc, str) or rpc not in rpcs:
                    problems.append("%s names RPC %r, which is not in the descriptor set"
                                    % (label, rpc))
            if all(isinstance(rpc, str) for rpc in value):
                problems += check_verb(method, label, value)
    if "tier" in entry and entry["tier"] not in (1, 2, 3):
        problems.append("%s: tier must be 1, 2 or 3, not %r" % (label, entry["tier"]))
    return problems


def table_tiers(path):
    """Tier per method from shade-methods.md: 1 nodepool column set, 2 ansible, else 3."""
    tiers = {}
    with open(path) as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            m = re.match(r"`(\w+)\(", cells[1]) if len(cells) >= 5 else None
            if m:
                tiers[m.group(1)] = 1 if cells[3] else 2 if cells[4] else 3
    return tiers


def shade_methods(args):
    if args.shade_methods_json:
        with open(args.shade_methods_json) as f:
            data = json.load(f)
    else:
        data = shade_env.run_introspect("methods", args.shade_venv)
    if isinstance(data, list):
        return set(data), set(), "from %s" % args.shade_methods_json
    return (set(data["functions"]), set(data.get("properties", {})),
            "%s %s" % (data.get("class", "?"), data.get("shade_version", "?")))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--descriptor-set", required=True,
                        help="FileDescriptorSet of oaktree/v1/*.proto (--include_imports)")
    parser.add_argument("--map-dir", default=shade_env.MAP_DIR,
                        help="folder of <area>.toml coverage maps (default: %(default)s)")
    parser.add_argument("--methods-table",
                        help="shade-methods.md, to give a tier to methods whose entry "
                             "has none (and to missing ones)")
    parser.add_argument("--shade-methods-json",
                        help="JSON list of method names (or introspect.py "
                             "`methods` output) instead of introspecting shade; for tests")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also list the RPCs no shade method maps to")
    shade_env.add_argument(parser)
    args = parser.parse_args(argv)

    try:
        ds = descriptors.load(args.descriptor_set)
        methods, properties, source = shade_methods(args)
    except (OSError, ValueError, shade_env.ShadeEnvError) as exc:
        print("check_shade_coverage: ERROR: %s" % exc, file=sys.stderr)
        return 2
    rpcs = ds.rpc_names()
    tiers = table_tiers(args.methods_table) if args.methods_table else {}

    entries, problems = load_maps(args.map_dir)
    for method, (where, entry) in sorted(entries.items()):
        problems += check_entry(method, where, entry, rpcs)
        if method not in methods:
            problems.append("%s: [%s] is not a public method of shade.OpenStackCloud"
                            % (where, method))

    counts = collections.defaultdict(collections.Counter)
    used_rpcs, missing = set(), []
    for method in sorted(methods):
        where, entry = entries.get(method, (None, None))
        entry = entry if isinstance(entry, dict) else {}
        tier = entry.get("tier", tiers.get(method, 3 if tiers else None))
        tier = tier if tier in (1, 2, 3) else None
        if "rpcs" in entry:
            counts[tier]["mapped"] += 1
            used_rpcs.update(r for r in entry["rpcs"] if isinstance(r, str))
        elif "excluded" in entry:
            counts[tier]["excluded"] += 1
        else:
            counts[tier]["missing"] += 1
            missing.append((tier, method))
    for tier, method in sorted(missing, key=lambda tm: (tm[0] or 9, tm[1])):
        problems.append("shade method %s() (tier %s) is neither mapped nor excluded in %s/*.toml"
                        % (method, tier or "?", args.map_dir))

    print("shade coverage: %d public methods of %s (%d properties not required), "
          "%d map entries, %d RPCs in the descriptor set"
          % (len(methods), source, len(properties), len(entries), len(rpcs)))
    print("  %-12s %7s %9s %8s" % ("tier", "mapped", "excluded", "missing"))
    for tier in (1, 2, 3, None):
        if tier in counts:
            c = counts[tier]
            print("  %-12s %7d %9d %8d" % (TIER_NAMES[tier], c["mapped"], c["excluded"],
                                            c["missing"]))
    total = sum(counts.values(), collections.Counter())
    print("  %-12s %7d %9d %8d" % ("total", total["mapped"], total["excluded"],
                                    total["missing"]))
    unused = sorted(rpcs - used_rpcs)
    print("  RPCs no shade method maps to (informational): %d" % len(unused))
    if args.verbose:
        for rpc in unused:
            print("    %s" % rpc)

    if problems:
        print("\ncheck_shade_coverage: FAILED, %d problem(s):" % len(problems), file=sys.stderr)
        for problem in problems:
            print("  - %s" % problem, file=sys.stderr)
        return 1
    print("check_shade_coverage: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

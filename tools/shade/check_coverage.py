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

The first RPC must also take what the method takes and return what it
returns (rules named in every message):

PARAMS   its request has a field for each required parameter of the method
         (read from shade's signature): a field of that name, one level down
         in a message field of the request (UploadImage's metadata.name), or
         a field PARAM_ALIASES names for that parameter, each with its reason.
RETURNS  for a method whose resource is known (check_data.RESOURCES, the
         table of which shade method returns which message; search_/iter_
         follow list_, get_/create_/update_ and *_by_id follow get_): a list
         method's RPC streams (server-side) messages that carry the resource;
         a one-object method's response has a singular field of it, and is
         unary unless CHUNKED lists it.
EXCLUDED an exclusion is "<kind>: <text>" with kind one of REASON_KINDS and
         at least MIN_REASON characters of text; an `alias` names the shade
         method it is the same function object as, and shade must agree.
TIER     tiers come from the independent table tools/shade/shade-methods.md
         (1 = its nodepool column is set, 2 = its ansible column, else 3; a
         method it does not list is 3): a map entry whose `tier` differs fails.

Fails (exit 1), naming the culprit, on: a public method neither mapped nor
excluded; an RPC whose verb the method's verb does not allow; a map entry for
a method shade does not have; an RPC name not in the descriptor set; an entry with both or neither of rpcs/excluded; an empty
reason; an empty rpcs list; an unknown key or bad tier; the same method in
two files; any rule above. Prints mapped / excluded / missing per tier, and
(for information) how many RPCs of the descriptor set no method maps to.
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
from tools.shade import check_data
from tools.shade import env as shade_env

METHODS_TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shade-methods.md")

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

# --- PARAMS ---------------------------------------------------------------------
# Where a required shade parameter has another name in the request:
# (parameter, method or "*") -> (request fields that take it, why).
SUBJECT = ("the object the call acts on: shade takes its name, ID or dict; the "
           "request's name_or_id takes a name, an ID or a resource_name")
PARAM_ALIASES = {
    ("id", "*"): (["name_or_id"], "get_*_by_id: name_or_id matches an ID exactly first"),
    ("server", "*"): (["name_or_id"], SUBJECT),
    ("image", "*"): (["name_or_id"], SUBJECT),
    ("volume", "*"): (["name_or_id"], SUBJECT),
    ("server_id", "rebuild_server"): (["name_or_id"], SUBJECT),
    ("flavor_id", "get_flavor_name"): (["name_or_id"], SUBJECT),
    ("image_id", "get_image_name"): (["name_or_id"], SUBJECT),
    ("image_name", "get_image_id"): (["name_or_id"], SUBJECT),
    ("user_id", "get_user_by_id"): (["name_or_id"], SUBJECT),
    ("snapshot_id", "get_volume_snapshot_by_id"): (["name_or_id"], SUBJECT),
    ("image_id", "rebuild_server"): (["image"], "the image to rebuild from, by name or ID"),
    ("obj", "get_object"): (["name"], "the object's name within `container`"),
    ("name_or_id", "grant_role"): (["grant"], "the role is RoleGrant.role"),
    ("name_or_id", "revoke_role"): (["grant"], "the role is RoleGrant.role"),
    ("name_or_id", "*_user_*_group"): (
        ["user"], "add_user_to_group, remove_user_from_group, is_user_in_group: "
                  "name_or_id is the user"),
    ("group_name_or_id", "*_user_*_group"): (["group"], "the group of the same three"),
    ("name_or_id", "*_quotas"): (
        ["location"], "the project whose quotas: Location.project (ID or name)"),
    ("name_or_id", "get_compute_usage"): (
        ["location"], "the project whose usage: Location.project (ID or name)"),
    ("server_id", "get_volume_attach_device"): (
        ["name_or_id"], "the volume is name_or_id; the server picks one of the returned "
                        "Volume.attachments, on the client"),
    ("service_key", "*"): (
        ["location"], "has_service, get_session_endpoint: GetCapabilities answers every "
                      "service of Location's cloud; the client picks the key"),
    ("service_type", "endpoint_for"): (
        ["location"], "as for service_key: the client picks from the capabilities"),
    ("filename", "is_object_stale"): (
        ["md5", "sha256"], "the file is on the client's disk: the client sends its hashes"),
}


def _alias(param, method):
    """(key, (fields, why)) of the PARAM_ALIASES entry for this parameter."""
    for (p, scope), value in PARAM_ALIASES.items():
        if p == param and (scope == method or scope == "*" or (
                "*" in scope and re.fullmatch(scope.replace("*", ".*"), method))):
            return (p, scope), value
    return None, None


def request_fields(pool, rpc):
    """Names a request can take a parameter in: its fields, and the fields of
    its message fields one level down (google.protobuf types excluded)."""
    desc = pool.FindMethodByName(rpc).input_type
    names = set(desc.fields_by_name)
    for field in desc.fields:
        sub = field.message_type
        if sub is not None and not sub.full_name.startswith("google.protobuf."):
            names |= set(sub.fields_by_name)
    return names


def check_params(method, label, rpc, required, pool, used=None):
    """PARAMS: each required parameter has a field in the first RPC's request.
    The PARAM_ALIASES keys that served are added to `used`."""
    fields = request_fields(pool, rpc)
    problems = []
    for param in required:
        if param in fields:
            continue
        key, alias = _alias(param, method)
        if alias and any(f in fields for f in alias[0]):
            if used is not None:
                used.add(key)
            continue
        problems.append("%s: PARAMS: %s() requires %r, but %s has no field for it (nor one "
                        "level down; no PARAM_ALIASES entry applies)"
                        % (label, method, param, pool.FindMethodByName(rpc).input_type.full_name))
    return problems


# --- RETURNS --------------------------------------------------------------------
LIST_VERBS = {"list", "search", "iter"}
# One-object RPCs that stream on purpose, and why.
CHUNKED = {
    "oaktree.v1.CloudService.GetComputeUsage":
        "one ComputeUsage sent in chunks of server_usages, merged by MergeFrom",
}


def method_resource(method):
    """(kind, "list" | "one") of what a shade method returns, from
    check_data.RESOURCES; (None, None) when that table does not say."""
    kinds = {}
    for kind, (_, methods) in check_data.RESOURCES.items():
        for m in methods:
            kinds.setdefault(m, kind)
    verb, _, noun = method.partition("_")
    if noun.endswith("_by_id"):
        noun = noun[:-len("_by_id")]
    if verb in LIST_VERBS:
        kind = kinds.get("list_" + noun)
        return (kind, "list") if kind else (None, None)
    if method in kinds:  # named in the table itself (attach_volume, add_router_interface)
        return kinds[method], "one"
    if verb in ("get", "create", "update"):
        if "get_" + noun in kinds:
            return kinds["get_" + noun], "one"
        if verb == "get" and "list_" + noun in kinds:  # get_volumes(server): a list
            return kinds["list_" + noun], "list"
    return None, None


def check_returns(method, label, rpc, pool):
    """RETURNS: the first RPC returns what the method returns."""
    kind, shape = method_resource(method)
    if kind is None:
        return [], False
    wanted = check_data.pick_message(pool, kind)
    if wanted is None:
        return [], False  # check_data reports a missing resource message
    rpc_desc = pool.FindMethodByName(rpc)
    out = rpc_desc.output_type
    streams = rpc_desc.server_streaming
    singular = [f.name for f in out.fields if f.message_type is not None
                and f.message_type.full_name == wanted and not _repeated(f)]
    repeated = [f.name for f in out.fields if f.message_type is not None
                and f.message_type.full_name == wanted and _repeated(f)]
    where = "%s: RETURNS: %s() returns %s" % (label, method,
                                              "a list of " + wanted if shape == "list"
                                              else "one " + wanted)
    if shape == "list":
        if not streams:
            return ["%s, but %s is not a server stream" % (where, rpc)], True
        if not singular and not repeated:
            return ["%s, but %s's messages (%s) carry no %s"
                    % (where, rpc, out.full_name, wanted)], True
        return [], True
    if not singular:
        return ["%s, but %s's response %s has no singular %s field"
                % (where, rpc, out.full_name, wanted)], True
    if streams and rpc not in CHUNKED:
        return ["%s, but %s is a server stream (not in CHUNKED)" % (where, rpc)], True
    return [], True


def _repeated(field):
    if hasattr(field, "is_repeated"):
        return field.is_repeated
    return field.label == field.LABEL_REPEATED


# --- EXCLUDED -------------------------------------------------------------------
REASON_KINDS = {
    "operator-only": "an admin task under the service's default policy; oaktree serves "
                     "end users",
    "deferred": "not in oaktree v1; can be added later without breaking anyone",
    "alias": "the same function object as another shade method, named in the text",
    "client-side": "no cloud call: a helper on data the client holds, or a Python "
                   "object or session that cannot cross an RPC boundary",
}
MIN_REASON = 20


def check_reason(method, label, reason, same_as):
    """EXCLUDED: "<kind>: <text>" with a known kind; an alias names its target."""
    kind, sep, text = reason.partition(":")
    kind, text = kind.strip(), text.strip()
    if not sep or kind not in REASON_KINDS:
        return ["%s: EXCLUDED: the reason must start with one of %s and a colon, not %r"
                % (label, ", ".join(sorted(REASON_KINDS)), reason[:40])]
    if len(text) < MIN_REASON:
        return ["%s: EXCLUDED: %r says too little (%d characters after the kind; at least %d)"
                % (label, reason, len(text), MIN_REASON)]
    if kind == "alias" and same_as is not None:
        named = re.search(r"(\w+)\(\)", text)
        target = same_as.get(method)
        if target is None:
            return ["%s: EXCLUDED: %s() is excluded as an alias, but shade defines it as "
                    "its own function" % (label, method)]
        if named is None or named.group(1) != target:
            return ["%s: EXCLUDED: %s() is an alias of %s() in shade, but the reason names %s"
                    % (label, method, target, named.group(0) if named else "no method()")]
    return []


# --- TIER -----------------------------------------------------------------------
def check_tier(method, label, entry, tiers):
    """TIER: the map's tier is the table's (3 for a method the table lacks)."""
    if "tier" not in entry or entry["tier"] not in (1, 2, 3):
        return []
    wanted = tiers.get(method, 3)
    if entry["tier"] != wanted:
        return ["%s: TIER: the map says tier %s, the methods table (%s) says %d"
                % (label, entry["tier"], "row of %s()" % method if method in tiers
                   else "no row: tier 3", wanted)]
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


def check_entry(method, where, entry, rpcs, pool=None, params=None, same_as=None,
                tiers=None, stats=None):
    """Problems with one map entry (an empty list when it is well-formed).
    With `pool` the first RPC's request and response are checked (PARAMS
    needs `params`, shade's {"required": [...]}); `same_as` is shade's alias
    table, `tiers` the methods table's tiers; `stats` counts what was checked."""
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
        else:
            problems += check_reason(method, label, reason, same_as)
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
            if pool is not None and isinstance(value[0], str) and value[0] in rpcs:
                if params is not None:
                    problems += check_params(method, label, value[0],
                                             params.get("required", []), pool,
                                             None if stats is None else
                                             stats.setdefault("aliases", set()))
                    if stats is not None:
                        stats["params"] = stats.get("params", 0) + 1
                more, checked = check_returns(method, label, value[0], pool)
                problems += more
                if stats is not None and checked:
                    stats["returns"] = stats.get("returns", 0) + 1
                elif stats is not None:
                    stats.setdefault("no_returns", []).append(method)
    if "tier" in entry and entry["tier"] not in (1, 2, 3):
        problems.append("%s: tier must be 1, 2 or 3, not %r" % (label, entry["tier"]))
    if tiers is not None:
        problems += check_tier(method, label, entry, tiers)
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
        return set(data), set(), "from %s" % args.shade_methods_json, None, None
    return (set(data["functions"]), set(data.get("properties", {})),
            "%s %s" % (data.get("class", "?"), data.get("shade_version", "?")),
            data.get("params"), data.get("same_as"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--descriptor-set", required=True,
                        help="FileDescriptorSet of oaktree/v1/*.proto (--include_imports)")
    parser.add_argument("--map-dir", default=shade_env.MAP_DIR,
                        help="folder of <area>.toml coverage maps (default: %(default)s)")
    parser.add_argument("--methods-table", default=METHODS_TABLE,
                        help="the independent methods table the tiers come from "
                             "(default: %(default)s)")
    parser.add_argument("--shade-methods-json",
                        help="JSON list of method names (or introspect.py "
                             "`methods` output) instead of introspecting shade; for tests")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also list the RPCs no shade method maps to, and the "
                             "mapped methods whose return is not checked")
    shade_env.add_argument(parser)
    args = parser.parse_args(argv)

    try:
        ds = descriptors.load(args.descriptor_set)
        methods, properties, source, params, same_as = shade_methods(args)
        tiers = table_tiers(args.methods_table)
    except (OSError, ValueError, shade_env.ShadeEnvError) as exc:
        print("check_shade_coverage: ERROR: %s" % exc, file=sys.stderr)
        return 2
    rpcs = ds.rpc_names()
    if not tiers:
        print("check_shade_coverage: ERROR: no method rows in %s" % args.methods_table,
              file=sys.stderr)
        return 2

    entries, problems = load_maps(args.map_dir)
    stats = {"params": 0, "returns": 0}
    for method, (where, entry) in sorted(entries.items()):
        problems += check_entry(method, where, entry, rpcs, pool=ds.pool,
                                params=None if params is None else params.get(method, {}),
                                same_as=same_as, tiers=tiers, stats=stats)
        if method not in methods:
            problems.append("%s: [%s] is not a public method of shade.OpenStackCloud"
                            % (where, method))

    if params is not None:
        for key in sorted(set(PARAM_ALIASES) - stats.get("aliases", set())):
            problems.append("PARAMS: PARAM_ALIASES entry %r serves no mapping: remove it" % (key,))
    counts = collections.defaultdict(collections.Counter)
    used_rpcs, missing = set(), []
    for method in sorted(methods):
        where, entry = entries.get(method, (None, None))
        entry = entry if isinstance(entry, dict) else {}
        tier = tiers.get(method, 3)
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
    print("  first RPC checked against the method: PARAMS %s, RETURNS %d (resource known); "
          "tiers from %s (%d rows)"
          % ("%d" % stats["params"] if params is not None else "not checked (no signatures)",
             stats["returns"], os.path.relpath(args.methods_table), len(tiers)))
    if args.verbose:
        print("  mapped methods RETURNS cannot check (no resource known): %s"
              % ", ".join(stats.get("no_returns", [])))
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

"""Prove that shade's real normalized data fits the oaktree messages without loss.

shade 1.33.0's own normalize functions are run offline, in the pinned venv,
on shade's own test fixtures and the REST bodies of tools/shade/fixtures/
(tools/shade/introspect.py ``normalize``); for resources shade hands back raw
(networks, ports, zones, ...) the raw fixture dict is used. Each resulting
dict is converted into its oaktree message by the generic, descriptor-driven
converter in tools/shade/convert.py, which knows no resource by name. The
check fails when:
  * a resource's message type is not in the descriptor set (MISSING), unless
    every shade method that returns it is ``excluded`` in the coverage map;
  * a key is dropped (no field, and no ``Struct properties`` to hold it);
  * a value does not fit its field (resource, key, value and field named);
  * an enum string has no matching value;
  * a message does not survive a binary or a JSON round trip;
  * shade itself failed on a fixture;
  * shade's network expansion (meta.add_server_interfaces asking Neutron for
    networks, subnets, ports and floating IPs) was not exercised: some key of
    NETWORK_EXPANSION was filled by no expanded record, or a value it filled
    is not in the message (EXPANSION rule);
  * a patch of tools/shade/fixtures/placeholders.json replaced nothing in any
    fixture (it is no longer needed: remove it).
"""

import argparse
import collections
import glob
import json
import os
import sys
import tomllib

from tools import descriptors
from tools.shade import convert as shade_convert
from tools.shade import env as shade_env

# kind -> (candidate message names in oaktree.v1, shade methods that return it).
# The first candidate that exists is used, so an area owner may pick either
# spelling; the methods decide whether the kind is served at all.
RESOURCES = {
    "server": (["Server"], ["get_server", "list_servers"]),
    "flavor": (["Flavor"], ["get_flavor", "list_flavors"]),
    "image": (["Image"], ["get_image", "list_images"]),
    "keypair": (["Keypair", "KeyPair"], ["get_keypair", "list_keypairs"]),
    "security_group": (["SecurityGroup"], ["get_security_group", "list_security_groups"]),
    "security_group_rule": (["SecurityGroupRule"], ["create_security_group_rule"]),
    "floating_ip": (["FloatingIp", "FloatingIP"], ["get_floating_ip", "list_floating_ips"]),
    "compute_limits": (["ComputeLimits"], ["get_compute_limits"]),
    "compute_usage": (["ComputeUsage"], ["get_compute_usage"]),
    "compute_quotas": (["ComputeQuotas", "ComputeQuota", "ComputeQuotaSet"],
                       ["get_compute_quotas"]),
    "volume": (["Volume"], ["get_volume", "list_volumes"]),
    "volume_type": (["VolumeType"], ["get_volume_type", "list_volume_types"]),
    "volume_type_access": (["VolumeTypeAccess"], ["get_volume_type_access"]),
    "volume_snapshot": (["VolumeSnapshot", "Snapshot"],
                        ["get_volume_snapshot", "list_volume_snapshots"]),
    "volume_backup": (["VolumeBackup", "Backup"], ["get_volume_backup", "list_volume_backups"]),
    "network": (["Network"], ["get_network", "list_networks"]),
    "subnet": (["Subnet"], ["get_subnet", "list_subnets"]),
    "port": (["Port"], ["get_port", "list_ports"]),
    "router": (["Router"], ["get_router", "list_routers"]),
    "server_group": (["ServerGroup"], ["get_server_group", "list_server_groups"]),
    # oaktree.v1.Project is the Location's project reference; Keystone's
    # project resource needs its own name.
    "project": (["IdentityProject", "ProjectResource", "KeystoneProject"],
                ["get_project", "list_projects"]),
    "role": (["IdentityRole", "Role"], ["get_role", "list_roles"]),
    "user": (["IdentityUser", "User"], ["get_user", "list_users"]),
    "domain": (["IdentityDomain", "Domain"], ["get_domain", "list_domains"]),
    "group": (["IdentityGroup", "Group"], ["get_group", "list_groups"]),
    "role_assignment": (["RoleAssignment"], ["list_role_assignments"]),
    "flavor_access": (["FlavorAccess"], ["list_flavor_access"]),
    "keystone_service": (["IdentityCatalogService", "IdentityServiceEntry", "CatalogService",
                          "KeystoneService"], ["get_service", "list_services"]),
    "stack": (["Stack"], ["get_stack", "list_stacks"]),
    "cluster_template": (["ClusterTemplate"],
                         ["get_cluster_template", "list_cluster_templates"]),
    "magnum_service": (["MagnumService"], ["list_magnum_services"]),
    "volume_attachment": (["VolumeAttachment"], ["attach_volume"]),
    "volume_quotas": (["VolumeQuotas"], ["get_volume_quotas"]),
    "volume_limits": (["VolumeLimits"], ["get_volume_limits"]),
    "network_quotas": (["NetworkQuotas"], ["get_network_quotas"]),
    "network_quota_details": (["NetworkQuotaDetails"], ["get_network_quotas"]),
    "router_interface": (["RouterInterface"], ["add_router_interface"]),
    "floating_ip_pool": (["FloatingIpPool", "FloatingIPPool"], ["list_floating_ip_pools"]),
    "object_container": (["ObjectStoreContainer", "Container"], ["list_containers"]),
    "object": (["ObjectStoreObject", "Object"], ["list_objects"]),
    "zone": (["DnsZone", "Zone"], ["get_zone", "list_zones"]),
    "recordset": (["DnsRecordset", "Recordset", "RecordSet"], ["get_recordset", "list_recordsets"]),
}
PACKAGE = descriptors.PACKAGE


def excluded_methods(map_dir):
    """Methods marked ``excluded`` in the coverage maps (empty without maps)."""
    out = set()
    for path in glob.glob(os.path.join(map_dir, "*.toml")) if map_dir else []:
        try:
            with open(path, "rb") as f:
                data = tomllib.load(f)
        except (OSError, tomllib.TOMLDecodeError):
            continue  # check_coverage reports broken maps
        out.update(m for m, e in data.items() if isinstance(e, dict) and "excluded" in e)
    return out


def pick_message(pool, kind):
    names, _ = RESOURCES[kind]
    for name in names:
        full = "%s.%s" % (PACKAGE, name)
        if descriptors.message_class(pool, full) is not None:
            return full
    return None


# The only top-level keys that may land in `properties`, per kind, and why.
# shade's normalize functions put every key they do not normalize into
# `properties` themselves, so a normalized record's top-level keys must all be
# typed: one in `properties` means a typed field is missing or was renamed.
# Raw records (Neutron, Designate, Cinder quotas) keep the cloud's keys; these
# are the ones with no typed field on purpose.
EXPECTED_PROPERTIES = {
    # the owner, kept in location.project
    "network": {"project_id", "tenant_id"}, "subnet": {"project_id", "tenant_id"},
    "port": {"project_id", "tenant_id"}, "router": {"project_id", "tenant_id"},
    "router_interface": {"tenant_id", "request_ids"},
    # Designate's API links and bookkeeping
    "zone": {"links", "project_id", "transferred_at", "version"},
    "recordset": {"links", "project_id", "version", "zone"},
    # per-volume-type quotas: key names made of the cloud's type names
    "volume_quotas": {"gigabytes_lvmdriver-1", "snapshots_lvmdriver-1", "volumes_lvmdriver-1"},
}


# What shade's network expansion fills from Neutron's answers; each must be
# filled (non-empty) by at least one expanded record, and arrive in the message.
NETWORK_EXPANSION = {
    "private_v4": "the fixed address on an internal network (Neutron networks + subnets)",
    "public_v4": "the floating address only Neutron knows (ports + floatingips)",
    "addresses": "that floating address appended to the server's addresses",
}
PLACEHOLDERS_JSON = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                 "fixtures", "placeholders.json")


def check_expansion(msg, expansion):
    """Problems with one expanded record: a value the expansion filled that
    the message does not carry. Returns (problems, keys filled)."""
    problems, filled = [], set()
    fields = msg.DESCRIPTOR.fields_by_name
    for key, value in sorted(expansion.get("set", {}).items()):
        if value in ("", None):
            continue
        filled.add(key)
        field = fields.get(shade_convert.snake(key))
        got = getattr(msg, field.name) if field is not None else None
        if got != value:
            problems.append("EXPANSION: %s = %r was filled by the network expansion but the "
                            "message holds %r in %s" % (key, value, got,
                                                        field.name if field else "no field"))
    for net, address in expansion.get("added_addresses", []):
        filled.add("addresses")
        held = [a.addr for a in msg.addresses[net].addresses] if net in msg.addresses else []
        if address.get("addr") not in held:
            problems.append("EXPANSION: address %s appended to network %r by the expansion is "
                            "not in the message's addresses" % (address.get("addr"), net))
    return problems, filled


def patch_problems(records, path=PLACEHOLDERS_JSON):
    """A patch that replaced nothing in any record is no longer needed. Only
    records from introspect.py (which carry "patched") can say."""
    if not any("patched" in r for r in records):
        return []
    with open(path) as f:
        patches = json.load(f)["patches"]
    used = {p["key"] for r in records for p in r.get("patched", [])}
    return ["fixture patch %r (%r -> %r) replaced nothing in any fixture: it is no longer "
            "needed, remove it from %s" % (key, p["replace"], p["with"], os.path.relpath(path))
            for key, p in sorted(patches.items()) if key not in used]


def is_project_written(fixture):
    """True for input the project wrote (a "synthetic" fixture), False for
    shade's own test fixtures."""
    return fixture.startswith("synthetic")


def check_records(records, pool, excluded, out=sys.stdout, verbose=False):
    """Convert every record; print the table; return the list of failures."""
    converter = shade_convert.Converter(pool)
    failures, rows, notes = [], [], []
    expanded, filled = 0, set()
    for rec in records:
        kind, fixture = rec["kind"], rec["fixture"]
        if kind not in RESOURCES:
            failures.append("%s (%s): no message type is known for this kind" % (kind, fixture))
            rows.append((kind, fixture, "?", "", "UNKNOWN KIND"))
            continue
        if "error" in rec:
            failures.append("%s (%s): shade failed on its fixture: %s"
                            % (kind, fixture, rec["error"]))
            rows.append((kind, fixture, "-", "", "SHADE ERROR"))
            continue
        full = pick_message(pool, kind)
        if full is None:
            methods = RESOURCES[kind][1]
            names = RESOURCES[kind][0]
            wanted = "%s.%s" % (PACKAGE, names[0]) + (
                " (or %s)" % ", ".join(names[1:]) if names[1:] else "")
            if all(m in excluded for m in methods):
                rows.append((kind, fixture, wanted, "", "not served (excluded)"))
            else:
                failures.append("%s (%s): message type %s is MISSING from the descriptor set"
                                % (kind, fixture, wanted))
                rows.append((kind, fixture, wanted, "", "MISSING"))
            continue
        msg, result = converter.convert(rec["data"], full, kind)
        problems = list(result.problems)
        problems += ["key %r landed in properties: %s has no typed field for it (renamed or "
                     "missing?)" % (key, full)
                     for key in sorted(set(result.properties) - EXPECTED_PROPERTIES.get(kind, set()))]
        if "expansion" in rec:
            expanded += 1
            more, keys = check_expansion(msg, rec["expansion"])
            problems += more
            filled |= keys
        if not problems:
            problems += ["%s: %s" % (kind, p) for p in shade_convert.round_trip(msg)]
        counts = "%d/%d" % (len(result.typed), len(result.properties))
        rows.append((kind, fixture, full, counts, "ok" if not problems else
                     "FAIL (%d)" % len(problems)))
        if verbose and result.properties:
            notes.append("%s (%s): into properties: %s"
                         % (kind, fixture, ", ".join(sorted(result.properties))))
        failures += ["%s (%s): %s" % (kind, fixture, p) for p in problems]

    if any(r.get("kind") == "server" and "data" in r for r in records):
        for key, what in sorted(NETWORK_EXPANSION.items()):
            if key not in filled:
                failures.append("server: EXPANSION: network expansion not exercised: no "
                                "expanded record filled %s (%s); %d record(s) carried an "
                                "expansion" % (key, what, expanded))
    failures += patch_problems(records)

    widths = [max(len(str(r[i])) for r in rows + [HEADER]) for i in range(5)]
    for row in [HEADER] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip(), file=out)
    for note in notes:
        print("  " + note, file=out)
    # What each converted kind rests on: shade's own fixtures or the project's.
    basis = collections.defaultdict(lambda: [0, 0])
    for kind, fixture, _, counts, _ in rows:
        if counts:
            basis[kind][is_project_written(fixture)] += 1
    only_ours = sorted(k for k, (theirs, ours) in basis.items() if not theirs)
    print("  input: %d records from shade's own fixtures, %d written by this project; "
          "%d of %d kinds rest only on project-written input: %s"
          % (sum(b[0] for b in basis.values()), sum(b[1] for b in basis.values()),
             len(only_ours), len(basis), ", ".join(only_ours) or "none"), file=out)
    print("  network expansion: %d record(s) expanded against offline Neutron replies, "
          "filling %s" % (expanded, ", ".join(sorted(filled)) or "nothing"), file=out)
    patched = ["%s (%s): %s %r -> %r" % (r["kind"], r["fixture"], p["path"], p["was"], p["now"])
               for r in records for p in r.get("patched", [])]
    put = ["%s (%s): %s -> %r" % (r["kind"], r["fixture"], p["expr"], p["value"])
           for r in records for p in r.get("placeholders", [])]
    print("  values this project put into shade's fixtures: %d patched, %d placeholders "
          "for unevaluable expressions" % (len(patched), len(put)), file=out)
    for line in patched + put:
        print("    " + line, file=out)
    return failures


HEADER = ("resource", "fixture", "message type", "typed/props", "result")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--descriptor-set", required=True,
                        help="FileDescriptorSet of oaktree/v1/*.proto (--include_imports)")
    parser.add_argument("--map-dir", default=shade_env.MAP_DIR,
                        help="coverage maps; a kind all of whose shade methods are "
                             "excluded there is not required (default: %(default)s)")
    parser.add_argument("--normalized-json",
                        help="use this saved `introspect.py normalize` output "
                             "instead of running shade (for tests and debugging)")
    parser.add_argument("--save-json", help="also write shade's normalized output here")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also list the keys that went into `properties`")
    shade_env.add_argument(parser)
    args = parser.parse_args(argv)

    try:
        pool = descriptors.load(args.descriptor_set).pool
        if args.normalized_json:
            with open(args.normalized_json) as f:
                records = json.load(f)
        else:
            records = shade_env.run_introspect("normalize", args.shade_venv)
    except (OSError, ValueError, shade_env.ShadeEnvError) as exc:
        print("check_shade_data: ERROR: %s" % exc, file=sys.stderr)
        return 2
    if args.save_json:
        with open(args.save_json, "w") as f:
            json.dump(records, f, indent=1, sort_keys=True)

    print("shade data: %d normalized fixtures -> oaktree messages "
          "(typed/props = top-level keys in typed fields / in `properties`)" % len(records))
    failures = check_records(records, pool, excluded_methods(args.map_dir),
                             verbose=args.verbose)
    if failures:
        print("\ncheck_shade_data: FAILED, %d problem(s):" % len(failures), file=sys.stderr)
        for failure in failures:
            print("  - %s" % failure, file=sys.stderr)
        return 1
    print("check_shade_data: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Ask the real shade 1.33.0 what it offers; runs INSIDE the shade venv only.

Executed by tools/shade/env.py as ``<venv>/bin/python -P introspect.py CMD``
(by path: it imports nothing from the tools package, only shade and the
standard library) and prints JSON on stdout, so the checks never import shade
themselves.

Commands:
  methods    the public names of ``shade.OpenStackCloud`` (functions and,
             separately, properties) with the class that defines each.
  normalize  shade's own normalize functions run offline on shade's own test
             fixtures; one JSON record per case (kind, fixture, data|error).

Offline recipe (shade-api-facts.md §1): Python 3.11 shim first, then a cloud
built from a throw-away clouds.yaml whose token-dependent properties are
stubbed (``current_project_id``, ``has_service``, ``_use_neutron_floating``),
in strict mode so unknown keys land only in ``properties``. Its Neutron client
is FakeNeutron: it answers the JSON replies one of shade's own tests registers
(test_meta's server expansion), so meta.add_server_interfaces really classifies
networks and finds floating IPs; elsewhere it answers empty collections.

Fixtures are read from the installed ``shade/tests`` tree: ``fakes.make_fake_*``
and the module/class/function-level dicts of ``tests/unit/test_*.py``, found
by parsing those files with ``ast`` and evaluating the assignment
expressions (importing the test modules would need shade's test-only
dependencies). Keystone objects are built by helpers in shade's test base
class, which also needs those dependencies, so this project writes them in
the Keystone v3 API shape, as it writes full REST bodies for resources whose
shade fixtures carry only a few keys: those are data, one JSON file per
fixture in fixtures/ ({"what", "provenance", "body"}; a string
"${fakes.NAME}" stands for shade.tests.fakes.NAME), and their case labels say
"synthetic". fixtures/placeholders.json holds the values put in for what
shade's fixtures leave unevaluable or fake.
"""

import ast
import collections
import collections.abc
import copy
import datetime
import inspect
import json
import os
import re
import sys
import tempfile
import uuid

# --- Python 3.11 shim: must run before shade is imported -------------------
inspect.getargspec = inspect.getfullargspec
for _name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Callable"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

import munch  # noqa: E402
import os_client_config  # noqa: E402
import shade  # noqa: E402
from shade import _utils  # noqa: E402
from shade import meta  # noqa: E402
from shade.tests import fakes  # noqa: E402

SHADE_DIR = os.path.dirname(shade.__file__)
UNIT_DIR = os.path.join(SHADE_DIR, "tests", "unit")
PROJECT_ID = fakes.PROJECT_ID


# --- methods ----------------------------------------------------------------

def cmd_methods():
    cls = shade.OpenStackCloud
    functions, properties, params, same_as = {}, {}, {}, {}
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next(k.__name__ for k in cls.__mro__ if name in vars(k))
        attr = inspect.getattr_static(cls, name)
        if isinstance(attr, property):
            properties[name] = owner
        elif callable(attr) or isinstance(attr, (staticmethod, classmethod)):
            functions[name] = owner
            func = getattr(attr, "__func__", attr)
            func = getattr(func, "func", func)  # dogpile's cache decorator keeps it here
            params[name] = _params(func)
            # shade's aliases (create_baymodel = create_cluster_template) are
            # the same function object under another name.
            if getattr(func, "__name__", name) != name:
                same_as[name] = func.__name__
    return {"shade_version": shade.__version__ if hasattr(shade, "__version__")
            else _dist_version(), "class": "shade.OpenStackCloud",
            "functions": functions, "properties": properties,
            "params": params, "same_as": same_as}


def _params(func):
    """{"required": [...], "optional": [...]}: the named parameters after
    self, those without a default first (*args/**kwargs are neither)."""
    out = {"required": [], "optional": []}
    try:
        sig = inspect.signature(inspect.unwrap(func))
    except (TypeError, ValueError):
        return out
    for i, p in enumerate(sig.parameters.values()):
        if i == 0 and p.name in ("self", "cls"):
            continue
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        out["required" if p.default is p.empty else "optional"].append(p.name)
    return out


def _dist_version():
    from importlib import metadata
    return metadata.version("shade")


# --- an offline cloud ---------------------------------------------------------

CLOUDS_YAML = """
clouds:
  _test_cloud_:
    auth:
      auth_url: https://identity.example.com
      password: password
      project_name: admin
      username: admin
      user_domain_name: default
      project_domain_name: default
    region_name: RegionOne
"""


class OfflineCloud(shade.OpenStackCloud):
    """A cloud whose token-dependent answers are fixed, so nothing is fetched."""

    @property
    def current_project_id(self):
        return PROJECT_ID

    def has_service(self, service_key):
        return True

    def _use_neutron_floating(self):
        return True

    # meta.add_server_interfaces asks Neutron for networks, subnets, ports
    # and floating IPs through this client. It answers from `neutron_replies`
    # (path -> JSON body, as shade's own tests register them); a path with no
    # reply answers an empty collection, i.e. a cloud that has none.
    neutron_replies = {}

    @property
    def _network_client(self):
        return FakeNeutron(self.neutron_replies)


class FakeNeutron:
    """The GETs of shade's Neutron client, answered offline. Query
    parameters filter the items by equality, as Neutron does server-side."""

    def __init__(self, replies):
        self.replies = replies

    def get(self, path, params=None, **kwargs):
        collection = path.strip("/").split(".")[0]
        body = copy.deepcopy(self.replies.get(path, {collection: []}))
        for key, value in (params or {}).items():
            body[collection] = [item for item in body[collection]
                                if str(item.get(key)) == str(value)]
        return body


def make_cloud(tmp, neutron_replies=None, strict=True):
    path = os.path.join(tmp, "clouds.yaml")
    with open(path, "w") as f:
        f.write(CLOUDS_YAML)
    config = os_client_config.OpenStackConfig(config_files=[path], vendor_files=[])
    cloud_config = config.get_one_cloud(cloud="_test_cloud_")
    cloud = OfflineCloud(cloud_config=cloud_config, strict=strict)
    cloud.neutron_replies = neutron_replies or {}
    return cloud


# --- fixtures: this project's data files, and shade's own test files -----------

# Fixtures written by this project (synthetic REST bodies) and the
# placeholders put into shade's own fixtures live as data in fixtures/*.json;
# each file says what it is and where it comes from (its "provenance").
FIXTURES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
_FAKES_REF = re.compile(r"^\$\{fakes\.(\w+)\}$")


def _resolve(value):
    """Replace "${fakes.NAME}" strings by shade.tests.fakes.NAME (the IDs the
    offline cloud and shade's own fixtures use)."""
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    m = _FAKES_REF.match(value) if isinstance(value, str) else None
    return getattr(fakes, m.group(1)) if m else value


def _load(name):
    with open(os.path.join(FIXTURES_DIR, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def rest_fixture(name):
    """A fresh copy of the body of fixtures/<name>.json."""
    return _resolve(_load(name)["body"])


_PLACEHOLDERS = _load("placeholders")
_FIXED_TIME = _PLACEHOLDERS["fixed_time"]
# Placeholders in shade's fixtures that no real cloud returns; replaced so
# the conversion tests the API, not the fixture's shortcut.


def _patches(spec):
    """{key: (replace, with)}; every patch must say why it exists."""
    for key, p in spec.items():
        if not str(p.get("why", "")).strip():
            raise ValueError("fixtures/placeholders.json: patch %r says no \"why\"" % key)
    return {key: (p["replace"], p["with"]) for key, p in spec.items()}


FIXTURE_PATCHES = _patches(_PLACEHOLDERS["patches"])


def _namespace():
    return {"fakes": fakes, "munch": munch, "meta": meta, "copy": copy,
            "uuid": uuid, "datetime": datetime, "json": json, "dict": dict,
            "list": list, "str": str, "int": int}


def _run_simple(stmts, ns):
    """Evaluate assignments in order; skip what needs the test harness."""
    for stmt in stmts:
        if not isinstance(stmt, ast.Assign):
            continue
        try:
            value = eval(compile(ast.Expression(stmt.value), "<fixture>", "eval"), ns)
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    ns[target.id] = value
                elif isinstance(target, ast.Subscript):
                    obj = eval(compile(ast.Expression(target.value), "<f>", "eval"), ns)
                    key = eval(compile(ast.Expression(target.slice), "<f>", "eval"), ns)
                    obj[key] = value
        except Exception:  # needs self./mock/etc.: not a fixture
            continue
    return ns


def _parse(filename):
    with open(os.path.join(UNIT_DIR, filename)) as f:
        return ast.parse(f.read())


def module_fixture(filename, name):
    """A module-level (or class-level, 'Class.attr') assignment of a test file."""
    tree = _parse(filename)
    ns = _run_simple(tree.body, _namespace())
    if "." in name:
        cls_name, name = name.split(".")
        cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == cls_name)
        ns = _run_simple(cls.body, ns)
    return copy.deepcopy(ns[name])


def function_fixture(filename, func, name):
    """A local variable assigned at the top of test method ``func``."""
    tree = _parse(filename)
    ns = _run_simple(tree.body, _namespace())
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == func:
            return copy.deepcopy(_run_simple(node.body, ns)[name])
    raise KeyError("%s: no function %s" % (filename, func))


def json_fixture(filename, func, key):
    """The first dict literal inside ``func`` that has ``key`` (a mocked reply)."""
    tree = _parse(filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == func:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Dict) and any(
                        isinstance(k, ast.Constant) and k.value == key for k in sub.keys):
                    return _literal(sub)
    raise KeyError("%s:%s: no dict with key %r" % (filename, func, key))


_PUT = []  # the placeholders _literal put into the current case: {"expr", "value"}


def _literal(node):
    """Like ast.literal_eval, but non-literal parts (uuid4().hex, now(),
    self.container) get a fixed placeholder: without one the mocked reply
    cannot be read at all, and a real now() would make the output differ per
    run. Each one is recorded in the case's "placeholders"."""
    if isinstance(node, ast.Dict):
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e) for e in node.elts]
    try:
        return ast.literal_eval(node)
    except ValueError:
        text = ast.unparse(node)
        value = _FIXED_TIME if "isoformat" in text or "now" in text else "fixture-" + text
        _PUT.append({"expr": text, "value": value})
        return value


def neutron_scenario(filename, func):
    """(server, Neutron replies) of one of shade's own server-expansion tests:
    the ``fakes.make_fake_server(...)`` it expands and the JSON bodies it
    registers for network.example.com/v2.0 (path -> body; a query string in
    the registered URI is Neutron's server-side filter, which FakeNeutron
    applies itself)."""
    tree = _parse(filename)
    ns = _run_simple(tree.body, _namespace())
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == func)
    server, replies = None, {}

    def value(expr):
        return eval(compile(ast.Expression(expr), "<fixture>", "eval"), ns)

    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        text = ast.unparse(call.func)
        if text == "fakes.make_fake_server":
            server = value(call)
        elif text == "dict":
            kw = {k.arg: k.value for k in call.keywords}
            if "uri" in kw and "json" in kw:
                uri = value(kw["uri"])
                if "network.example.com/v2.0/" in uri:
                    path = "/" + uri.split("/v2.0/", 1)[1].split("?", 1)[0]
                    replies[path] = value(kw["json"])
    if server is None or not replies:
        raise KeyError("%s:%s: no server or no Neutron replies" % (filename, func))
    return copy.deepcopy(server), replies


# The keys shade's network expansion sets from Neutron's answers (and the
# addresses it appends); check_data requires each to be filled and carried.
def expansion(before, after):
    """What meta.add_server_interfaces changed: {"set": {key: value},
    "added_addresses": [[network, address dict], ...]}."""
    changed = {k: v for k, v in after.items()
               if k != "addresses" and before.get(k) != v}
    added = []
    for net, addrs in after.get("addresses", {}).items():
        old = before.get("addresses", {}).get(net, [])
        added += [[net, a] for a in addrs if a not in old]
    return {"set": changed, "added_addresses": added}


def _vars(obj):
    return dict(meta.obj_to_munch(obj))


def _patch(data, applied, path=""):
    """Apply FIXTURE_PATCHES in place; append {"path", "key", "was", "now"}
    to ``applied`` for each value replaced (check_data fails on a patch that
    replaces nothing, and tests put "was" back to show the patch matters)."""
    if isinstance(data, dict):
        for key, (bad, good) in FIXTURE_PATCHES.items():
            if data.get(key) == bad:
                data[key] = good
                applied.append({"path": "%s.%s" % (path, key), "key": key,
                                "was": bad, "now": good})
        for key, value in data.items():
            _patch(value, applied, "%s.%s" % (path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _patch(value, applied, "%s[%d]" % (path, i))
    return data


class Expanded:
    """A thunk's result that also says what the network expansion did."""

    def __init__(self, data, info):
        self.data, self.info = data, info


def cases(cloud, cloud_with=None):
    """(kind, fixture label, thunk) for every normalized/raw resource we check.
    ``cloud_with(neutron_replies, strict)`` makes a fresh offline cloud that
    answers those Neutron replies (shade caches what it learns about networks)."""
    n = cloud

    def server():
        return module_fixture("test_normalize.py", "RAW_SERVER_DICT")

    def fake_server():
        return fakes.make_fake_server("srv-1", "web-1", "ACTIVE")

    def expanded_server():
        return meta.add_server_interfaces(n, n._normalize_server(server()))

    def neutron_expanded_server(func, strict):
        # The server is normalized strictly (as everywhere here); the cloud
        # that expands it asks Neutron in the given mode.
        raw, replies = neutron_scenario("test_meta.py", func)
        before = n._normalize_server(raw)
        after = meta.add_server_interfaces(cloud_with(replies, strict), copy.deepcopy(before))
        info = expansion(json.loads(json.dumps(before, default=_jsonable)),
                         json.loads(json.dumps(after, default=_jsonable)))
        info["strict"] = strict
        return Expanded(after, info)

    return [
        ("server", "test_normalize.RAW_SERVER_DICT",
         lambda: n._normalize_server(server())),
        ("server", "fakes.make_fake_server", lambda: n._normalize_server(fake_server())),
        ("server", "RAW_SERVER_DICT + meta.add_server_interfaces", expanded_server),
        # Network expansion against Neutron: shade's own test of a floating IP
        # that only Neutron knows (ports + floatingips) and of an internal
        # network (networks + subnets), with the replies that test registers.
        # In strict mode shade 1.33 finds the internal network but never the
        # floating IP: search_floating_ips filters the normalized IPs by
        # `port_id`, which strict normalization drops (it is `port`). So the
        # floating address is exercised by a non-strict expanding cloud.
        ("server", "test_meta.test_get_server_cloud_missing_fips + "
                   "meta.add_server_interfaces (strict)",
         lambda: neutron_expanded_server("test_get_server_cloud_missing_fips", True)),
        ("server", "test_meta.test_get_server_cloud_missing_fips + "
                   "meta.add_server_interfaces (non-strict)",
         lambda: neutron_expanded_server("test_get_server_cloud_missing_fips", False)),
        ("server", "fakes.make_fake_server boot-from-volume (image '')",
         lambda: n._normalize_server(fakes.make_fake_server(
             "srv-2", "bfv-1", "BUILD", admin_pass="secret", image=""))),
        ("flavor", "test_normalize.RAW_FLAVOR_DICT",
         lambda: n._normalize_flavor(module_fixture("test_normalize.py", "RAW_FLAVOR_DICT"))),
        ("flavor", "fakes.make_fake_flavor",
         lambda: n._normalize_flavor(fakes.make_fake_flavor(fakes.FLAVOR_ID, "vanilla"))),
        ("image", "test_normalize.RAW_GLANCE_IMAGE_DICT",
         lambda: n._normalize_image(module_fixture("test_normalize.py", "RAW_GLANCE_IMAGE_DICT"))),
        ("image", "test_normalize.RAW_NOVA_IMAGE_DICT",
         lambda: n._normalize_image(module_fixture("test_normalize.py", "RAW_NOVA_IMAGE_DICT"))),
        ("image", "fakes.make_fake_image",
         lambda: n._normalize_image(fakes.make_fake_image("img-1"))),
        ("keypair", "fakes.make_fake_keypair",
         lambda: n._normalize_keypair(fakes.make_fake_keypair("key-1"))),
        ("security_group", "test_security_groups.neutron_grp_dict",
         lambda: n._normalize_secgroup(module_fixture("test_security_groups.py",
                                                      "neutron_grp_dict"))),
        ("security_group", "test_normalize.test_normalize_secgroups_strict (nova)",
         lambda: n._normalize_secgroup(function_fixture(
             "test_normalize.py", "test_normalize_secgroups_strict", "nova_secgroup"))),
        ("security_group", "test_security_groups.nova_grp_dict",
         lambda: n._normalize_secgroup(module_fixture("test_security_groups.py",
                                                      "nova_grp_dict"))),
        ("security_group_rule", "test_security_groups.neutron_grp_dict rule",
         lambda: n._normalize_secgroup_rule(module_fixture(
             "test_security_groups.py", "neutron_grp_dict")["security_group_rules"][0])),
        ("floating_ip", "test_floating_ip_neutron.mock_floating_ip_list_rep",
         lambda: n._normalize_floating_ip(module_fixture(
             "test_floating_ip_neutron.py",
             "TestFloatingIP.mock_floating_ip_list_rep")["floatingips"][0])),
        ("floating_ip", "test_floating_ip_nova.mock_floating_ip_list_rep (nova-network)",
         lambda: n._normalize_floating_ip(module_fixture(
             "test_floating_ip_nova.py", "TestFloatingIP.mock_floating_ip_list_rep")[0])),
        ("compute_limits", "test_limits.test_get_compute_limits",
         lambda: n._normalize_compute_limits(json_fixture(
             "test_limits.py", "test_get_compute_limits", "limits")["limits"])),
        ("compute_usage", "test_usage.test_get_usage",
         lambda: n._normalize_compute_usage(json_fixture(
             "test_usage.py", "test_get_usage", "tenant_usage")["tenant_usage"])),
        ("volume", "test_normalize.test_normalize_volumes_v2_strict",
         lambda: n._normalize_volume(function_fixture(
             "test_normalize.py", "test_normalize_volumes_v2_strict", "vol"))),
        ("volume", "test_normalize.test_normalize_volumes_v1_strict",
         lambda: n._normalize_volume(function_fixture(
             "test_normalize.py", "test_normalize_volumes_v1_strict", "vol"))),
        ("volume_type", "test_volume_access.test_list_volume_types",
         lambda: n._normalize_volume_type(function_fixture(
             "test_volume_access.py", "test_list_volume_types", "volume_type"))),
        ("volume_type_access", "synthetic (Cinder os-volume-type-access)",
         lambda: n._normalize_volume_type_access(rest_fixture("cinder-volume-type-access"))),
        ("volume_snapshot", "fakes.FakeVolumeSnapshot (raw)",
         lambda: _vars(fakes.FakeVolumeSnapshot("snap-1", "available", "snap",
                                                "a snapshot"))),
        ("volume_backup", "test_volume_backups.test_list_volume_backups",
         lambda: n._normalize_volume_backup(function_fixture(
             "test_volume_backups.py", "test_list_volume_backups", "backup"))),
        ("project", "synthetic (Keystone v3 project)",
         lambda: n._normalize_project(rest_fixture("keystone-project"))),
        ("role", "synthetic (Keystone v3 role)",
         lambda: n._normalize_role(rest_fixture("keystone-role"))),
        ("user", "synthetic (Keystone v3 user)",
         lambda: _utils.normalize_users([rest_fixture("keystone-user")])[0]),
        ("domain", "synthetic (Keystone v3 domain)",
         lambda: _utils.normalize_domains([rest_fixture("keystone-domain")])[0]),
        ("group", "synthetic (Keystone v3 group)",
         lambda: _utils.normalize_groups([rest_fixture("keystone-group")])[0]),
        ("role_assignment", "test_identity_roles.RAW_ROLE_ASSIGNMENTS",
         lambda: _utils.normalize_role_assignments(module_fixture(
             "test_identity_roles.py", "RAW_ROLE_ASSIGNMENTS"))[0]),
        ("flavor_access", "synthetic (Nova os-flavor-access)",
         lambda: _utils.normalize_flavor_accesses([rest_fixture("nova-flavor-access")])[0]),
        ("keystone_service", "synthetic (Keystone v3 service)",
         lambda: _utils.normalize_keystone_services([rest_fixture("keystone-service")])[0]),
        ("stack", "fakes.make_fake_stack",
         lambda: n._normalize_stack(fakes.make_fake_stack("stk-1", "my-stack", "A stack"))),
        ("cluster_template", "test_cluster_templates.cluster_template_obj",
         lambda: n._normalize_cluster_template(module_fixture(
             "test_cluster_templates.py", "cluster_template_obj"))),
        ("magnum_service", "test_magnum_services.magnum_service_obj",
         lambda: n._normalize_magnum_service(module_fixture(
             "test_magnum_services.py", "magnum_service_obj"))),
        # Resources shade returns as the raw REST dict.
        ("network", "test_network.mock_new_network_rep (raw)",
         lambda: module_fixture("test_network.py", "TestNetwork.mock_new_network_rep")),
        ("subnet", "test_subnet.mock_subnet_rep (raw)",
         lambda: module_fixture("test_subnet.py", "TestSubnet.mock_subnet_rep")),
        ("port", "test_port.mock_neutron_port_create_rep (raw)",
         lambda: module_fixture("test_port.py",
                                "TestPort.mock_neutron_port_create_rep")["port"]),
        ("router", "test_router.mock_router_rep (raw)",
         lambda: module_fixture("test_router.py", "TestRouter.mock_router_rep")),
        ("server_group", "fakes.make_fake_server_group (raw)",
         lambda: fakes.make_fake_server_group("sg-1", "group", ["affinity"])),
        ("server_group", "synthetic (Nova 2.64 server group, raw)",
         lambda: rest_fixture("nova-server-group-2.64")),
        ("volume_snapshot", "synthetic (Cinder v2 snapshot detail, raw)",
         lambda: rest_fixture("cinder-snapshot")),
        ("volume_backup", "synthetic (Cinder backup detail)",
         lambda: n._normalize_volume_backup(rest_fixture("cinder-backup"))),
        ("zone", "synthetic (Designate v2 zone, raw)", lambda: rest_fixture("designate-zone")),
        ("recordset", "synthetic (Designate v2 recordset, raw)",
         lambda: rest_fixture("designate-recordset")),
        ("port", "test_port.mock_neutron_port_list_rep (raw)",
         lambda: module_fixture("test_port.py",
                                "TestPort.mock_neutron_port_list_rep")["ports"][0]),
        ("volume_attachment", "synthetic (Cinder volume attachment)",
         lambda: n._normalize_volume_attachment(rest_fixture("cinder-attachment"))),
        ("volume_quotas", "test_quotas.test_cinder_get_quotas (raw)",
         lambda: json_fixture("test_quotas.py", "test_cinder_get_quotas",
                              "snapshots")),
        ("volume_quotas", "synthetic (Cinder os-quota-sets, raw)",
         lambda: rest_fixture("cinder-quota-set")),
        ("volume_limits", "synthetic (Cinder limits, raw)", lambda: rest_fixture("cinder-limits")),
        ("network_quotas", "test_quotas.test_neutron_get_quotas (raw)",
         lambda: function_fixture("test_quotas.py", "test_neutron_get_quotas", "quota")),
        ("network_quota_details", "test_quotas.test_neutron_get_quotas_details (raw)",
         lambda: function_fixture("test_quotas.py", "test_neutron_get_quotas_details",
                                  "quota_details")),
        ("router_interface", "test_router.mock_router_interface_rep (raw)",
         lambda: module_fixture("test_router.py", "TestRouter.mock_router_interface_rep")),
        ("floating_ip_pool", "test_floating_ip_pool.pools (raw)",
         lambda: module_fixture("test_floating_ip_pool.py", "TestFloatingIPPool.pools")[0]),
        ("object_container", "test_object.test_list_containers (raw)",
         lambda: json_fixture("test_object.py", "test_list_containers", "count")),
        ("object", "test_object.test_list_objects (raw)",
         lambda: json_fixture("test_object.py", "test_list_objects", "hash")),
        ("zone", "test_zone.new_zone_dict (raw)",
         lambda: module_fixture("test_zone.py", "new_zone_dict")),
        ("recordset", "test_recordset.new_recordset (raw)",
         lambda: module_fixture("test_recordset.py", "new_recordset")),
        ("compute_quotas", "test_quotas.fake_quota_set (raw)",
         lambda: module_fixture("test_quotas.py", "fake_quota_set")),
    ]


def _jsonable(value):
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    raise TypeError("not JSON: %s %r" % (type(value).__name__, value))


def cmd_normalize():
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        cloud = make_cloud(tmp)
        for kind, label, thunk in cases(
                cloud, lambda replies, strict: make_cloud(tmp, replies, strict)):
            record = {"kind": kind, "fixture": label}
            del _PUT[:]
            try:
                data = thunk()
                if isinstance(data, Expanded):
                    record["expansion"] = data.info
                    data = data.data
                # munch -> plain JSON types; fails loudly on anything else.
                record["patched"] = []
                record["data"] = _patch(json.loads(json.dumps(data, default=_jsonable)),
                                        record["patched"])
                record["placeholders"] = _PUT[:]
            except Exception as exc:  # report, let the check decide
                record["error"] = "%s: %s" % (type(exc).__name__, exc)
            out.append(record)
    return out


def main(argv):
    commands = {"methods": cmd_methods, "normalize": cmd_normalize}
    if len(argv) != 2 or argv[1] not in commands:
        print("usage: introspect.py {%s}" % "|".join(commands), file=sys.stderr)
        return 2
    json.dump(commands[argv[1]](), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

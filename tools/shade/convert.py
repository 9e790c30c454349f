"""Convert shade's normalized dicts into oaktree messages, driven only by descriptors.

Why generic: the oaktree server will have to do exactly this for every
resource, and the API promises that field names follow shade's keys. If a
converter that knows nothing but the descriptor set can carry every key of
shade's real output into a message without loss, the protos are right; where
it cannot, the message (or this module's short alias table) is wrong, and the
error says which resource, key, value and field.

Rules, in order, for each key of a dict converted into message M:
  1. a field of M named exactly like the key;
  2. the key in lower_snake_case, with ``:``, ``-``, ``.`` and spaces turned
     into ``_`` (accessIPv4 -> access_ipv4, router:external -> router_external,
     binding:host_id -> binding_host_id);
  3. the part after the last ``:`` in lower_snake_case
     (OS-EXT-IPS:type -> type, provider:network_type -> network_type);
  4. ALIASES below (documented shade bugs and typos);
  5. otherwise the key goes into M's ``properties`` field
     (``google.protobuf.Struct``), JSON types kept. If M has no such field the
     key is DROPPED, which is an error.
Two keys landing on the same field (or on two members of one oneof) is an
error too: one value would be lost.

Values:
  * "" for a message field (not a wrapper/Value/Timestamp) is shade's way
    of saying "none" (a boot-from-volume server's ``image`` is ""): unset.
  * None: leaves a field with presence (``optional`` scalar, message, oneof
    member) unset, and a repeated/map field empty; None for a plain proto3
    scalar is an error (the API could not tell None from the zero value).
  * str -> ``google.protobuf.Timestamp``: ISO-8601 (``Z``, offsets, fractions,
    space separator); a naive time is UTC, as the OpenStack APIs mean it.
  * str -> enum: the value named ``<ENUM_NAME_IN_UPPER_SNAKE>_<VALUE>`` with
    the value upper-cased and ``-``/space/``.`` turned into ``_``
    (``in-use`` -> ``VOLUME_STATUS_IN_USE``); an int must be a defined number.
    A string with no such value is an error.
  * dict -> message (recursively, same rules), map, ``Struct`` or ``Value``.
  * list -> repeated field, ``ListValue``, or a message whose only field is a
    repeated one (the wrapper that proto maps need for list values, e.g.
    ``map<string, ServerAddresses>``).
  * scalars must already have the field's type: int for integers (no bool,
    no float), int or float for float/double, bool for bool, str for string;
    the one exception is an int for a string ID field (``id``, ``*_id``),
    sent as decimal text: nova-network floating IPs and Magnum services have
    integer IDs where every other OpenStack ID is a string.
"""

import datetime
import re

from google.protobuf import descriptor as _descriptor
from google.protobuf import json_format

from tools.descriptors import message_class

FD = _descriptor.FieldDescriptor

# (message short name or "*", shade key) -> (field name, value transform, why)
ALIASES = {
    ("*", "tempate_description"): (
        "template_description", None,
        "shade 1.33 _normalize_stack misspells template_description"),
    ("Stack", "is_rollback_enabled"): (
        "is_rollback_enabled", lambda v: v if v is None else not v,
        "shade 1.33 copies heat's disable_rollback into is_rollback_enabled "
        "unchanged (inverted meaning); the API field has the correct meaning"),
    ("*", "disable_rollback"): (
        "is_rollback_enabled", lambda v: v if v is None else not v,
        "non-strict shade also emits heat's raw disable_rollback"),
}

_WRAPPERS = {"google.protobuf.%s" % n for n in (
    "DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value",
    "UInt32Value", "BoolValue", "StringValue", "BytesValue")}
_STRINGISH = {"google.protobuf.StringValue", "google.protobuf.BytesValue",
              "google.protobuf.Value", "google.protobuf.Timestamp"}
_INT_TYPES = {FD.TYPE_INT32, FD.TYPE_INT64, FD.TYPE_UINT32, FD.TYPE_UINT64,
              FD.TYPE_SINT32, FD.TYPE_SINT64, FD.TYPE_FIXED32, FD.TYPE_FIXED64,
              FD.TYPE_SFIXED32, FD.TYPE_SFIXED64}


def snake(name):
    """accessIPv4 -> access_ipv4; OS-EXT-IPS -> os_ext_ips; router:external -> router_external."""
    # An upper-case run ends a word only before a real word (HTTPServer ->
    # http_server), not before a unit suffix like "v4" (accessIPv4 -> access_ipv4).
    name = re.sub(r"([A-Z]+)([A-Z][a-z]{2,})", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()


def enum_prefix(enum_name):
    return snake(enum_name).upper() + "_"


def parse_timestamp(text):
    """ISO-8601 string -> aware datetime (naive means UTC); ValueError if not one."""
    if not isinstance(text, str) or not text:
        raise ValueError("not an ISO-8601 string")
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


class Result:
    """What one conversion did: top-level key counts and every problem found."""

    def __init__(self, resource):
        self.resource = resource
        self.typed = []        # top-level keys that landed in a typed field
        self.properties = []   # top-level keys that went into `properties`
        self.problems = []

    def problem(self, path, key, value, field, why):
        text = repr(value)
        if len(text) > 80:
            text = text[:77] + "..."
        self.problems.append("%s: key %r = %s -> field %s: %s"
                             % (path, key, text, field or "(none)", why))


class Converter:
    """Fill messages from shade dicts; collect every problem instead of stopping."""

    def __init__(self, pool):
        self.pool = pool

    def convert(self, data, full_name, resource=None):
        cls = message_class(self.pool, full_name)
        if cls is None:
            raise KeyError("message type %s is not in the descriptor set" % full_name)
        msg = cls()
        result = Result(resource or full_name)
        self._fill(msg, data, result, result.resource, top=True)
        return msg, result

    # -- keys -> fields ---------------------------------------------------------
    def match_field(self, desc, key):
        """(field descriptor, transform) for a shade key, or (None, None)."""
        fields = desc.fields_by_name
        candidates = [key, snake(key)]
        if ":" in key:
            candidates.append(snake(key.rsplit(":", 1)[1]))
        for name in candidates:
            if name in fields:
                alias = ALIASES.get((desc.name, key))
                return fields[name], alias[1] if alias and alias[0] == name else None
        for scope in (desc.name, "*"):
            alias = ALIASES.get((scope, key))
            if alias and alias[0] in fields:
                return fields[alias[0]], alias[1]
        return None, None

    def _fill(self, msg, data, result, path, top=False):
        desc = msg.DESCRIPTOR
        if not isinstance(data, dict):
            result.problem(path, "", data, desc.full_name, "expected a dict for a message")
            return
        extra, used = {}, {}
        for key, value in data.items():
            field, transform = self.match_field(desc, key)
            if field is None:
                extra[key] = value
                continue
            if field.name in used:
                result.problem(path, key, value, field.name,
                               "key %r already filled this field; one value would be lost"
                               % used[field.name])
                continue
            oneof = field.containing_oneof
            if oneof is not None and value is not None:
                taken = [k for f, k in used.items()
                         if desc.fields_by_name[f].containing_oneof is oneof]
                if taken:
                    result.problem(path, key, value, field.name,
                                   "oneof %s already set by key %r" % (oneof.name, taken[0]))
                    continue
            used[field.name] = key
            if transform is not None:
                value = transform(value)
            self._set(msg, field, value, result, "%s.%s" % (path, key), key)
            if top:
                result.typed.append(key)
        if extra:
            props = desc.fields_by_name.get("properties")
            if props is None or not self._is_struct_field(props):
                for key, value in extra.items():
                    result.problem(path, key, value, None,
                                   "DROPPED: no field matches and %s has no "
                                   "`google.protobuf.Struct properties`" % desc.full_name)
                return
            struct = msg.properties
            for key, value in extra.items():
                if key in struct.fields:
                    result.problem(path, key, value, "properties",
                                   "properties already has this key")
                    continue
                try:
                    struct.update({key: value})
                except (TypeError, ValueError) as exc:
                    result.problem(path, key, value, "properties", str(exc))
                    continue
                if top:
                    result.properties.append(key)

    @staticmethod
    def _is_struct_field(field):
        return (field.type == FD.TYPE_MESSAGE and not is_repeated(field)
                and field.message_type.full_name == "google.protobuf.Struct")

    # -- values ----------------------------------------------------------------
    def _set(self, msg, field, value, result, path, key):
        name = field.name
        if value is None:
            if is_repeated(field) or field.has_presence:
                return
            result.problem(path, key, value, name,
                           "None, but the field has no presence: declare it `optional`")
            return
        if _is_map(field):
            if not isinstance(value, dict):
                result.problem(path, key, value, name, "expected a dict for a map field")
                return
            value_field = field.message_type.fields_by_name["value"]
            key_field = field.message_type.fields_by_name["key"]
            target = getattr(msg, name)
            for k, v in value.items():
                if key_field.type != FD.TYPE_STRING:
                    result.problem(path, key, k, name, "only string map keys are supported")
                    continue
                sub = "%s[%r]" % (path, k)
                if v is None:
                    result.problem(sub, key, v, name, "None inside a map cannot be represented")
                elif value_field.type == FD.TYPE_MESSAGE:
                    self._fill_message(target[k], v, result, sub, key, name)
                else:
                    converted = self._scalar(value_field, v, result, sub, key, name)
                    if converted is not _BAD:
                        try:
                            target[k] = converted
                        except (TypeError, ValueError) as exc:
                            result.problem(sub, key, v, name, str(exc))
            return
        if is_repeated(field):
            if not isinstance(value, list):
                result.problem(path, key, value, name, "expected a list for a repeated field")
                return
            target = getattr(msg, name)
            for i, item in enumerate(value):
                sub = "%s[%d]" % (path, i)
                if item is None:
                    result.problem(sub, key, item, name, "None inside a list cannot be represented")
                elif field.type == FD.TYPE_MESSAGE:
                    self._fill_message(target.add(), item, result, sub, key, name)
                else:
                    converted = self._scalar(field, item, result, sub, key, name)
                    if converted is not _BAD:
                        try:
                            target.append(converted)
                        except (TypeError, ValueError) as exc:
                            result.problem(sub, key, item, name, str(exc))
            return
        if field.type == FD.TYPE_MESSAGE:
            if value == "" and field.has_presence \
                    and field.message_type.full_name not in _STRINGISH:
                return  # shade's "none" for a nested object (server.image)
            sub_msg = getattr(msg, name)
            self._fill_message(sub_msg, value, result, path, key, name)
            sub_msg.SetInParent()  # an empty dict still means "present"
            return
        converted = self._scalar(field, value, result, path, key, name)
        if converted is _BAD:
            return
        try:
            setattr(msg, name, converted)
        except (TypeError, ValueError) as exc:
            result.problem(path, key, value, name, str(exc))

    def _fill_message(self, sub_msg, value, result, path, key, field_name):
        full = sub_msg.DESCRIPTOR.full_name
        try:
            if full == "google.protobuf.Timestamp":
                sub_msg.FromDatetime(parse_timestamp(value))
            elif full == "google.protobuf.Duration":
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError("expected seconds as a number")
                sub_msg.FromNanoseconds(int(round(value * 1e9)))
            elif full == "google.protobuf.Struct":
                if not isinstance(value, dict):
                    raise ValueError("expected a dict for a Struct")
                sub_msg.update(value)
            elif full == "google.protobuf.ListValue":
                if not isinstance(value, list):
                    raise ValueError("expected a list for a ListValue")
                sub_msg.extend(value)
            elif full == "google.protobuf.Value":
                json_format.ParseDict(value, sub_msg)
            elif full in _WRAPPERS:
                inner = sub_msg.DESCRIPTOR.fields_by_name["value"]
                converted = self._scalar(inner, value, result, path, key, field_name)
                if converted is not _BAD:
                    sub_msg.value = converted
            elif isinstance(value, list) and _list_wrapper(sub_msg.DESCRIPTOR):
                only = sub_msg.DESCRIPTOR.fields[0]
                self._set(sub_msg, only, value, result, path, key)
            elif isinstance(value, dict):
                self._fill(sub_msg, value, result, path)
            else:
                raise ValueError("cannot fill message %s from a %s"
                                 % (full, type(value).__name__))
        except (TypeError, ValueError, json_format.ParseError) as exc:
            result.problem(path, key, value, "%s (%s)" % (field_name, full), str(exc))

    def _scalar(self, field, value, result, path, key, field_name):
        t = field.type
        ok = False
        if t == FD.TYPE_ENUM:
            return self._enum(field, value, result, path, key, field_name)
        if t == FD.TYPE_STRING:
            ok = isinstance(value, str)
            if _is_id_field(field) and isinstance(value, int) and not isinstance(value, bool):
                value, ok = str(value), True
        elif t == FD.TYPE_BYTES:
            if isinstance(value, str):
                value = value.encode("utf-8")
            ok = isinstance(value, bytes)
        elif t == FD.TYPE_BOOL:
            ok = isinstance(value, bool)
        elif t in _INT_TYPES:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif t in (FD.TYPE_FLOAT, FD.TYPE_DOUBLE):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        if not ok:
            result.problem(path, key, value, field_name,
                           "a %s cannot go into a %s field"
                           % (type(value).__name__, _type_name(field)))
            return _BAD
        return value

    def _enum(self, field, value, result, path, key, field_name):
        enum = field.enum_type
        if isinstance(value, str):
            name = enum_prefix(enum.name) + re.sub(r"[^0-9A-Z]+", "_", value.upper()).strip("_")
            if name in enum.values_by_name:
                return enum.values_by_name[name].number
            result.problem(path, key, value, field_name,
                           "enum %s has no value %s" % (enum.full_name, name))
            return _BAD
        if isinstance(value, int) and not isinstance(value, bool) \
                and value in enum.values_by_number:
            return value
        result.problem(path, key, value, field_name,
                       "not a name or number of enum %s" % enum.full_name)
        return _BAD


_BAD = object()


def is_repeated(field):
    # protobuf >= 5 has is_repeated; label is the older spelling
    rep = getattr(field, "is_repeated", None)
    return rep if isinstance(rep, bool) else field.label == FD.LABEL_REPEATED


def _is_id_field(field):
    return field.name == "id" or field.name.endswith("_id")


def _is_map(field):
    return (is_repeated(field) and field.type == FD.TYPE_MESSAGE
            and field.message_type.GetOptions().map_entry)


def _list_wrapper(desc):
    return len(desc.fields) == 1 and is_repeated(desc.fields[0]) and not _is_map(desc.fields[0])


def _type_name(field):
    if field.type == FD.TYPE_MESSAGE:
        return field.message_type.full_name
    if field.type == FD.TYPE_ENUM:
        return field.enum_type.full_name
    names = {v: k for k, v in vars(FD).items() if k.startswith("TYPE_")}
    return names.get(field.type, str(field.type)).replace("TYPE_", "").lower()


def round_trip(msg):
    """Problems (strings) if msg does not survive binary and JSON round trips."""
    problems = []
    cls = type(msg)
    copy = cls()
    copy.ParseFromString(msg.SerializeToString(deterministic=True))
    if copy != msg:
        problems.append("binary round trip changed the message")
    try:
        again = json_format.Parse(json_format.MessageToJson(msg), cls())
        if again != msg:
            problems.append("JSON round trip changed the message")
    except json_format.ParseError as exc:
        problems.append("JSON round trip failed: %s" % exc)
    return problems

"""Check the API conventions that a client author relies on (README, "The
API's conventions"), over the build's descriptor set with source info:

  reasons    every service comment has a "Reasons for every RPC:" line and
             every RPC comment one "Reasons:" line; each names values of
             oaktree.v1.ErrorReason (without ERROR_REASON_), and every value
             is named somewhere;
  request-id every creating call (verb Create, Upload or Allocate, or any
             request with a request_id) has `string request_id` in its
             request (for an upload: in the first message's `metadata`) and
             lists REQUEST_ID_CONFLICT;
  resources  every message with a `location` and an `id` has
             `string resource_name`, unless a line of its comment starts
             "Not a resource:"; a message with resource_name has a location;
  update     every Update RPC takes location, name_or_id, one resource,
             update_mask and, exactly when the resource has an etag, `etag`
             (then ETAG_MISMATCH is listed); any other field's comment
             starts "Lookup:" or "Write-only:";
  list       every List RPC streams a response whose oneof `item` holds one
             item field and `scope_outcome`;
  watch      a Watch of one resource takes name_or_id and until_status, has
             no timeout, and answers the resource plus `deleted`; a Watch of
             a scope takes a selector and answers a oneof `item` of added,
             modified, deleted and scope_outcome.

Prints what it checked; exits 1 naming every element that breaks a rule.
"""

import argparse
import re
import sys

from tools import descriptors
from tools.descriptors import PACKAGE, comments

REASON_ENUM = "ErrorReason"
REASON_PREFIX = "ERROR_REASON_"
NO_OWN_REASONS = "only those of every RPC."
CREATING_VERBS = ("Create", "Upload", "Allocate")
EXTRA_FIELD_MARKERS = ("Lookup:", "Write-only:")
LOCATION = ".oaktree.v1.Location"
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE, SERVICE_METHOD = 4, 5, 6, 2
T_STRING, T_BOOL = 9, 8
LABEL_REPEATED = 3


def reason_lines(comment, head):
    """The reason names of every `head` line of a comment (one list per line)."""
    text = " ".join(line.strip() for line in comment.splitlines())
    found = []
    for m in re.finditer(re.escape(head) + r"\s+(.*?\.)(?=\s+[A-Z][a-z]|\s*$)", text):
        body = m.group(1)
        found.append([] if body == NO_OWN_REASONS else
                     [r.strip() for r in body.rstrip(".").split(",")])
    return found


class Api:
    """The package's messages, services and comments, by name."""

    def __init__(self, ds):
        self.files = ds.ours(PACKAGE)
        self.messages, self.message_comment = {}, {}
        self.enums = {}
        self.services = []  # (file, service, comment, [(method, comment)])
        for f in self.files:
            docs = comments(f)
            for i, m in enumerate(f.message_type):
                self.messages[".%s.%s" % (PACKAGE, m.name)] = m
                self.message_comment[m.name] = docs.get((FILE_MESSAGE, i), "")
            for e in f.enum_type:
                self.enums[e.name] = e
            for i, s in enumerate(f.service):
                methods = [(m, docs.get((FILE_SERVICE, i, SERVICE_METHOD, j), ""))
                           for j, m in enumerate(s.method)]
                self.services.append((f, s, docs.get((FILE_SERVICE, i), ""), methods))
        self.field_comments = {}
        for f in self.files:
            for (path, text) in comments(f).items():
                if len(path) == 4 and path[0] == FILE_MESSAGE and path[2] == 2:
                    m = f.message_type[path[1]]
                    if path[3] < len(m.field):  # a hand-edited set may have stale paths
                        self.field_comments[(m.name, m.field[path[3]].name)] = text

    def message(self, type_name):
        return self.messages.get(type_name)

    @staticmethod
    def field(message, name):
        return next((x for x in message.field if x.name == name), None)

    def is_resource(self, message):
        return message is not None and self.field(message, "resource_name") is not None


def check(ds):
    api = Api(ds)
    problems, counts = [], {}

    def rule(name, ok_count):
        counts[name] = counts.get(name, 0) + ok_count

    # --- reasons
    enum = api.enums.get(REASON_ENUM)
    if enum is None:
        return ["no enum %s.%s" % (PACKAGE, REASON_ENUM)], counts
    known = {v.name[len(REASON_PREFIX):] for v in enum.value if v.number != 0}
    used = set()
    rpc_reasons = {}
    for f, s, scomment, methods in api.services:
        wide = reason_lines(scomment, "Reasons for every RPC:")
        if len(wide) != 1:
            problems.append("%s: service %s: needs one 'Reasons for every RPC:' line, has %d"
                            % (f.name, s.name, len(wide)))
        for names in wide:
            used.update(names)
            problems += ["%s: service %s names unknown reason %s" % (f.name, s.name, n)
                         for n in names if n not in known]
        for m, mcomment in methods:
            own = reason_lines(mcomment, "Reasons:")
            if len(own) != 1:
                problems.append("%s: rpc %s.%s: needs one 'Reasons:' line, has %d"
                                % (f.name, s.name, m.name, len(own)))
                continue
            rpc_reasons[m.name] = own[0]
            used.update(own[0])
            problems += ["%s: rpc %s.%s names unknown reason %s" % (f.name, s.name, m.name, n)
                         for n in own[0] if n not in known]
            rule("reasons", 1)
    problems += ["ErrorReason %s%s is not named by any service or RPC" % (REASON_PREFIX, n)
                 for n in sorted(known - used)]

    for f, s, _, methods in api.services:
        for m, _ in methods:
            where = "%s: rpc %s.%s" % (f.name, s.name, m.name)
            req, resp = api.message(m.input_type), api.message(m.output_type)
            reasons = rpc_reasons.get(m.name, [])

            # --- request IDs on creating calls
            carrier = req
            if m.client_streaming:
                meta = api.field(req, "metadata")
                carrier = api.message(meta.type_name) if meta else None
            has_id = carrier is not None and api.field(carrier, "request_id") is not None
            if m.name.startswith(CREATING_VERBS) or has_id:
                idf = carrier and api.field(carrier, "request_id")
                if idf is None or idf.type != T_STRING:
                    problems.append("%s creates but %s has no string request_id"
                                    % (where, carrier.name if carrier else m.input_type))
                elif "REQUEST_ID_CONFLICT" not in reasons:
                    problems.append("%s takes a request_id but does not list REQUEST_ID_CONFLICT"
                                    % where)
                else:
                    rule("request-id", 1)

            # --- one update shape
            if m.name.startswith("Update"):
                problems += check_update(api, where, m, req, reasons)
                rule("update", 1)

            # --- lists
            if m.name.startswith("List"):
                item = [x for x in resp.field if x.HasField("oneof_index")
                        and resp.oneof_decl[x.oneof_index].name == "item"]
                outcome = api.field(resp, "scope_outcome")
                if not m.server_streaming:
                    problems.append("%s is a List but does not stream" % where)
                elif (len(item) != 2 or len(resp.field) != 2 or outcome is None
                      or outcome not in item or outcome.type_name != ".oaktree.v1.ScopeOutcome"):
                    problems.append("%s: %s must be oneof item { <item>; ScopeOutcome "
                                    "scope_outcome; }" % (where, resp.name))
                else:
                    rule("list", 1)

            # --- watches
            if m.name.startswith("Watch"):
                problems += check_watch(api, where, m, req, resp)
                rule("watch", 1)

    # --- resource names
    for f in api.files:
        for msg in f.message_type:
            loc = api.field(msg, "location")
            has_loc = loc is not None and loc.type_name == LOCATION
            rn = api.field(msg, "resource_name")
            if msg.name.endswith(("Request", "Response")):
                continue
            if rn is not None and not has_loc:
                problems.append("%s: %s has resource_name but no location" % (f.name, msg.name))
            if has_loc and api.field(msg, "id") is not None and rn is None:
                if any(line.strip().startswith("Not a resource:")
                       for line in api.message_comment[msg.name].splitlines()):
                    rule("not-a-resource", 1)
                else:
                    problems.append("%s: resource %s has no string resource_name (or say "
                                    "'Not a resource: why' in its comment)" % (f.name, msg.name))
            elif rn is not None:
                if rn.type != T_STRING:
                    problems.append("%s: %s.resource_name is not a string" % (f.name, msg.name))
                else:
                    rule("resources", 1)
    return problems, counts


def check_update(api, where, m, req, reasons):
    out = []
    resources = [x for x in req.field if api.is_resource(api.message(x.type_name))]
    need = {"location": LOCATION, "name_or_id": None, "update_mask": ".google.protobuf.FieldMask"}
    for name, type_name in need.items():
        x = api.field(req, name)
        if x is None or (type_name and x.type_name != type_name):
            out.append("%s: %s lacks %s" % (where, req.name, name))
    if len(resources) != 1:
        out.append("%s: %s must carry exactly one resource, carries %d"
                   % (where, req.name, len(resources)))
        return out
    resource = api.message(resources[0].type_name)
    wants_etag = api.field(resource, "etag") is not None
    has_etag = api.field(req, "etag") is not None
    if wants_etag != has_etag:
        out.append("%s: %s %s etag but %s %s" % (
            where, resource.name, "has an" if wants_etag else "has no", req.name,
            "lacks it" if wants_etag else "takes one"))
    if has_etag and "ETAG_MISMATCH" not in reasons:
        out.append("%s takes an etag but does not list ETAG_MISMATCH" % where)
    allowed = set(need) | {"etag", resources[0].name}
    for x in req.field:
        if x.name in allowed:
            continue
        if not api.field_comments.get((req.name, x.name), "").strip().startswith(EXTRA_FIELD_MARKERS):
            out.append("%s: %s.%s is neither the resource, its mask nor a field marked %s"
                       % (where, req.name, x.name, " / ".join(EXTRA_FIELD_MARKERS)))
    return out


def check_watch(api, where, m, req, resp):
    out = []
    if not m.server_streaming:
        return ["%s is a Watch but does not stream" % where]
    if api.field(req, "timeout") is not None:
        out.append("%s: %s has a timeout; a watch ends by the caller's deadline" % (where, req.name))
    if api.field(req, "selector") is not None:  # a scope
        item = {x.name for x in resp.field if x.HasField("oneof_index")
                and resp.oneof_decl[x.oneof_index].name == "item"}
        if item != {"added", "modified", "deleted", "scope_outcome"} or len(resp.field) != 4:
            out.append("%s: %s must be oneof item { added; modified; deleted; scope_outcome; }"
                       % (where, resp.name))
        return out
    until = api.field(req, "until_status")
    if api.field(req, "name_or_id") is None or until is None or until.label != LABEL_REPEATED:
        out.append("%s: %s needs name_or_id and repeated until_status" % (where, req.name))
    deleted = api.field(resp, "deleted")
    others = [x for x in resp.field if x.name != "deleted"]
    if deleted is None or deleted.type != T_BOOL or len(others) != 1 \
            or not api.is_resource(api.message(others[0].type_name)):
        out.append("%s: %s must be { <resource>; bool deleted; }" % (where, resp.name))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--descriptor-set", required=True,
                    help="FileDescriptorSet built with --include_imports --include_source_info")
    args = ap.parse_args(argv)
    try:
        ds = descriptors.load(args.descriptor_set)
    except (OSError, ValueError) as exc:
        print("check_conventions: %s" % exc, file=sys.stderr)
        return 2
    problems, counts = check(ds)
    print("API conventions checked (elements that follow each rule):")
    for name in ("reasons", "request-id", "resources", "not-a-resource", "update", "list", "watch"):
        print("  %-15s %4d" % (name, counts.get(name, 0)))
    if problems:
        print("\ncheck_conventions: FAILED, %d problem(s):" % len(problems), file=sys.stderr)
        for p in problems:
            print("  - %s" % p, file=sys.stderr)
        return 1
    print("check_conventions: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Check that the oaktree.v1 API documents itself and gives resources a Location.

The .proto comments are the API reference for client authors, so every
message, field, oneof, enum, enum value, service and RPC of the package needs
a non-empty leading comment. buf's COMMENTS lint rules check the same thing
for buf users; this script reads the descriptor set that the build already
produced (``--include_source_info``), so it needs neither buf nor the .proto
text, and it adds an API-shape rule buf cannot know:

  a message that has an ``id`` field and is carried by an RPC response (a
  field of some RPC's output message) is a resource, and every resource must
  have ``oaktree.v1.Location location`` (the API is multi-cloud; a resource
  without a location cannot say where it lives).

Skipped, because they are not written by hand: map-entry messages, and the
synthetic oneofs protoc makes for proto3 ``optional`` fields.
Prints counts per element kind and the number of RPCs per service; exits 1
listing every undocumented element and every resource without a Location.
"""

import argparse
import collections
import sys

from tools import descriptors
from tools.descriptors import PACKAGE, comments
LOCATION = ".oaktree.v1.Location"
# FileDescriptorProto / DescriptorProto / EnumDescriptorProto /
# ServiceDescriptorProto field numbers used in SourceCodeInfo paths.
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 4, 5, 6
MSG_FIELD, MSG_NESTED, MSG_ENUM, MSG_ONEOF = 2, 3, 4, 8
ENUM_VALUE, SERVICE_METHOD = 2, 2


def elements(file_proto):
    """Yield (kind, full name, source path) for every documentable element."""
    prefix = file_proto.package

    def enum(e, name, path):
        yield "enum", name, path
        for i, v in enumerate(e.value):
            yield "enum value", "%s.%s" % (name, v.name), path + (ENUM_VALUE, i)

    def message(m, name, path):
        if m.options.map_entry:
            return
        yield "message", name, path
        for i, f in enumerate(m.field):
            yield "field", "%s.%s" % (name, f.name), path + (MSG_FIELD, i)
        for i, o in enumerate(m.oneof_decl):
            members = [f for f in m.field if f.HasField("oneof_index") and f.oneof_index == i]
            if members and all(f.proto3_optional for f in members):
                continue  # synthetic oneof of a proto3 `optional` field
            yield "oneof", "%s.%s" % (name, o.name), path + (MSG_ONEOF, i)
        for i, n in enumerate(m.nested_type):
            yield from message(n, "%s.%s" % (name, n.name), path + (MSG_NESTED, i))
        for i, e in enumerate(m.enum_type):
            yield from enum(e, "%s.%s" % (name, e.name), path + (MSG_ENUM, i))

    for i, m in enumerate(file_proto.message_type):
        yield from message(m, "%s.%s" % (prefix, m.name), (FILE_MESSAGE, i))
    for i, e in enumerate(file_proto.enum_type):
        yield from enum(e, "%s.%s" % (prefix, e.name), (FILE_ENUM, i))
    for i, s in enumerate(file_proto.service):
        name = "%s.%s" % (prefix, s.name)
        yield "service", name, (FILE_SERVICE, i)
        for j, r in enumerate(s.method):
            yield "rpc", "%s.%s" % (name, r.name), (FILE_SERVICE, i, SERVICE_METHOD, j)


def all_messages(fds):
    """{'.pkg.Name': DescriptorProto} for every message, nested ones too."""
    out = {}

    def walk(m, name):
        out[name] = m
        for n in m.nested_type:
            walk(n, "%s.%s" % (name, n.name))

    for f in fds.file:
        for m in f.message_type:
            walk(m, ".%s.%s" % (f.package, m.name))
    return out


def resources_without_location(fds):
    """Resource messages (id field, carried by an RPC response) lacking a Location."""
    messages = all_messages(fds)
    carried = set()
    for f in fds.file:
        if f.package != PACKAGE:
            continue
        for s in f.service:
            for r in s.method:
                out = messages.get(r.output_type)
                for field in out.field if out else []:
                    if field.type_name in messages:
                        carried.add(field.type_name)
    bad, resources = [], []
    for name in sorted(carried):
        m = messages[name]
        fields = {f.name: f for f in m.field}
        if "id" not in fields:
            continue
        resources.append(name)
        loc = fields.get("location")
        if loc is None or loc.type_name != LOCATION:
            bad.append(name.lstrip("."))
    return resources, bad


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--descriptor-set", required=True,
                        help="FileDescriptorSet built with --include_source_info")
    args = parser.parse_args(argv)
    try:
        ds = descriptors.load(args.descriptor_set)
    except (OSError, ValueError) as exc:
        print("check_api_docs: ERROR: %s" % exc, file=sys.stderr)
        return 2

    ours = ds.ours()
    if not ours:
        print("check_api_docs: ERROR: no file of package %s in %s"
              % (PACKAGE, args.descriptor_set), file=sys.stderr)
        return 2
    if not any(f.source_code_info.location for f in ours):
        print("check_api_docs: ERROR: %s has no source info (build it with "
              "--include_source_info)" % args.descriptor_set, file=sys.stderr)
        return 2

    totals, undocumented = collections.Counter(), collections.Counter()
    problems = []
    for f in ours:
        docs = comments(f)
        for kind, name, path in elements(f):
            totals[kind] += 1
            if not docs.get(path, "").strip():
                undocumented[kind] += 1
                problems.append("%s: %s %s has no leading comment" % (f.name, kind, name))
    resources, no_location = resources_without_location(ds.fds)
    for name in no_location:
        problems.append("resource message %s (has `id`, returned by an RPC) lacks "
                        "`oaktree.v1.Location location`" % name)

    print("api docs: %d files in %s" % (len(ours), PACKAGE))
    print("  %-11s %7s %13s" % ("element", "count", "undocumented"))
    for kind in ("service", "rpc", "message", "field", "oneof", "enum", "enum value"):
        print("  %-11s %7d %13d" % (kind, totals[kind], undocumented[kind]))
    print("  resource messages (id + returned by an RPC): %d, without Location: %d"
          % (len(resources), len(no_location)))
    print("  RPCs per service:")
    for f in ours:
        for s in f.service:
            print("    %-34s %3d  (%s)" % ("%s.%s" % (f.package, s.name), len(s.method), f.name))

    if problems:
        print("\ncheck_api_docs: FAILED, %d problem(s):" % len(problems), file=sys.stderr)
        for problem in problems:
            print("  - %s" % problem, file=sys.stderr)
        return 1
    print("check_api_docs: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

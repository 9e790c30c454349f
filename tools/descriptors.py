"""The one loader of the descriptor set: every tool and test reads the API here.

The build parses the .proto files once, into a serialized FileDescriptorSet
with imports and source info (``protoc_gen descriptor`` ->
gen/descriptor/oaktree-v1.binpb). Generation, the verifiers, the vector
generator, the shade checks and the tests all start from that file through
:func:`load`, so what "our files", "files with services" or "every message
type" mean is written once::

    from tools import descriptors
    ds = descriptors.load(path)
    ds.ours()                  # FileDescriptorProto of package oaktree.v1
    ds.with_services(names)    # names of files that define a service
    ds.pool                    # DescriptorPool of every file (built once)
    ds.message_types()         # every message of oaktree.*, sorted by full name
    ds.message_class(name)     # dynamic message class, or None
    ds.rpc_names()             # {"pkg.Service.Rpc", ...}
    comments(file_proto)       # {source path: leading comment}
"""

from google.protobuf import descriptor_pb2
from google.protobuf import descriptor_pool
from google.protobuf import message_factory

PACKAGE = "oaktree.v1"


class DescriptorSet:
    """A parsed FileDescriptorSet (``fds``, mutable) and what is derived from it."""

    def __init__(self, fds, path="<memory>"):
        self.fds = fds
        self.path = path
        self._pool = None

    @property
    def files(self):
        return self.fds.file

    def ours(self, package=PACKAGE):
        """The files of ``package`` (ours, not the imported well-known types)."""
        return [f for f in self.fds.file if f.package == package]

    def with_services(self, names=None):
        """Names of the files (among ``names``, if given) that define a service."""
        wanted = None if names is None else set(names)
        return [f.name for f in self.fds.file
                if f.service and (wanted is None or f.name in wanted)]

    def rpc_names(self):
        """Full names ``pkg.Service.Rpc`` of every RPC of the set."""
        return {"%s.%s.%s" % (f.package, s.name, m.name)
                for f in self.fds.file for s in f.service for m in s.method}

    @property
    def pool(self):
        """A DescriptorPool holding every file of the set, built on first use."""
        if self._pool is None:
            self._pool = build_pool(self.fds)
        return self._pool

    def message_types(self, package_prefix="oaktree."):
        """Every message of the packages starting with ``package_prefix``
        (nested ones too, map entries excluded), as pool descriptors sorted
        by full name."""
        out = []

        def walk(desc):
            if desc.GetOptions().map_entry:
                return
            out.append(desc)
            for n in desc.nested_types:
                walk(n)

        for f in self.fds.file:
            if f.package.startswith(package_prefix):
                for m in self.pool.FindFileByName(f.name).message_types_by_name.values():
                    walk(m)
        return sorted(out, key=lambda d: d.full_name)

    def message_class(self, full_name):
        """The dynamic message class for ``full_name``, or None if the set lacks it."""
        return message_class(self.pool, full_name)

    def serialize(self, source_info=True):
        """Deterministic bytes of the set; without source info (comments) if asked."""
        fds = self.fds
        if not source_info:
            fds = descriptor_pb2.FileDescriptorSet()
            fds.CopyFrom(self.fds)
            for f in fds.file:
                f.ClearField("source_code_info")
        return fds.SerializeToString(deterministic=True)


def load(path):
    """Read a serialized FileDescriptorSet (protoc --descriptor_set_out).
    Raises OSError if unreadable, ValueError if it is no set or holds no file."""
    with open(path, "rb") as f:
        data = f.read()
    fds = descriptor_pb2.FileDescriptorSet()
    try:
        fds.ParseFromString(data)
    except Exception as exc:
        raise ValueError("%s is not a FileDescriptorSet: %s" % (path, exc))
    if not fds.file:
        raise ValueError("%s holds no files" % path)
    return DescriptorSet(fds, path)


def build_pool(fds):
    """A DescriptorPool holding every file of ``fds`` (dependencies first)."""
    pool = descriptor_pool.DescriptorPool()
    pending = list(fds.file)
    added = set()
    while pending:  # protoc orders dependencies first; be tolerant anyway
        progress = False
        for f in list(pending):
            if all(d in added for d in f.dependency):
                pool.Add(f)
                added.add(f.name)
                pending.remove(f)
                progress = True
        if not progress:
            raise ValueError("descriptor set lacks imports: %s (use --include_imports)"
                             % ", ".join(sorted({d for f in pending for d in f.dependency
                                                 if d not in added})))
    return pool


def message_class(pool, full_name):
    """The dynamic message class for ``full_name`` in ``pool``, or None."""
    try:
        return message_factory.GetMessageClass(pool.FindMessageTypeByName(full_name))
    except KeyError:
        return None


def comments(file_proto):
    """{source path tuple: leading comment} for one FileDescriptorProto
    (empty unless the set was built with --include_source_info)."""
    return {tuple(loc.path): loc.leading_comments
            for loc in file_proto.source_code_info.location}

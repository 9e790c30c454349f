"""Render the HTML API reference of oaktree.v1 from the descriptor set.

Input: the descriptor set the build already made (gen/descriptor/oaktree-v1.binpb,
with source info), read through tools/descriptors.py; the .proto text is never
parsed. Output: one page per .proto file of the package plus index.html, in
--out (gen/reference/ in the build tree):

  index.html                 the services (with their first sentence), the
                             files, and every message and enum A-Z;
  oaktree.v1.<area>.html     one file = one service (the API has one per area)
                             with its RPCs, then the file's messages and enums.

A page per file, not per type: each file holds one service and the messages
of its RPCs, so a client author reads one area on one page (the browser's
find works), the page names match what they import (compute.proto,
compute_pb2, compute.pb.h), and cross-file links are few (mostly to
common.proto's Location). Every service, RPC, message, field, oneof, enum and
enum value has an element whose id is its full proto name (e.g.
``oaktree.v1.Server.location``), so a link is ``<page>#<full name>``. Types of
google.protobuf link to the protobuf.dev reference of the well-known types;
other foreign types are shown plainly.

Comments are rendered as paragraphs (blank lines separate them, and a line
starting with ``Errors:``, ``Note:``, ``Example:``... starts one), ``- `` lines
as lists, indented lines as preformatted text, and `code` spans as <code>,
linked when they name a type, service or RPC of the set.

The output depends only on the descriptor set (no dates, no paths, no
versions): same set, same bytes. Pages are published like protoc_gen's
outputs: only files whose bytes changed are replaced, stale pages are removed,
and --stamp is written last.
"""

import argparse
import html
import os
import re
import shutil
import sys
import tempfile

from google.protobuf import descriptor_pb2

from tools import descriptors
from tools.descriptors import PACKAGE
from tools.generate.protoc_gen import sync_tree

WKT_PACKAGE = "google.protobuf"
WKT_URL = "https://protobuf.dev/reference/protobuf/google.protobuf/#"
INDEX = "index.html"
MANAGED = ["*.html"]

# SourceCodeInfo path components (descriptor.proto field numbers).
FILE_MESSAGE, FILE_ENUM, FILE_SERVICE = 4, 5, 6
MSG_FIELD, MSG_NESTED, MSG_ENUM, MSG_ONEOF = 2, 3, 4, 8
ENUM_VALUE, SERVICE_METHOD = 2, 2

FDP = descriptor_pb2.FieldDescriptorProto
SCALARS = {
    FDP.TYPE_DOUBLE: "double", FDP.TYPE_FLOAT: "float", FDP.TYPE_INT64: "int64",
    FDP.TYPE_UINT64: "uint64", FDP.TYPE_INT32: "int32", FDP.TYPE_FIXED64: "fixed64",
    FDP.TYPE_FIXED32: "fixed32", FDP.TYPE_BOOL: "bool", FDP.TYPE_STRING: "string",
    FDP.TYPE_BYTES: "bytes", FDP.TYPE_UINT32: "uint32", FDP.TYPE_SFIXED32: "sfixed32",
    FDP.TYPE_SFIXED64: "sfixed64", FDP.TYPE_SINT32: "sint32", FDP.TYPE_SINT64: "sint64",
}

STYLE = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;
margin:0;background:#fff}
header{background:#20344f;color:#fff;padding:.6em 1.5em}
header a{color:#fff;text-decoration:none;font-weight:600}
header .here{color:#c8d6ea}
main{max-width:80em;margin:0 auto;padding:0 1.5em 3em}
h1{font-size:1.7em;margin:.8em 0 .2em}
h2{font-size:1.35em;border-bottom:2px solid #20344f;margin:1.6em 0 .6em;padding-bottom:.1em}
h3{font-size:1.15em;margin:0 0 .3em}
h4{font-size:1.02em;margin:0 0 .2em}
a{color:#1a56a6}
code{font:.9em/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;
background:#f1f3f7;padding:.05em .3em;border-radius:3px}
pre{background:#f1f3f7;padding:.6em .8em;overflow-x:auto}
pre code{background:none;padding:0}
.kw{color:#7a3e9d;font-weight:600}
.meta{color:#555}
section.el{border:1px solid #d9dee7;border-radius:6px;padding:.8em 1em;margin:1em 0}
section.rpc{border-left:4px solid #6d8fbf;padding:.2em 0 .2em .9em;margin:1.1em 0}
.sig{margin:.1em 0 .4em}
.badge{display:inline-block;font-size:.78em;padding:0 .5em;border-radius:9px;
background:#e3ebf6;color:#20344f;margin-left:.5em;vertical-align:middle}
.doc p{margin:.35em 0}
.doc>:first-child{margin-top:0}
.doc>:last-child{margin-bottom:0}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border-top:1px solid #e3e6ec;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f6f7fa;font-weight:600;font-size:.9em}
table.fields,table.values{table-layout:fixed}
col.num{width:2.8em}col.name{width:14em}col.type{width:14em}col.label{width:9em}
col.value{width:22em}
@media (max-width:60em){table.fields,table.values{table-layout:auto}}
td.num{color:#555}
td.name,td.type{overflow-wrap:anywhere}
td.label{color:#555;font-size:.9em}
tr.oneof td{background:#f8f5fc}
.doc{overflow-wrap:anywhere}
:target>h3,:target>h4,tr:target>td{background:#fff6d6}
ul.cols{columns:21em;column-gap:2em;padding-left:1.2em}
ul.cols li{overflow-wrap:anywhere}
.toc ul{margin:.2em 0}
footer{color:#777;font-size:.85em;border-top:1px solid #e3e6ec;margin-top:3em;padding-top:.5em}
"""


def page_name(file_name):
    """oaktree/v1/compute.proto -> oaktree.v1.compute.html"""
    base = file_name[:-len(".proto")] if file_name.endswith(".proto") else file_name
    return base.replace("/", ".") + ".html"


def kebab(name):
    """FieldMask -> field-mask (protobuf.dev's anchors)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


class Catalog:
    """Where each named element of the set is rendered: {full name: (page, kind)}."""

    def __init__(self, ds, package=PACKAGE):
        self.package = package
        self.where = {}
        for f in ds.ours(package):
            page = page_name(f.name)
            for kind, name, _path, _desc in walk(f):
                self.where[name] = (page, kind)

    def short(self, full):
        prefix = self.package + "."
        return full[len(prefix):] if full.startswith(prefix) else full

    def href(self, full, from_page):
        page, _kind = self.where[full]
        return ("" if page == from_page else page) + "#" + full

    def link(self, full, from_page, text=None):
        """<a> to a type/service/RPC of ours or a well-known type; plain text otherwise."""
        full = full.lstrip(".")
        if text is None:
            text = self.short(full)
        if full in self.where:
            return '<a href="%s">%s</a>' % (html.escape(self.href(full, from_page)), html.escape(text))
        if full.startswith(WKT_PACKAGE + ".") and full.count(".") == 2:
            return '<a class="wkt" href="%s%s">%s</a>' % (
                WKT_URL, kebab(full.rsplit(".", 1)[1]), html.escape(full))
        return html.escape(full)

    def resolve(self, name):
        """The full name a code span means, or None: `Location`, `oaktree.v1.Location`,
        `ComputeService.GetServer`, `google.protobuf.Duration`."""
        for cand in (name, self.package + "." + name):
            if cand in self.where and self.where[cand][1] != "field" \
                    and self.where[cand][1] != "enum value":
                return cand
        if name.startswith(WKT_PACKAGE + ".") and name.count(".") == 2:
            return name
        return None


def walk(f):
    """(kind, full name, source path, descriptor proto) for every element of a file,
    in declaration order: services (with RPCs), then messages (each followed by
    its nested messages and enums), then top-level enums. Map entries and the
    synthetic oneofs of proto3 `optional` are left out (not written by hand)."""
    pkg = f.package
    for i, s in enumerate(f.service):
        name = "%s.%s" % (pkg, s.name)
        yield "service", name, (FILE_SERVICE, i), s
        for j, r in enumerate(s.method):
            yield "rpc", "%s.%s" % (name, r.name), (FILE_SERVICE, i, SERVICE_METHOD, j), r

    def enum(e, name, path):
        yield "enum", name, path, e
        for i, v in enumerate(e.value):
            yield "enum value", "%s.%s" % (name, v.name), path + (ENUM_VALUE, i), v

    def message(m, name, path):
        if m.options.map_entry:
            return
        yield "message", name, path, m
        for i, fld in enumerate(m.field):
            yield "field", "%s.%s" % (name, fld.name), path + (MSG_FIELD, i), fld
        for i, o in enumerate(m.oneof_decl):
            if not real_oneof(m, i):
                continue
            yield "oneof", "%s.%s" % (name, o.name), path + (MSG_ONEOF, i), o
        for i, n in enumerate(m.nested_type):
            yield from message(n, "%s.%s" % (name, n.name), path + (MSG_NESTED, i))
        for i, e in enumerate(m.enum_type):
            yield from enum(e, "%s.%s" % (name, e.name), path + (MSG_ENUM, i))

    for i, m in enumerate(f.message_type):
        yield from message(m, "%s.%s" % (pkg, m.name), (FILE_MESSAGE, i))
    for i, e in enumerate(f.enum_type):
        yield from enum(e, "%s.%s" % (pkg, e.name), (FILE_ENUM, i))


def real_oneof(m, index):
    """False for the synthetic oneof protoc makes for a proto3 `optional` field."""
    members = [x for x in m.field if x.HasField("oneof_index") and x.oneof_index == index]
    return bool(members) and not all(x.proto3_optional for x in members)


# --- comments ------------------------------------------------------------------------

CODE_SPAN = re.compile(r"`([^`\n]+)`")
# Lines the API's comments begin with a label; each starts a paragraph.
LEAD_IN = re.compile(r"(Errors|Note|Example|Deprecated|See also):\s")


def inline(text, catalog, page):
    """Escape one block of comment text; `x` becomes <code>, linked when x names
    a type, service or RPC."""
    out, pos = [], 0
    for m in CODE_SPAN.finditer(text):
        out.append(html.escape(text[pos:m.start()], quote=False))
        code = m.group(1)
        target = catalog.resolve(code)
        if target:
            out.append("<code>%s</code>" % catalog.link(target, page, text=code))
        else:
            out.append("<code>%s</code>" % html.escape(code, quote=False))
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def render_doc(comment, catalog, page):
    """A leading comment as HTML blocks inside <div class="doc">."""
    lines = [line[1:] if line.startswith(" ") else line
             for line in comment.strip("\n").split("\n")]
    blocks, cur = [], []
    for line in lines + [""]:
        if cur and LEAD_IN.match(line):  # "Errors: ..." starts its own paragraph
            blocks.append(cur)
            cur = []
        if line.strip():
            cur.append(line.rstrip())
        elif cur:
            blocks.append(cur)
            cur = []
    out = []
    for block in blocks:
        if all(line.startswith("  ") for line in block):
            width = min(len(line) - len(line.lstrip()) for line in block)
            out.append("<pre><code>%s</code></pre>" % html.escape(
                "\n".join(line[width:] for line in block), quote=False))
        elif block[0].startswith(("- ", "* ")):
            items = []
            for line in block:
                if line.startswith(("- ", "* ")):
                    items.append([line[2:]])
                elif items:
                    items[-1].append(line.strip())
                else:
                    items.append([line.strip()])
            out.append("<ul>\n%s\n</ul>" % "\n".join(
                "<li>%s</li>" % inline("\n".join(item), catalog, page) for item in items))
        else:
            text = "\n".join(line.strip() for line in block)
            lead = LEAD_IN.match(text)
            label = ""
            if lead:
                label = "<b>%s:</b>" % html.escape(lead.group(1))
                text = text[len(lead.group(1)) + 1:]
            out.append("<p>%s%s</p>" % (label, inline(text, catalog, page)))
    return '<div class="doc">\n%s\n</div>' % "\n".join(out)


def first_sentence(comment):
    text = " ".join(comment.split())
    m = re.search(r"\.(\s|$)", text)
    return text[:m.start() + 1] if m else text


# --- pages ---------------------------------------------------------------------------

def document(title, here, body):
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>%s</title>\n" % html.escape(title),
        # No favicon request: every request a page makes is checked.
        "<link rel=\"icon\" href=\"data:,\">\n",
        "<style>%s</style>\n</head>\n<body>\n" % STYLE.strip(),
        "<header><a href=\"%s\">%s API reference</a>%s</header>\n"
        % (INDEX, PACKAGE, (" <span class=\"here\">/ %s</span>" % html.escape(here)) if here else ""),
        "<main>\n", body,
        "<footer>Generated from the oaktree.v1 descriptor set by "
        "tools/generate/api_reference.py.</footer>\n</main>\n</body>\n</html>\n",
    ])


class FilePage:
    def __init__(self, f, catalog, files):
        self.f = f
        self.catalog = catalog
        self.our_files = {o.name for o in files}
        self.page = page_name(f.name)
        self.docs = descriptors.comments(f)
        self.messages = {}  # full name -> DescriptorProto (map entries too)

        def index(m, name):
            self.messages[name] = m
            for n in m.nested_type:
                index(n, "%s.%s" % (name, n.name))

        for m in f.message_type:
            index(m, "%s.%s" % (f.package, m.name))

    def doc(self, path):
        return render_doc(self.docs.get(path, ""), self.catalog, self.page)

    def link(self, full):
        return self.catalog.link(full, self.page)

    def field_type(self, fld):
        if fld.type in (FDP.TYPE_MESSAGE, FDP.TYPE_ENUM, FDP.TYPE_GROUP):
            entry = self.messages.get(fld.type_name.lstrip("."))
            if entry is not None and entry.options.map_entry:
                key, value = entry.field[0], entry.field[1]
                return "map&lt;%s, %s&gt;" % (self.field_type(key), self.field_type(value))
            return self.link(fld.type_name)
        return SCALARS[fld.type]

    def label(self, m, fld, name):
        if fld.label == FDP.LABEL_REPEATED:
            entry = self.messages.get(fld.type_name.lstrip("."))
            return "map" if entry is not None and entry.options.map_entry else "repeated"
        if fld.proto3_optional:
            return "optional"
        if fld.HasField("oneof_index"):
            oneof = m.oneof_decl[fld.oneof_index].name
            return 'oneof <a href="#%s.%s">%s</a>' % (html.escape(name), html.escape(oneof),
                                                     html.escape(oneof))
        if fld.label == FDP.LABEL_REQUIRED:
            return "required"
        return ""

    def render(self):
        f, out = self.f, []
        entries = list(walk(f))
        services = [e for e in entries if e[0] == "service"]
        messages = [e for e in entries if e[0] == "message"]
        enums = [e for e in entries if e[0] == "enum"]
        out.append('<h1 id="top">%s</h1>\n' % html.escape(f.name))
        deps = list(f.dependency)
        out.append('<p class="meta">package <code>%s</code>' % html.escape(f.package))
        if deps:
            out.append("; imports %s" % ", ".join(
                '<a href="%s">%s</a>' % (page_name(d), html.escape(d))
                if d in self.our_files else "<code>%s</code>" % html.escape(d)
                for d in deps))
        out.append("</p>\n")
        out.append(self.toc(services, messages, enums))
        if services:
            out.append('<h2 id="services">Services</h2>\n')
            for _kind, name, path, s in services:
                out.append(self.service(name, path, s))
        if messages:
            out.append('<h2 id="messages">Messages</h2>\n')
            for _kind, name, path, m in messages:
                out.append(self.message(name, path, m))
        if enums:
            out.append('<h2 id="enums">Enums</h2>\n')
            for _kind, name, path, e in enums:
                out.append(self.enum(name, path, e))
        return document("%s - %s API reference" % (f.name, PACKAGE), f.name, "".join(out))

    def toc(self, services, messages, enums):
        parts = ['<nav class="toc">\n']
        for title, items in (("Services", services), ("Messages", messages), ("Enums", enums)):
            if not items:
                continue
            parts.append("<p><b>%s</b></p>\n<ul class=\"cols\">\n" % title)
            for _kind, name, _path, _d in items:
                parts.append('<li><a href="#%s">%s</a></li>\n'
                             % (html.escape(name), html.escape(self.catalog.short(name))))
            parts.append("</ul>\n")
        parts.append("</nav>\n")
        return "".join(parts)

    def service(self, name, path, s):
        out = ['<section class="el service" id="%s">\n' % html.escape(name),
               '<h3><span class="kw">service</span> %s</h3>\n' % html.escape(s.name),
               self.doc(path), "\n"]
        out.append("<table class=\"rpcs\">\n<thead><tr><th>RPC</th><th>Request</th>"
                   "<th>Response</th><th>Kind</th></tr></thead>\n<tbody>\n")
        for r in s.method:
            out.append('<tr><td><a href="#%s.%s">%s</a></td><td>%s</td><td>%s</td><td>%s</td></tr>\n'
                       % (html.escape(name), html.escape(r.name), html.escape(r.name),
                          self.link(r.input_type), self.link(r.output_type), rpc_kind(r)))
        out.append("</tbody>\n</table>\n")
        for j, r in enumerate(s.method):
            rname = "%s.%s" % (name, r.name)
            out.append('<section class="rpc" id="%s">\n' % html.escape(rname))
            out.append('<h4>%s <span class="badge">%s</span></h4>\n' % (html.escape(r.name), rpc_kind(r)))
            out.append('<p class="sig"><code><span class="kw">rpc</span> %s(%s%s) '
                       '<span class="kw">returns</span> (%s%s)</code></p>\n'
                       % (html.escape(r.name),
                          '<span class="kw">stream</span> ' if r.client_streaming else "",
                          self.link(r.input_type),
                          '<span class="kw">stream</span> ' if r.server_streaming else "",
                          self.link(r.output_type)))
            out.append(self.doc(path + (SERVICE_METHOD, j)))
            out.append("\n</section>\n")
        out.append("</section>\n")
        return "".join(out)

    def message(self, name, path, m):
        out = ['<section class="el message" id="%s">\n' % html.escape(name),
               '<h3><span class="kw">message</span> %s</h3>\n' % html.escape(self.catalog.short(name)),
               self.doc(path), "\n"]
        if not m.field:
            out.append('<p class="meta">No fields.</p>\n')
        else:
            out.append('<table class="fields">\n<colgroup><col class="num"><col class="name">'
                       '<col class="type"><col class="label"><col></colgroup>\n'
                       '<thead><tr><th>#</th><th>Field</th><th>Type</th>'
                       '<th>Label</th><th>Description</th></tr></thead>\n<tbody>\n')
            shown = set()
            for i, fld in enumerate(m.field):
                if fld.HasField("oneof_index") and fld.oneof_index not in shown \
                        and real_oneof(m, fld.oneof_index):
                    k = fld.oneof_index
                    shown.add(k)
                    out.append('<tr class="oneof" id="%s.%s"><td class="num"></td>'
                               '<td class="name" colspan="3"><span class="kw">oneof</span> '
                               '<code>%s</code></td><td>%s</td></tr>\n'
                               % (html.escape(name), html.escape(m.oneof_decl[k].name),
                                  html.escape(m.oneof_decl[k].name), self.doc(path + (MSG_ONEOF, k))))
                deprecated = ' <span class="badge">deprecated</span>' if fld.options.deprecated else ""
                out.append('<tr id="%s.%s"><td class="num">%d</td><td class="name"><code>%s</code>%s</td>'
                           '<td class="type"><code>%s</code></td><td class="label">%s</td><td>%s</td></tr>\n'
                           % (html.escape(name), html.escape(fld.name), fld.number,
                              breakable(fld.name), deprecated, self.field_type(fld),
                              self.label(m, fld, name), self.doc(path + (MSG_FIELD, i))))
            out.append("</tbody>\n</table>\n")
        out.append("</section>\n")
        return "".join(out)

    def enum(self, name, path, e):
        out = ['<section class="el enum" id="%s">\n' % html.escape(name),
               '<h3><span class="kw">enum</span> %s</h3>\n' % html.escape(self.catalog.short(name)),
               self.doc(path), "\n",
               '<table class="values">\n<colgroup><col class="value"><col class="num"><col>'
               '</colgroup>\n<thead><tr><th>Value</th><th>#</th><th>Description</th>'
               '</tr></thead>\n<tbody>\n']
        for i, v in enumerate(e.value):
            out.append('<tr id="%s.%s"><td class="name"><code>%s</code></td><td class="num">%d</td>'
                       '<td>%s</td></tr>\n'
                       % (html.escape(name), html.escape(v.name), breakable(v.name), v.number,
                          self.doc(path + (ENUM_VALUE, i))))
        out.append("</tbody>\n</table>\n</section>\n")
        return "".join(out)


def breakable(name):
    """A long snake_case name may wrap after its underscores."""
    return html.escape(name).replace("_", "_<wbr>")


def rpc_kind(r):
    if r.client_streaming and r.server_streaming:
        return "bidirectional streaming"
    if r.client_streaming:
        return "client streaming"
    if r.server_streaming:
        return "server streaming"
    return "unary"


def index_page(files, catalog):
    out = ['<h1 id="top">%s API reference</h1>\n' % PACKAGE,
           "<p>Every service, RPC, message, field and enum of the <code>%s</code> gRPC API, "
           "with the comments of its <code>.proto</code> files. One page per file; each "
           "element's anchor is its full proto name (e.g. <code>%s#%s.Location</code>).</p>\n"
           % (PACKAGE, page_name("oaktree/v1/common.proto"), PACKAGE)]
    out.append('<h2 id="services">Services</h2>\n<table>\n<thead><tr><th>Service</th><th>RPCs</th>'
               "<th>File</th><th>Summary</th></tr></thead>\n<tbody>\n")
    for f in files:
        docs = descriptors.comments(f)
        for i, s in enumerate(f.service):
            name = "%s.%s" % (f.package, s.name)
            out.append('<tr><td>%s</td><td class="num">%d</td><td><a href="%s">%s</a></td><td>%s</td></tr>\n'
                       % (catalog.link(name, INDEX), len(s.method), page_name(f.name),
                          html.escape(f.name),
                          inline(first_sentence(docs.get((FILE_SERVICE, i), "")), catalog, INDEX)))
    out.append("</tbody>\n</table>\n")
    out.append('<h2 id="files">Files</h2>\n<table>\n<thead><tr><th>File</th><th>Services</th>'
               "<th>Messages</th><th>Enums</th></tr></thead>\n<tbody>\n")
    for f in files:
        kinds = [e[0] for e in walk(f)]
        out.append('<tr><td><a href="%s">%s</a></td><td class="num">%d</td><td class="num">%d</td>'
                   '<td class="num">%d</td></tr>\n'
                   % (page_name(f.name), html.escape(f.name), kinds.count("service"),
                      kinds.count("message"), kinds.count("enum")))
    out.append("</tbody>\n</table>\n")
    types = sorted((catalog.short(name), name, kind) for name, (_page, kind) in catalog.where.items()
                   if kind in ("message", "enum"))
    out.append('<h2 id="types">Messages and enums A-Z</h2>\n<ul class="cols">\n')
    for short, name, kind in types:
        out.append("<li>%s%s</li>\n" % (catalog.link(name, INDEX),
                                         ' <span class="meta">(enum)</span>' if kind == "enum" else ""))
    out.append("</ul>\n")
    return document("%s API reference" % PACKAGE, "", "".join(out))


def render(ds):
    """{page file name: bytes} for the whole reference."""
    files = ds.ours()
    if not files:
        raise ValueError("no file of package %s in the descriptor set" % PACKAGE)
    if not any(f.source_code_info.location for f in files):
        raise ValueError("the descriptor set has no source info (comments); build it with "
                         "--include_source_info")
    catalog = Catalog(ds)
    pages = {INDEX: index_page(files, catalog)}
    for f in files:
        page = FilePage(f, catalog, files)
        pages[page.page] = page.render()
    return {name: text.encode("utf-8") for name, text in pages.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--descriptor-set", required=True, help="FileDescriptorSet with source info")
    ap.add_argument("--out", required=True, help="folder of the pages (gen/reference)")
    ap.add_argument("--stamp", help="file written last when every page is published")
    ap.add_argument("--expect", help="space-separated pages the Makefile installs (paths as "
                    "seen from the current folder); a mismatch is an error")
    args = ap.parse_args(argv)
    if args.stamp and os.path.exists(args.stamp):
        os.remove(args.stamp)  # a failed run must not look up to date
    try:
        pages = render(descriptors.load(args.descriptor_set))
    except (OSError, ValueError) as exc:
        print("api_reference: error: %s" % exc, file=sys.stderr)
        return 1
    if args.expect is not None:
        expected = sorted(os.path.relpath(p, args.out) for p in args.expect.split())
        if expected != sorted(pages):
            print("api_reference: error: the Makefile's list of pages is stale (made but not "
                  "listed: %s; listed but not made: %s)"
                  % (sorted(set(pages) - set(expected)), sorted(set(expected) - set(pages))),
                  file=sys.stderr)
            return 1
    os.makedirs(args.out, exist_ok=True)
    parent = os.path.dirname(os.path.abspath(args.out))
    for leftover in os.listdir(parent):  # of a run that was killed
        if leftover.startswith(".reference-tmp-"):
            shutil.rmtree(os.path.join(parent, leftover), ignore_errors=True)
    tmp = tempfile.mkdtemp(prefix=".reference-tmp-", dir=parent)
    try:
        for name, data in pages.items():
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
        changed, removed = sync_tree(tmp, args.out, sorted(pages), MANAGED)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.stamp:
        with open(args.stamp + ".tmp", "w") as f:
            f.write("".join(name + "\n" for name in sorted(pages)))
        os.replace(args.stamp + ".tmp", args.stamp)
    if changed or removed:
        print("  reference: %d page(s) updated, %d removed, %d unchanged"
              % (len(changed), len(removed), len(pages) - len(changed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

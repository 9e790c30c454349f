"""Check the HTML API reference (gen/reference) against the descriptor set, in a browser.

Two parts, both reading only the descriptor set and the pages:

structure (Python's html.parser, no browser)
  one page per file of oaktree.v1 plus index.html; no id used twice on a page;
  every service, RPC, message, field, oneof, enum and enum value (the same list
  as tools/verify/check_api_docs.py) has an element whose id is its full name
  on its file's page, and that element's first comment block says exactly its
  leading comment (whitespace and `backticks` aside); a field's row shows its
  number.

browser (a real headless chromium, driven over the DevTools protocol on a pipe)
  the folder is served on 127.0.0.1 (ephemeral port) and every page is loaded
  in one browser: each must load with HTTP 200 and no failed request, show its
  <h1>, give every element's section a heading naming it, and render every
  element of the set (a layout box, not display:none). Every link is resolved
  as the browser resolved it: an internal one must name a served page and an
  id that exists in that page's DOM; an external one may only point to the
  protobuf.dev reference of the well-known types. Every page must be reachable
  from index.html.

Prints what it checked; exits 1 listing every problem as `<page>: <problem>`
(a broken link names its href), 2 when it cannot run (no chromium, no pages).
"""

import argparse
import collections
import fcntl
import functools
import html.parser
import http.server
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

from tools import descriptors
from tools.generate.api_reference import INDEX, WKT_URL, page_name
from tools.verify.check_api_docs import elements

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                  "--remote-debugging-pipe"]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
        "source", "track", "wbr"}


def normalize(text):
    """Comment text as a reader sees it: no `backticks`, no list markers, one space."""
    text = re.sub(r"^\s*[-*] ", "", text, flags=re.M).replace("`", "")
    return " ".join(text.split())


# --- structure --------------------------------------------------------------------------

class PageParser(html.parser.HTMLParser):
    """ids (with duplicates), the text of each id'd element's first
    <div class="doc">, and the whole text of each id'd element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []           # [tag, id or None, doc-owner ids]
        self.ids = collections.Counter()
        self.text = collections.defaultdict(list)
        self.doc = {}             # id -> [text parts] of its first doc block
        self.h1 = []
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        ident = attrs.get("id")
        for _tag, open_id, _owners in self.stack:  # cells read as separate words
            if open_id:
                self.text[open_id].append(" ")
        if ident:
            self.ids[ident] += 1
        owners = []
        if tag == "div" and "doc" in (attrs.get("class") or "").split():
            for _tag, open_id, _owners in self.stack:
                if open_id and open_id not in self.doc:
                    self.doc[open_id] = []
                    owners.append(open_id)
        if tag == "h1":
            self._in_h1 = True
            self.h1.append("")
        if tag not in VOID:
            self.stack.append([tag, ident, owners])

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for _tag, ident, owners in self.stack:
            if ident:
                self.text[ident].append(data)
            for owner in owners:
                self.doc[owner].append(data)
        if self._in_h1:
            self.h1[-1] += data


def parse(path):
    p = PageParser()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    p.close()
    return p


def expected(ds):
    """[(kind, full name, page, leading comment)] for every element of the set."""
    out = []
    for f in ds.ours():
        docs = descriptors.comments(f)
        for kind, name, path in elements(f):
            out.append((kind, name, page_name(f.name), docs.get(path, "")))
    return out


def field_numbers(ds):
    """{full field name: number}"""
    out = {}

    def walk(m, name):
        for fld in m.field:
            out["%s.%s" % (name, fld.name)] = fld.number
        for n in m.nested_type:
            walk(n, "%s.%s" % (name, n.name))

    for f in ds.ours():
        for m in f.message_type:
            walk(m, "%s.%s" % (f.package, m.name))
    return out


def check_structure(ds, folder, want):
    """Problems of the pages as files; returns (problems, parsed pages)."""
    problems = []
    pages = {}
    for name in sorted({INDEX} | {page for _k, _n, page, _c in want}):
        path = os.path.join(folder, name)
        if not os.path.exists(path):
            problems.append("%s: missing page" % name)
            continue
        pages[name] = parse(path)
        for ident, count in sorted(pages[name].ids.items()):
            if count > 1:
                problems.append("%s: id %r used %d times" % (name, ident, count))
        if not [h for h in pages[name].h1 if h.strip()]:
            problems.append("%s: no <h1>" % name)
    numbers = field_numbers(ds)
    for kind, name, page, comment in want:
        p = pages.get(page)
        if p is None:
            continue
        if name not in p.ids:
            problems.append("%s: %s %s has no element with id=%r" % (page, kind, name, name))
            continue
        shown = normalize("".join(p.doc.get(name, [])))
        if shown != normalize(comment):
            problems.append("%s: %s %s shows comment %r, the .proto says %r"
                            % (page, kind, name, shown[:80], normalize(comment)[:80]))
        if kind == "field":
            row = " ".join("".join(p.text[name]).split())
            if not re.match(r"%d\b" % numbers[name], row):
                problems.append("%s: field %s row does not start with its number %d"
                                % (page, name, numbers[name]))
    return problems, pages


# --- browser ----------------------------------------------------------------------------

class BrowserError(Exception):
    pass


class Browser:
    """One headless chromium driven over --remote-debugging-pipe (fd 3: commands
    in, fd 4: replies and events out, each a JSON text ending in NUL)."""

    def __init__(self, chromium, profile, timeout):
        self.timeout = timeout
        self.log_path = os.path.join(profile, "chromium.log")
        cmd_r, self.cmd_w = os.pipe()
        self.resp_r, resp_w = os.pipe()
        # The child's ends at fd >= 10, so a tiny launcher can dup2 them to 3 and 4
        # (no preexec_fn: this process runs the HTTP server thread).
        child_in = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(resp_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(resp_w)
        launcher = ("import os, sys\n"
                    "a, b = int(sys.argv[1]), int(sys.argv[2])\n"
                    "os.dup2(a, 3); os.dup2(b, 4); os.close(a); os.close(b)\n"
                    "os.execv(sys.argv[3], sys.argv[3:])\n")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", launcher, str(child_in), str(child_out), chromium,
                 *CHROMIUM_FLAGS, "--user-data-dir=" + os.path.join(profile, "profile"),
                 "about:blank"],
                pass_fds=(child_in, child_out), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        os.close(child_in)
        os.close(child_out)
        self.buf = b""
        self.next_id = 0
        self.events = []

    def _read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("chromium did not answer within %d s" % self.timeout)
            ready, _, _ = select.select([self.resp_r], [], [], left)
            if ready:
                chunk = os.read(self.resp_r, 1 << 20)
                if not chunk:
                    raise BrowserError("chromium exited (status %s)" % self.proc.poll())
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise BrowserError("%s: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method, session):
        deadline = time.monotonic() + self.timeout
        seen = 0
        while True:
            for ev in self.events[seen:]:
                if ev.get("method") == method and ev.get("sessionId") == session:
                    return ev
            seen = len(self.events)
            self.events.append(self._read(deadline))

    def log_tail(self, lines=15):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def close(self):
        try:
            if self.proc.poll() is None:
                try:
                    self.next_id += 1
                    os.write(self.cmd_w, json.dumps({"id": self.next_id, "method": "Browser.close"})
                             .encode() + b"\0")
                except OSError:
                    pass
                try:
                    self.proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
        finally:
            try:  # the renderers and zygotes of this browser, by its process group
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if self.proc.poll() is None:
                self.proc.wait(timeout=15)
            os.close(self.cmd_w)
            os.close(self.resp_r)


# What the browser reports of a loaded page: its DOM as rendered.
PAGE_REPORT = r"""JSON.stringify((() => {
  const withId = Array.from(document.querySelectorAll('[id]'));
  return {
    url: location.href,
    h1: Array.from(document.querySelectorAll('h1')).map(e => e.textContent.trim()),
    ids: withId.map(e => e.id),
    unrendered: withId.filter(e => e.getClientRects().length === 0).map(e => e.id),
    headings: Array.from(document.querySelectorAll('section[id]')).map(s => {
      const h = s.querySelector('h3, h4');
      return [s.id, h ? h.textContent.trim() : ''];
    }),
    links: Array.from(document.querySelectorAll('a[href]')).map(a => [a.getAttribute('href'), a.href]),
    height: document.documentElement.scrollHeight,
  };
})())"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=folder))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def load_pages(chromium, folder, names, timeout):
    """{page: report} of every page loaded in one browser, plus problems."""
    problems, reports = [], {}
    server = serve(folder)
    base = "http://127.0.0.1:%d/" % server.server_address[1]
    profile = tempfile.mkdtemp(prefix="oaktree-chromium-")
    browser = None
    try:
        browser = Browser(chromium, profile, timeout)
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget",
                               {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            browser.call(domain + ".enable", session=session)
        for name in names:
            browser.events = []
            nav = browser.call("Page.navigate", {"url": base + name}, session=session)
            if nav.get("errorText"):
                problems.append("%s: does not load: %s" % (name, nav["errorText"]))
                continue
            browser.wait_event("Page.loadEventFired", session)
            for ev in browser.events:
                params = ev.get("params", {})
                if ev.get("method") == "Network.responseReceived":
                    resp = params.get("response", {})
                    if resp.get("status") != 200:
                        problems.append("%s: %s answered HTTP %s"
                                        % (name, resp.get("url"), resp.get("status")))
                elif ev.get("method") == "Network.loadingFailed":
                    problems.append("%s: a request failed: %s" % (name, params.get("errorText")))
                elif ev.get("method") == "Runtime.exceptionThrown":
                    problems.append("%s: script error: %s" % (name, params))
            value = browser.call("Runtime.evaluate", {"expression": PAGE_REPORT,
                                                      "returnByValue": True},
                                 session=session)["result"].get("value")
            reports[name] = json.loads(value)
    except BrowserError as exc:
        problems.append("browser: %s\n%s" % (exc, browser.log_tail() if browser else ""))
    finally:
        if browser:
            browser.close()
        server.shutdown()
        server.server_close()
        shutil.rmtree(profile, ignore_errors=True)
    return base, reports, problems


def check_browser(chromium, folder, want, timeout):
    names = sorted(n for n in os.listdir(folder) if n.endswith(".html"))
    base, reports, problems = load_pages(chromium, folder, names, timeout)
    if not reports:
        return problems, {}
    ids = {name: set(r["ids"]) for name, r in reports.items()}
    for name, r in sorted(reports.items()):
        if not [h for h in r["h1"] if h]:
            problems.append("%s: the browser shows no <h1>" % name)
        if r["height"] <= 0:
            problems.append("%s: renders nothing" % name)
    by_page = collections.defaultdict(dict)
    for kind, full, page, _comment in want:
        by_page[page][full] = kind
    for page, items in sorted(by_page.items()):
        r = reports.get(page)
        if r is None:
            problems.append("%s: not loaded" % page)
            continue
        unrendered = set(r["unrendered"])
        headings = dict(r["headings"])
        for full, kind in items.items():
            if full not in ids[page]:
                problems.append("%s: no anchor #%s for %s %s" % (page, full, kind, full))
            elif full in unrendered:
                problems.append("%s: %s %s (#%s) is not rendered" % (page, kind, full, full))
            if kind in ("service", "rpc", "message", "enum"):
                leaf = full.rsplit(".", 1)[1]
                if not re.search(r"\b%s\b" % re.escape(leaf), headings.get(full, "")):
                    problems.append("%s: %s %s has no heading naming it (got %r)"
                                    % (page, kind, full, headings.get(full)))
    counts = collections.Counter()
    graph = collections.defaultdict(set)
    for name, r in sorted(reports.items()):
        for href, resolved in r["links"]:
            url = urllib.parse.urlsplit(resolved)
            if resolved.startswith(base):
                counts["internal"] += 1
                target = urllib.parse.unquote(url.path[len(urllib.parse.urlsplit(base).path):]) \
                    or INDEX
                frag = urllib.parse.unquote(url.fragment)
                if target not in reports:
                    problems.append("%s: broken link %r: no page %s" % (name, href, target))
                    continue
                graph[name].add(target)
                if frag and frag not in ids[target]:
                    problems.append("%s: broken link %r: no id %r on %s" % (name, href, frag, target))
            elif resolved.startswith(WKT_URL.split("#")[0]):
                counts["external"] += 1
            else:
                problems.append("%s: link %r leaves the reference (only %s is allowed)"
                                % (name, href, WKT_URL.split("#")[0]))
    reached, todo = {INDEX}, [INDEX]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    for name in sorted(set(reports) - reached):
        problems.append("%s: not reachable from %s" % (name, INDEX))
    counts["pages"] = len(reports)
    return problems, counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--descriptor-set", required=True, help="FileDescriptorSet with source info")
    ap.add_argument("--reference", required=True, help="folder of the pages (gen/reference)")
    ap.add_argument("--chromium", help="chromium binary (default: chromium on PATH)")
    ap.add_argument("--no-browser", action="store_true", help="the structural part only")
    ap.add_argument("--timeout", type=int, default=120,
                    help="seconds to wait for each answer of the browser")
    args = ap.parse_args(argv)
    try:
        ds = descriptors.load(args.descriptor_set)
    except (OSError, ValueError) as exc:
        print("check_api_reference: ERROR: %s" % exc, file=sys.stderr)
        return 2
    if not os.path.isdir(args.reference):
        print("check_api_reference: ERROR: no folder %s (`make` builds it, `make install` "
              "installs it)" % args.reference, file=sys.stderr)
        return 2
    want = expected(ds)
    problems, _pages = check_structure(ds, args.reference, want)
    kinds = collections.Counter(kind for kind, _n, _p, _c in want)
    print("api reference: %s" % args.reference)
    print("  structure: %s, each with its anchor and comment"
          % ", ".join("%d %s" % (kinds[k], k) for k in
                      ("service", "rpc", "message", "field", "oneof", "enum", "enum value")))
    if not args.no_browser:
        chromium = args.chromium or shutil.which("chromium")
        if not chromium:
            print("check_api_reference: ERROR: no chromium on PATH (Debian package chromium, "
                  "bindep.txt)", file=sys.stderr)
            return 2
        started = time.monotonic()
        more, counts = check_browser(chromium, args.reference, want, args.timeout)
        problems += more
        if counts:
            print("  browser: %d pages loaded from 127.0.0.1 in %.1f s; %d internal links and "
                  "anchors resolved, %d links to the well-known types"
                  % (counts["pages"], time.monotonic() - started, counts["internal"],
                     counts["external"]))
    if problems:
        print("\ncheck_api_reference: FAILED, %d problem(s):" % len(problems), file=sys.stderr)
        for problem in problems:
            print("  - %s" % problem, file=sys.stderr)
        return 1
    print("check_api_reference: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

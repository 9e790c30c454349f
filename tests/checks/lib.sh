# Sourced by every check script (tests/checks/*, <language>/checks/*): the one
# place that turns a skip into a failure under CI=true, plus the helpers the
# language checks share. Exit 77 = SKIP (automake's convention).
: "${OAKTREE_SRCDIR:?run through make check}"

skip() {
  echo "SKIP: $*"
  if [ "${CI:-}" = true ]; then
    echo "CI=true: refusing to skip a check on CI"
    exit 1
  fi
  exit 77
}

# skip_unless_language LANG: skip (with configure's reason) when LANG is off.
skip_unless_language() {
  reason=$(printenv "OAKTREE_SKIP_$(echo "$1" | tr a-z A-Z)")
  [ -z "$reason" ] || skip "$1 is disabled: $reason"
}

# A scratch folder removed at exit ($WORK), and at most one interop server
# started by start_interop_server, stopped at exit.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oaktree-check.XXXXXX")
_server_pid=
trap '[ -z "$_server_pid" ] || kill $_server_pid 2>/dev/null; rm -rf "$WORK"' EXIT
trap 'exit 1' INT TERM

# start_interop_server LANG: runs the build tree's LANG/interop-server
# (tests/interop/README.rst) and sets INTEROP_TARGET and INTEROP_TOKEN.
INTEROP_TOKEN=check-token-5d1e
start_interop_server() {
  "$OAKTREE_BUILDDIR/$1/interop-server" --token "$INTEROP_TOKEN" >"$WORK/server.out" 2>&1 &
  _server_pid=$!
  i=0
  while [ $i -lt 600 ]; do
    port=$(sed -n 's/^PORT=\([0-9][0-9]*\).*/\1/p' "$WORK/server.out" 2>/dev/null | head -n 1)
    if [ -n "$port" ]; then INTEROP_TARGET=127.0.0.1:$port; return 0; fi
    kill -0 $_server_pid 2>/dev/null || break
    sleep 0.1; i=$((i + 1))
  done
  echo "$1/interop-server did not print PORT=<n> within 60 s:"; cat "$WORK/server.out"
  exit 1
}

#!/bin/sh
# Fresh machine to built tree in one command:
#   system packages (bindep.txt), Python tools (requirements.txt into .venv),
#   Go modules and plugins (golang/go.mod), then autoreconf, configure, make.
# Extra arguments go to ./configure. Safe to run again.
set -eu
cd "$(dirname "$0")"
top=$(pwd)

# Python tools first: bindep itself comes from requirements.txt.
py=${PYTHON3:-python3}
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($py --version)"
  if ! $py -m venv .venv; then
    # Debian's python3 ships venv separately; bindep cannot say so before the venv exists.
    rm -rf .venv
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends python3-venv
    $py -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt

# System packages that bindep says are missing (Debian/Ubuntu: apt-get).
missing=$(.venv/bin/bindep -b || true)
if [ -n "$missing" ]; then
  echo "== installing system packages:" $missing
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi

# Go modules, including the pinned protoc plugins (tool lines in go.mod).
if command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; then
  go=$(command -v go || echo /usr/local/go/bin/go)
  echo "== go mod download ($($go env GOVERSION))"
  (cd golang && $go mod download)
else
  echo "== go not found: the checked-in Go is used; Go checks will be skipped"
fi

# Rust crates of rust/Cargo.lock (prost, tonic, ...) into cargo's cache, for
# the offline (--offline --locked) cargo runs of make and make check.
cargo=$(command -v cargo || echo "$HOME/.cargo/bin/cargo")
if [ -x "$cargo" ]; then
  echo "== cargo fetch --locked ($($cargo --version))"
  ws=$(mktemp -d)
  sh rust/assemble.sh . "$ws/ws" 0.0.0 rust/Cargo.lock >/dev/null
  (cd "$ws/ws" && "$cargo" fetch --locked --quiet)
  rm -rf "$ws"
else
  echo "== cargo not found: the Rust crate will be skipped (install Rust with rustup, see rust/README.rst)"
fi

echo "== autoreconf, configure, make"
./autogen.sh
./configure PYTHON="$top/.venv/bin/python" "$@"
make -j"$(nproc 2>/dev/null || echo 2)"

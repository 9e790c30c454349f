#!/bin/sh
# Lay out the cargo workspace in the build tree, never writing into the
# source tree:  assemble.sh SRCDIR WSDIR VERSION DESCRIPTOR_SET
#   WSDIR/Cargo.toml              rust/workspace.toml
#   WSDIR/Cargo.lock              rust/Cargo.lock, oaktreemodel's version set
#   WSDIR/oaktreemodel/Cargo.toml rust/oaktreemodel/Cargo.toml.in, @VERSION@ set
#   WSDIR/oaktreemodel/{build.rs,src,README.rst,oaktree-v1.binpb}  symlinks
#   WSDIR/testprogs/{Cargo.toml,src}                               symlinks
# Files are replaced only when their bytes change, so cargo (which compares
# mtimes for path packages) rebuilds nothing after a no-op run.
set -eu
src=$(cd "$1/rust" && pwd)
ws=$2
version=$3
dset=$(cd "$(dirname "$4")" && pwd)/$(basename "$4")

mkdir -p "$ws/oaktreemodel" "$ws/testprogs"
tmp=$(mktemp "$ws/.assemble.XXXXXX")
trap 'rm -f "$tmp"' EXIT

publish() {  # publish DEST: move $tmp to DEST unless DEST has those bytes
  chmod 644 "$tmp"
  if cmp -s "$tmp" "$1"; then :; else mv -f "$tmp" "$1"; fi
  : >"$tmp"
}
link() {  # link TARGET NAME
  if [ "$(readlink "$2" 2>/dev/null)" != "$1" ]; then rm -rf "$2"; ln -s "$1" "$2"; fi
}

# Ignored by any git repository around the build tree: cargo package then
# records no VCS state (.cargo_vcs_info.json), so the .crate does not depend
# on where the build tree lives.
echo '*' >"$tmp"; publish "$ws/.gitignore"
cp "$src/workspace.toml" "$tmp"; publish "$ws/Cargo.toml"
sed "s/@VERSION@/$version/g" "$src/oaktreemodel/Cargo.toml.in" >"$tmp"
publish "$ws/oaktreemodel/Cargo.toml"
# The lock records the workspace members' own versions: follow AC_INIT.
awk -v v="$version" '
  /^name = "oaktreemodel"$/ { print; getline; print "version = \"" v "\""; next }
  { print }' "$src/Cargo.lock" >"$tmp"
publish "$ws/Cargo.lock"

link "$src/oaktreemodel/build.rs" "$ws/oaktreemodel/build.rs"
link "$src/oaktreemodel/src" "$ws/oaktreemodel/src"
link "$src/README.rst" "$ws/oaktreemodel/README.rst"
link "$dset" "$ws/oaktreemodel/oaktree-v1.binpb"
link "$src/testprogs/Cargo.toml" "$ws/testprogs/Cargo.toml"
link "$src/testprogs/src" "$ws/testprogs/src"

#!/bin/sh
# Build dist/oaktreemodel-VERSION.gem reproducibly, never in the source tree:
#   build_gem.sh GEM_PROGRAM OUT.gem VERSION GEMSPEC README LIB_DIR PROTO_DIR STAGE
# LIB_DIR holds the generated oaktree/v1/*_pb.rb, PROTO_DIR the oaktree/v1/*.proto.
# The staging folder is rebuilt from scratch with fixed file modes, and
# SOURCE_DATE_EPOCH fixes every date RubyGems writes (tar mtimes, gzip
# headers, the spec's date), so the same inputs give the same bytes.
set -eu
gem_prog=$1 out=$2 version=$3 gemspec=$4 readme=$5 lib=$6 protos=$7 stage=$8
rm -rf "$stage"
mkdir -p "$stage/lib" "$stage/proto" "$(dirname "$out")"
cp "$gemspec" "$stage/oaktreemodel.gemspec"
cp "$readme" "$stage/README.rst"
cp -R "$lib/." "$stage/lib/"
cp -R "$protos/." "$stage/proto/"
find "$stage" -type d -exec chmod 755 {} +
find "$stage" -type f -exec chmod 644 {} +
abs_out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
(cd "$stage" && SOURCE_DATE_EPOCH=315532800 OAKTREE_VERSION="$version" \
  "$gem_prog" build --norc --quiet oaktreemodel.gemspec --output "$abs_out.tmp") >"$stage.log" 2>&1 ||
  { cat "$stage.log" >&2; exit 1; }
mv "$abs_out.tmp" "$abs_out"

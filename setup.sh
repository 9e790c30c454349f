#!/bin/sh
# Fresh machine to built tree in one command:
#   system packages (bindep.txt), Python tools (requirements.txt into .venv),
#   Go modules and plugins (golang/go.mod, golang/tools/go.mod), the Java build's
#   Maven artifacts (java/pom.xml), npm packages (js/package-lock.json), Rust
#   crates (rust/Cargo.lock), then autoreconf, configure, make.
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

# The generator of the wheel's Python modules, an older grpcio-tools pinned in
# python/requirements-gen.txt: alone (--no-deps: it asks for protobuf<5 for
# itself) in .venv/oaktree-pygen, where configure looks for it.
pygen_pin=$(sed -n 's/^grpcio-tools==\([^ ;#]*\).*/\1/p' python/requirements-gen.txt)
if [ "$(PYTHONPATH=.venv/oaktree-pygen .venv/bin/python -c \
      'import importlib.metadata as m; print(m.version("grpcio-tools"))' 2>/dev/null)" != "$pygen_pin" ]; then
  echo "== grpcio-tools $pygen_pin into .venv/oaktree-pygen (the Python modules' generator)"
  rm -rf .venv/oaktree-pygen
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps \
    --target .venv/oaktree-pygen -r python/requirements-gen.txt
fi
# The runtimes python/checks/runtime-range installs the wheel with, offline: the
# lowest versions of python/runtime-range.txt and the pins of requirements.txt,
# with their dependencies, into .venv/oaktree-wheelhouse (a re-run downloads nothing).
echo "== Python runtimes for the runtime-range check into .venv/oaktree-wheelhouse"
low() { sed -n "s/^$1>=\([0-9.]*\),<.*/\1/p" python/runtime-range.txt; }
pin() { sed -n "s/^$1==\([^ ;#]*\).*/\1/p" requirements.txt; }
for end in "protobuf==$(low protobuf) grpcio==$(low grpcio)" "protobuf==$(pin protobuf) grpcio==$(pin grpcio)"; do
  # shellcheck disable=SC2086 # two requirements
  .venv/bin/python -m pip download -q --disable-pip-version-check --only-binary :all: \
    -d .venv/oaktree-wheelhouse $end
done

# System packages that bindep says are missing (Debian/Ubuntu: apt-get).
missing=$(.venv/bin/bindep -b || true)
if [ -n "$missing" ]; then
  echo "== installing system packages:" $missing
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi

# Go modules: the published module at its floor (golang/go.mod, GOWORK=off),
# the tools module (golang/tools/go.mod: the pinned protoc plugins, x/mod, the
# newest grpc-go/protobuf-go) and the workspace joining them (golang/go.work),
# so that make and make check build every Go variant offline.
if command -v go >/dev/null 2>&1 || [ -x /usr/local/go/bin/go ]; then
  go=$(command -v go || echo /usr/local/go/bin/go)
  echo "== go mod download ($($go env GOVERSION))"
  (cd golang && GOWORK=off $go mod download && $go mod download)
  (cd golang/tools && GOWORK=off $go mod download)
else
  echo "== go not found: the checked-in Go is used; Go checks will be skipped"
fi

# Ruby: everything comes from Debian through bindep.txt above (ruby, ruby-google-protobuf,
# ruby-grpc, ruby-grpc-tools); the gem registry is not used, so there is nothing to fetch.
ruby -e 'require "google/protobuf"; require "grpc"' 2>/dev/null ||
  echo "== Ruby runtime not loadable: Ruby will be skipped (see ruby/README.rst)"
# Java: everything java/pom.xml pins (the protoc and protoc-gen-grpc-java
# executables, protobuf-java, grpc-java, every Maven plugin the build and the
# consumer check use) into the Maven local repository, so that make and make
# check run mvn offline (configure --with-maven-repo=DIR for another one).
if command -v mvn >/dev/null 2>&1 && command -v javac >/dev/null 2>&1; then
  m2=${OAKTREE_MAVEN_REPO:-$HOME/.m2/repository}
  echo "== Maven: java/pom.xml into $m2"
  scratch=$(mktemp -d)
  mkdir -p "$scratch/gen"
  mvn -B -q -f java/pom.xml -Dmaven.repo.local="$m2" -Doaktree.gen="$scratch/gen" \
    -Doaktree.build="$scratch/target" -Dmaven.test.skip=true \
    dependency:go-offline dependency:copy@generators package
  (cd "$scratch" && mvn -B -q -Dmaven.repo.local="$m2" \
    org.apache.maven.plugins:maven-install-plugin:3.1.4:install-file \
    -Dfile="$scratch/target/oaktreemodel-0.0.0-SNAPSHOT.jar" -DpomFile="$top/java/consumer/pom.xml" \
    -DlocalRepositoryPath="$scratch/repo")
  rm -rf "$scratch"
else
  echo "== mvn or javac not found: Java will be skipped"
fi

# TypeScript/JavaScript: generator, tsc and runtimes pinned by js/package-lock.json,
# into js/node_modules (configure's default --with-js-node-modules). The cache add
# stores the full registry document of the package's peer dependency, which npm
# needs to install the tarball offline in js/checks/consumer.
if command -v npm >/dev/null 2>&1; then
  echo "== npm ci in js/ (node $(node --version), npm $(npm --version))"
  (cd js && npm ci --ignore-scripts --no-audit --no-fund &&
   npm cache add "@bufbuild/protobuf@$(node -p 'require("./package.json").devDependencies["@bufbuild/protobuf"]')")
else
  echo "== npm not found: the JS package will be skipped (Node.js >= 20 with npm, see js/README.rst)"
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
# --enable-sanitizers: the C++ test programs run under ASan/UBSan (cpp/README.rst);
# the installed library is never instrumented.
./configure PYTHON="$top/.venv/bin/python" --enable-sanitizers "$@"
make -j"$(nproc 2>/dev/null || echo 2)"

#!/bin/sh
# make_test_ca.sh DIR: the interop matrix's TLS material, made fresh for each
# test session (tests/interop/README.rst): ca.pem signs server.pem
# (localhost, 127.0.0.1) and client.pem (CN oaktree-interop-client);
# other-ca.pem signs nothing, so trusting it must fail. Keys are EC P-256,
# which every language's TLS stack accepts; certificates last one day.
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
ossl() { openssl "$@" 2>/dev/null; }
ca() {  # ca NAME CN
  ossl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$1.key" -out "$1.pem" -days 1 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
leaf() {  # leaf NAME CN EXTFILE-LINES
  ossl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -keyout "$1.key.tmp" -out "$1.csr" -subj "/CN=$2"
  # PKCS#8 keys: the form Java and rustls read without extra providers.
  ossl pkcs8 -topk8 -nocrypt -in "$1.key.tmp" -out "$1.key"
  printf '%s\n' "$3" > "$1.ext"
  ossl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out "$1.pem" -days 1 -extfile "$1.ext"
  rm -f "$1.key.tmp" "$1.csr" "$1.ext"
}
ca ca "oaktree interop test CA"
ca other-ca "oaktree interop other CA"
leaf server localhost "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"
leaf client oaktree-interop-client "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
rm -f ca.srl
for f in ca.pem other-ca.pem server.pem server.key client.pem client.key; do
  [ -s "$f" ] || { echo "make_test_ca.sh: $dir/$f was not made" >&2; exit 1; }
done

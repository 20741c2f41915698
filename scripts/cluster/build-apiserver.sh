#!/usr/bin/env bash
# Builds kube-apiserver 1.20 from Debian's source package into a cache outside the repo, once.
# Debian ships no kube-apiserver binary; its `kubernetes` source (with vendor/) builds with golang-go.
set -euo pipefail

CACHE="${KGUARDIAN_CACHE:-$HOME/.cache/kubectl-guardian}"
BIN="$CACHE/bin/kube-apiserver"
log() { printf 'test-cluster: %s\n' "$*" >&2; }

if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$CACHE/bin"

need=()
command -v go >/dev/null || need+=(golang-go)
command -v etcd >/dev/null || need+=(etcd-server)
command -v openssl >/dev/null || need+=(openssl)
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
[ -d /usr/share/gocode/src/github.com/modern-go/reflect2 ] || need+=(golang-github-modern-go-reflect2-dev)

SRC_LIST=/etc/apt/sources.list.d/kubectl-guardian-src.sources
if [ ! -f "$SRC_LIST" ]; then
  log "enabling Debian source packages ($SRC_LIST)"
  cat > "$SRC_LIST" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  apt-get update -qq
elif [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
fi
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

WORK="$CACHE/build"
rm -rf "$WORK"; mkdir -p "$WORK/dl"
cd "$WORK/dl"
log "downloading Debian's kubernetes source"
apt-get source --download-only kubernetes >/dev/null 2>&1
orig=$(ls kubernetes_*.orig.tar.* | head -n1)
export GOPATH="$WORK/gopath"
TREE="$GOPATH/src/k8s.io/kubernetes"
mkdir -p "$TREE"
tar -xf "$orig" -C "$TREE" --strip-components=1

cd "$TREE"
# reflect2 1.0.1 faults under Go >= 1.18; Debian's 1.0.2 fixes it.
rm -rf vendor/github.com/modern-go/reflect2
cp -r /usr/share/gocode/src/github.com/modern-go/reflect2 vendor/github.com/modern-go/reflect2

export GO111MODULE=off GOFLAGS= CGO_ENABLED=0 GOCACHE="$WORK/gocache"
log "building openapi-gen"
go build -o "$WORK/openapi-gen" ./vendor/k8s.io/kube-openapi/cmd/openapi-gen

log "generating pkg/generated/openapi"
# Every package carrying the openapi-gen tag, as an import path (vendor/ prefix stripped).
dirs=$(grep -rl --include='*.go' '+k8s:openapi-gen=' pkg staging/src/k8s.io vendor 2>/dev/null \
  | xargs -n1 dirname | sort -u \
  | grep -v -e '/testdata' -e '/_' -e 'code-generator' -e 'kube-openapi/test' \
  | sed -e 's#^staging/src/##' -e 's#^vendor/##' -e 's#^pkg/#k8s.io/kubernetes/pkg/#' | sort -u | paste -sd, -)
"$WORK/openapi-gen" --input-dirs "$dirs" \
  --output-base "$GOPATH/src" --output-package k8s.io/kubernetes/pkg/generated/openapi \
  -O zz_generated.openapi --go-header-file hack/boilerplate/boilerplate.generatego.txt \
  --report-filename /dev/null

log "building kube-apiserver (a few minutes on 2 cores)"
go build -ldflags "-s -w -X k8s.io/kubernetes/vendor/k8s.io/component-base/version.gitVersion=v1.20.2 -X k8s.io/kubernetes/vendor/k8s.io/component-base/version.gitMajor=1 -X k8s.io/kubernetes/vendor/k8s.io/component-base/version.gitMinor=20" \
  -o "$BIN.tmp" k8s.io/kubernetes/cmd/kube-apiserver
mv "$BIN.tmp" "$BIN"
cd "$CACHE"; rm -rf "$WORK"
log "built $BIN"

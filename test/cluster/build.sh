#!/usr/bin/env bash
# Builds the local control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler as one multi-call binary) and KWOK from their published Go
# modules, once per version. Binaries are cached outside the work tree under
#   ${KUBECTL_SECRETS_CACHE:-~/.cache/kubectl-secrets}/cluster/<key>/
# where <key> hashes the module files and the Go version, so a warm run only
# prints the directory. Prints the bin directory on stdout as its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly

fail() { echo "error: cluster build: $*" >&2; exit 1; }
command -v go >/dev/null || fail "no Go toolchain on PATH (install Go ${GO_MIN} or newer)"

go_version=$(go env GOVERSION)
key=$(cat "$here/versions.env" "$here"/k8s/{go.mod,go.sum,main.go} "$here"/kwok/{go.mod,go.sum} \
  | { cat; echo "$go_version"; } | sha256sum | cut -c1-16)
cache=${KUBECTL_SECRETS_CACHE:-$HOME/.cache/kubectl-secrets}/cluster
out="$cache/$K8S_VERSION-$key"
if [[ -x "$out/bin/kube-local" && -x "$out/bin/kwok" ]]; then
  echo "$out/bin"; exit 0
fi

mkdir -p "$out/logs"
# Two runs at once (two test runs, CI and a developer) share one build.
exec 9>"$out/.lock"
flock 9
if [[ -x "$out/bin/kube-local" && -x "$out/bin/kwok" ]]; then echo "$out/bin"; exit 0; fi
rm -rf "$out/bin.tmp" && mkdir -p "$out/bin.tmp"
log="$out/logs/build.log"
start=$(date +%s)
echo "building Kubernetes $K8S_VERSION and KWOK $KWOK_VERSION with $go_version (cold build: ~25 min on 2 cores; log: $log)" >&2

minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done

step() {
  local name=$1; shift
  if ! "$@" >>"$log" 2>&1; then
    echo "error: cluster build: step '$name' failed; last lines of $log:" >&2
    tail -n 15 "$log" >&2
    exit 1
  fi
}
step "download k8s modules" bash -c "cd '$here/k8s' && go mod download"
step "download kwok modules" bash -c "cd '$here/kwok' && go mod download"
step "build kube-local" bash -c "cd '$here/k8s' && go build -trimpath -ldflags '$ldflags' -o '$out/bin.tmp/kube-local' ."
step "build kwok" bash -c "cd '$here/kwok' && go build -trimpath -ldflags '-s -w' -o '$out/bin.tmp/kwok' sigs.k8s.io/kwok/cmd/kwok"
kwok_dir=$(cd "$here/kwok" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
ln -s kube-local "$out/bin.tmp/kubectl"
cp -r "$kwok_dir/kustomize/stage" "$out/bin.tmp/kwok-stages"
chmod -R u+w "$out/bin.tmp/kwok-stages"
rm -rf "$out/bin" && mv "$out/bin.tmp" "$out/bin"
echo "built in $(( $(date +%s) - start ))s; $(du -sh "$out/bin" | cut -f1) of binaries" >&2
echo "$out/bin"

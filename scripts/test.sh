#!/usr/bin/env bash
# Runs every test of qcall: format and vet checks, the whole suite with the race
# detector, and the cross builds. It installs what the tests need (Debian's
# Chromium and a CJK font for the screen tests) where it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
# Without a CJK font the screens' Chinese renders as boxes in the screenshots.
{ command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; } || need_pkgs+=(fonts-noto-cjk)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${need_pkgs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  else
    echo "test.sh: missing ${need_pkgs[*]}; install them (Debian: apt-get install ${need_pkgs[*]})" >&2
  fi
fi

echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then echo "gofmt would change: $bad" >&2; exit 1; fi
echo "== go vet"
go vet ./...
echo "== cross builds (linux/amd64, linux/arm64, windows/amd64)"
make -s cross
# The hall's PC may run Windows: every package and test there type-checks
# and vets (the winspool printer queue is Windows-only code; the pty tests
# are Linux-only).
echo "== GOOS=windows go vet"
GOOS=windows go vet ./...
echo "== go test -race"
go test -race -count=1 -timeout 25m ./...

#!/bin/sh
# vendor-echarts.sh — fetches Apache ECharts 5 from npm and copies its built file
# into assets/web/vendor/, where the binary embeds it (/vendor/echarts.min.js for
# /reports.html; nothing is fetched at run time). Run it to upgrade, then commit
# assets/web/vendor/. Usage: scripts/vendor-echarts.sh [version, default 5]
set -eu
version="${1:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/assets/web/vendor"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
tgz="$(npm pack --silent "echarts@$version")"
tar -xzf "$tgz"
exact="$(node -p "require('./package/package.json').version")"
license="$(node -p "require('./package/package.json').license")"
mkdir -p "$dest"
cp package/dist/echarts.min.js "$dest/echarts.min.js"
cp package/LICENSE "$dest/echarts.LICENSE.txt"
[ -f package/NOTICE ] && cp package/NOTICE "$dest/echarts.NOTICE.txt"
sha="$(sha256sum "$dest/echarts.min.js" | cut -d' ' -f1)"
cat > "$dest/VENDORED.md" <<EOT
# Vendored files

| file | package | version | license | from |
|---|---|---|---|---|
| echarts.min.js | [echarts](https://echarts.apache.org) | $exact | $license (echarts.LICENSE.txt, echarts.NOTICE.txt) | npm \`echarts@$exact\`, \`dist/echarts.min.js\`, sha256 \`$sha\` |

Made by \`scripts/vendor-echarts.sh\`; do not edit by hand.
EOT
echo "vendored echarts $exact ($license) into $dest"

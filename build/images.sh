#!/usr/bin/env bash
# Builds the two images docker-compose.test.yml runs, without make and
# without pulling anything: static binaries first, then FROM scratch images
# that copy them.
#
#   build/images.sh            mcpauthspec/refserver:dev and mcpauthspec/fakebackend:dev
#   MCPAUTHSPEC_TAG=x build/images.sh   the same, tagged x
#
# The binaries are built for the engine's architecture (arm64 on Apple
# silicon), so the images run under Docker Desktop too.
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${MCPAUTHSPEC_TAG:-dev}
arch=$(docker version --format '{{.Server.Arch}}')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

CGO_ENABLED=0 GOOS=linux GOARCH="$arch" \
	go build -trimpath -ldflags="-s -w" -o "$out/" ./cmd/refserver ./cmd/fakebackend ./build/healthcheck
for name in refserver fakebackend; do
	# The Dockerfile travels in the context, which the classic builder
	# and BuildKit both read it from.
	cp "build/$name.Dockerfile" "$out/"
	docker build --quiet --file "$out/$name.Dockerfile" --tag "mcpauthspec/$name:$tag" "$out" >/dev/null
	echo "built mcpauthspec/$name:$tag"
done

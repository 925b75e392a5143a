#!/usr/bin/env bash
# Verifies docker-compose.test.yml for real, the way docs/containers.md has a user
# run it: builds the images, brings the stack up, waits for both health
# checks, runs the whole suite against it with the command of docs/containers.md and
# examples/profiles/compose.yaml, and removes the stack and its images.
#
# Uses `docker compose` where the Docker CLI has it, else Debian's
# docker-compose 1.29. Needs 127.0.0.1:18080 and :18081, the stack's
# documented ports. Exits with the suite's status (0: every @must passed).
set -euo pipefail
cd "$(dirname "$0")/../.."

if docker compose version >/dev/null 2>&1; then
	compose=(docker compose)
elif command -v docker-compose >/dev/null; then
	compose=(docker-compose)
else
	echo "verify-compose: neither 'docker compose' nor docker-compose is installed" >&2
	exit 2
fi
for port in 18080 18081; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "verify-compose: 127.0.0.1:$port is in use; docker-compose.test.yml needs it" >&2
		exit 2
	fi
done

random() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# A tag and project of this run only, so that a user's own stack and
# images are left alone.
export MCPAUTHSPEC_TAG="verify-$$"
MCPAUTHSPEC_SECRET=$(random)
MCPAUTHSPEC_CLIENT_SECRET=$(random)
export MCPAUTHSPEC_SECRET MCPAUTHSPEC_CLIENT_SECRET
project="mcpauthspec-verify-$$"
dc() { "${compose[@]}" --project-name "$project" --file docker-compose.test.yml "$@"; }

cleanup() {
	dc down --remove-orphans --timeout 5 >/dev/null 2>&1 || true
	docker rmi "mcpauthspec/refserver:$MCPAUTHSPEC_TAG" "mcpauthspec/fakebackend:$MCPAUTHSPEC_TAG" >/dev/null 2>&1 || true
}
trap cleanup EXIT

start=$SECONDS
echo "verify-compose: ${compose[*]} $("${compose[@]}" version --short 2>/dev/null || true)"
# The Docker Desktop override cannot be run here (no bridge), but it must
# merge into a valid file.
"${compose[@]}" --file docker-compose.test.yml --file docker-compose.desktop.yml config --quiet

build/images.sh
dc up --detach

# Both health checks (the images' /healthcheck), as `up --wait` would.
for svc in fakebackend refserver; do
	id=$(dc ps --quiet "$svc")
	status=""
	for _ in $(seq 120); do
		status=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id")
		[[ $status == healthy || $status == unhealthy || $status == exited ]] && break
		sleep 0.5
	done
	if [[ $status != healthy ]]; then
		echo "verify-compose: $svc is $status; its last log lines:" >&2
		docker logs --tail 20 "$id" >&2
		exit 1
	fi
	echo "verify-compose: $svc healthy after $((SECONDS - start))s"
done

# The command of docs/containers.md.
go run ./cmd/mcpauthspec --quiet --target-url http://127.0.0.1:18080/mcp --profile examples/profiles/compose.yaml
echo "verify-compose: docker-compose.test.yml verified in $((SECONDS - start))s"

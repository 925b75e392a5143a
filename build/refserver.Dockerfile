# The reference MCP server (cmd/refserver), for the suite's container target
# and docker-compose.test.yml. The image holds only two static binaries: no
# shell, no libc, nothing to pull. Build them first, then use their folder as
# the context (build/images.sh does both; so does harness.StartContainers):
#
#   CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o OUT/ ./cmd/refserver ./build/healthcheck
#   docker build -f build/refserver.Dockerfile -t mcpauthspec/refserver:dev OUT
#
# Configured only by the target contract's environment (MCP_LISTEN_ADDR,
# JWT_SECRET_KEY, ...); /healthcheck MCP_LISTEN_ADDR 127.0.0.1:8080 is its
# health check. Every instruction is a layer commit, slow on the vfs storage
# driver, so there are only three.
FROM scratch
COPY refserver healthcheck /
# nobody:nogroup; scratch has no /etc/passwd, so numbers.
USER 65534:65534
ENTRYPOINT ["/refserver"]

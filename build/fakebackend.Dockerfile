# The fake core app (cmd/fakebackend): the backend API, RFC 8693 token
# exchange and the unauthenticated /_admin/ endpoints the suite drives. Keep
# it on loopback. Two static binaries and nothing else; build them first and
# use their folder as the context (build/images.sh, harness.StartContainers):
#
#   CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o OUT/ ./cmd/fakebackend ./build/healthcheck
#   docker build -f build/fakebackend.Dockerfile -t mcpauthspec/fakebackend:dev OUT
#
# Configured by FAKEBACKEND_LISTEN_ADDR, JWT_SECRET_KEY, JWT_ISSUER,
# JWT_AUDIENCE, MCP_CLIENT_ID and MCP_CLIENT_SECRET; its health check is
# /healthcheck FAKEBACKEND_LISTEN_ADDR 127.0.0.1:18081.
FROM scratch
COPY fakebackend healthcheck /
USER 65534:65534
ENTRYPOINT ["/fakebackend"]

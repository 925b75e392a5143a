# The suite's runner (cmd/mcpauthspec) as an image: one static binary with
# the specification embedded, the CA certificates for https targets, and
# nothing else (no shell, no libc). Build the binary first, then use its
# folder as the context (build/runner-image.sh does both, without pulling
# anything):
#
#   CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o OUT/ ./cmd/mcpauthspec
#   cp /etc/ssl/certs/ca-certificates.crt OUT/
#   docker build -f build/runner.Dockerfile -t mcpauthspec/mcpauthspec:dev OUT
#
# Use it against a running deployment (reports land in the mounted folder):
#
#   docker run --rm --network host --user "$(id -u):$(id -g)" -v "$PWD:/work" -w /work \
#     -e CORE_APP_JWT_SECRET mcpauthspec/mcpauthspec:dev \
#     --target-url http://127.0.0.1:8080/mcp --profile profile.yaml --junit junit.xml
#
# --target-cmd needs the server inside the image, and --container a Docker
# engine and the go command: both are for the installed binary, not this
# image.
FROM scratch
COPY mcpauthspec ca-certificates.crt /
# nobody:nogroup; scratch has no /etc/passwd, so numbers.
USER 65534:65534
ENV SSL_CERT_FILE=/ca-certificates.crt
ENTRYPOINT ["/mcpauthspec"]

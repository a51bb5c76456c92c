# The build stage is rust:1.98.0-slim-bookworm, pinned to the digest of its
# multi-platform index as docker-library/repo-info records it.
FROM rust:1.98.0-slim-bookworm@sha256:f5b930229aa3a991d2ad65e358fc460719ddc404e5af6cb044d57215abce933e AS build
WORKDIR /src
COPY . .
RUN scripts/build-static \
 && mkdir -p /out/etc/ssl/certs \
 && cp target/static/rds-snapshot-action /out/rds-snapshot-action \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt

# The image: the static binary and the CA roots for TLS to AWS; no shell, no
# package manager. No WORKDIR or USER: the runner sets --workdir
# /github/workspace and runs as the image's default user.
# tests/container.rs builds this stage from a host-built binary, as it reads
# here, so the two cannot drift.
FROM scratch
COPY --from=build /out/ /
ENTRYPOINT ["/rds-snapshot-action"]

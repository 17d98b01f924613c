# Polku: a static binary in a minimal, non-root image.
#   docker build -t polku .
#   docker run --rm -it polku chat --lang en
# The content is embedded; mount a directory and set POLKU_CONTENT to use
# edited content instead:
#   docker run --rm -it -v "$PWD/content:/content:ro" -e POLKU_CONTENT=/content polku chat

FROM golang:1.26-bookworm AS build
WORKDIR /src
# Dependencies first, so that editing code or content reuses this layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO off: a static binary that runs on distroless/static.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/polku ./cmd/polku \
 && /out/polku check

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/polku /usr/local/bin/polku
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/polku"]
CMD ["help"]

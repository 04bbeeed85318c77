# onair — two commands for a new machine:
#   make demo   runs the main example (provisions FFmpeg 7.1 first if needed)
#   make test   lint, vet, pure-Go build, race tests, examples (provisions everything)
# Go 1.25+ must be on PATH.
SHELL := /bin/bash
FFENV := eval "$$(scripts/ffmpeg.sh env)"
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all setup ffmpeg test-deps test lint demo bench bench-encode bench-radio bench-graph vet soak

all: test

ffmpeg:
	@command -v go >/dev/null || { echo "Go 1.25+ is required: https://go.dev/dl/" >&2; exit 1; }
	@scripts/ffmpeg.sh ensure

test-deps:
	@scripts/test-deps.sh

setup: ffmpeg test-deps

vet: ffmpeg
	$(FFENV) && go vet ./...

# lint fails on unformatted files and on staticcheck's findings.
lint: ffmpeg
	@files=$$(gofmt -l .); if [ -n "$$files" ]; then echo "gofmt would change:"; echo "$$files"; exit 1; fi
	$(FFENV) && go run $(STATICCHECK) ./...

test: setup lint
	$(FFENV) && go vet ./...
	CGO_ENABLED=0 go build .
	CGO_ENABLED=0 go test -count=1 .
	$(FFENV) && go test -race -count=1 -timeout 20m ./...
	$(FFENV) && go build -o /dev/null ./examples/...

demo: ffmpeg
	$(FFENV) && go run ./examples/radio $(ARGS)

bench: ffmpeg
	$(FFENV) && go test -run '^$$' -bench . -benchmem ./...

# The shared-encodings workload against the ffmpeg program: long
# (a few minutes), so not part of test. Flags: make bench-encode ARGS="-rounds 3".
bench-encode: ffmpeg
	@scripts/bench-encode.sh $(ARGS)

# CPU and peak RSS of examples/radio at real time next to the ffmpeg program
# doing the same three encodes with -re (2.5 minutes). make bench-radio ARGS=300
bench-radio: ffmpeg
	@scripts/bench-radio.sh $(ARGS)

# The media chaos station (internal/chaos) for HOURS of stream on the
# real-time clock, with its report table: make soak HOURS=24 ARGS="-seed 3".
# It mounts a tmpfs for the disk-full fault, so it runs as root.
HOURS ?= 1
soak: setup
	$(FFENV) && go run ./internal/cmd/soak -hours $(HOURS) $(ARGS)

# What the graph itself costs: an hour of stream of sine -> amplify ->
# fallback -> sink, and of blank, on a free-running clock (pure Go, no
# FFmpeg). make bench-graph ARGS="-hours 2"
bench-graph:
	go run ./internal/cmd/benchgraph $(ARGS)

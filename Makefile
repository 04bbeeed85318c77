# onair — two commands for a new machine:
#   make demo   runs the main example (provisions FFmpeg 7.1 first if needed)
#   make test   lint, vet, pure-Go build, race tests, examples (provisions everything)
# Go 1.25+ must be on PATH.
SHELL := /bin/bash
FFENV := eval "$$(scripts/ffmpeg.sh env)"
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all setup ffmpeg test-deps test lint demo demo-webrtc bench bench-encode bench-radio bench-startup bench-stations bench-graph bench-loudness bench-filter bench-delivery vet soak

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

# The WebRTC station: listen at http://127.0.0.1:8080/, go live from
# http://127.0.0.1:8080/golive.html (token hackme), WHEP /live, WHIP /dj.
demo-webrtc: ffmpeg
	$(FFENV) && go run ./examples/webrtc $(ARGS)

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

# How fast examples/radio goes on air with a warm disk: process start to
# the first MP3 frame on /radio.mp3, and the RSS then (7 starts, medians),
# after a first run that analysed every song.
bench-startup: ffmpeg
	@$(FFENV) && d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	go build -o "$$d/radio" ./examples/radio && go build -o "$$d/benchstartup" ./internal/cmd/benchstartup && \
	"$$d/radio" -dir "$$d/gen" -addr 127.0.0.1:0 -duration 100ms >/dev/null && \
	"$$d/radio" -dir "$$d/station" -music "$$d/gen/music" -addr 127.0.0.1:0 -free -duration 5m >/dev/null && \
	"$$d/benchstartup" -dir "$$d/station" -music "$$d/gen/music" $(ARGS) "$$d/radio"

# The delivery measurements against real peers (about 8 minutes): S3
# upload delay, the storage down for a minute, an hour of stream into the
# bucket on the free-running clock, and the CPU of the RTMP and SRT
# outputs next to ffmpeg -c copy doing the same.
bench-delivery: setup
	$(FFENV) && go test -run '^$$' -bench 'S3' -benchtime 1x -timeout 60m ./mux/hls
	$(FFENV) && go test -run '^$$' -bench 'OutputCPU' -benchtime 1x -timeout 30m ./mux/rtmp ./mux/srt

# The media chaos station (internal/chaos) for HOURS of stream on the
# real-time clock, with its report table: make soak HOURS=24 ARGS="-seed 3".
# It mounts a tmpfs for the disk-full fault, so it runs as root.
HOURS ?= 1
soak: setup
	$(FFENV) && go run ./internal/cmd/soak -hours $(HOURS) $(ARGS)

# Many stations in one process: N stations like examples/radio at real
# time in one onair process, then N ffmpeg -re programs with the same
# encodes; CPU and memory per station. make bench-stations ARGS="20 90"
bench-stations: ffmpeg
	scripts/bench-stations.sh $(ARGS)

# What the graph itself costs: an hour of stream of sine -> amplify ->
# fallback -> sink, and of blank, on a free-running clock (pure Go, no
# FFmpeg). make bench-graph ARGS="-hours 2"
bench-graph:
	go run ./internal/cmd/benchgraph $(ARGS)

# The loudness meter's CPU time per hour of 44.1 kHz stereo against FFmpeg's
# ebur128 filter (peak=true) and loudgain on the same generated file, with
# their readings. make bench-loudness ARGS="-minutes 30 -rounds 3"; with
# ARGS="-playlist 30" it normalizes a generated 30-minute playlist instead
# (analysis, Normalize, Limit) and prints each song's loudness.
bench-loudness: ffmpeg
	$(FFENV) && go run ./internal/cmd/benchloudness $(ARGS)

# The filter operators' cost per frame (audio and video) against the ffmpeg
# program running the same filter graphs.
bench-filter: ffmpeg
	scripts/filter-bench.sh

#!/usr/bin/env bash
# bench-encode.sh — the shared-encodings workload against the
# ffmpeg program of the same FFmpeg 7.1 build, in one run: 30 minutes of
# mixed-format playlist audio (MP3, FLAC, Ogg Vorbis, M4A, WAV; 3-minute
# tracks) decoded once, resampled to 44.1 kHz stereo and encoded to AAC
# 48k + AAC 192k + MP3 128k into three files, by
#   - onair (decode.PlaylistOf -> 3 encode.Audio -> 3 mux.File, free-running clock),
#   - one ffmpeg command (one decode, asplit=3, three encodes),
#   - three ffmpeg commands (one per rendition).
# It prints CPU time (user+sys), wall time and peak RSS of each, and the
# ratios. The playlist is generated once into ~/.cache/onair/bench.
#
#   scripts/bench-encode.sh [benchencode flags]   (e.g. -rounds 3, -only onair,
#                                                 -cpuprofile /tmp/onair.prof)
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ffmpeg.sh env)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/benchencode" ./internal/cmd/benchencode
echo "uptime: $(uptime)"
"$tmp/benchencode" "$@"
echo "uptime: $(uptime)"

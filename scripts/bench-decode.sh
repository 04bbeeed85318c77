#!/usr/bin/env bash
# bench-decode.sh — CPU time of decode.File (decode + resample to 44.1 kHz
# stereo float32) against the ffmpeg program doing the same work
# (-f f32le -ar 44100 -ac 2), on one file, in one run.
#
#   scripts/bench-decode.sh [FILE]
#
# Without FILE, a 10-minute 48 kHz stereo MP3 is generated.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ffmpeg.sh env)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
file=${1:-}
if [ -z "$file" ]; then
  file=$tmp/bench.mp3
  ffmpeg -nostdin -v error -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=600" \
    -f lavfi -i "anoisesrc=d=600:c=pink:r=48000:a=0.1" -filter_complex amix=inputs=2 -ac 2 \
    -c:a libmp3lame -b:a 192k "$file"
fi
go test -c -o "$tmp/decode.test" ./decode
cpu() { # prints user+system CPU seconds of a command; its output goes to $tmp/out
  /usr/bin/time -f '%U %S' -o "$tmp/t" "$@" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; exit 1; }
  awk '{printf "%.2f", $1+$2}' "$tmp/t"
}
ours=$(ONAIR_BENCH_FILE=$file cpu "$tmp/decode.test" -test.run '^$' -test.bench BenchmarkDecodeFile -test.benchtime 1x)
grep -E '^Benchmark' "$tmp/out"
theirs=$(cpu ffmpeg -nostdin -v error -i "$file" -f f32le -ar 44100 -ac 2 -y /dev/null)
echo "file:            $file"
echo "decode.File CPU: ${ours}s"
echo "ffmpeg CPU:      ${theirs}s"
awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "ratio:           %.2fx\n", a/b }'

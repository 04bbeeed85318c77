#!/usr/bin/env bash
# filter-bench.sh — the filter operators' cost per frame against the ffmpeg
# program running the same filter graphs (the ones in
# filter/bench_test.go). For each graph it prints:
#   ffmpeg   the ffmpeg program's time per frame with the graph, less its
#            time with a pass-through graph (anull/null): the filter's own cost;
#   onair    the operator's time per frame (go test -bench), less the
#            source alone: the filter plus the operator (conversions,
#            buffer source and sink, copies);
#   overhead onair - ffmpeg: what the operator adds to the filter.
# Audio frames are 20 ms of 44.1 kHz stereo float; video frames are one
# 1280x720 yuv420p picture. Each number is the best of 3 runs. Run it on
# a quiet machine: other work on the cores shows up in every number.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ffmpeg.sh env)"
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[ -f "$font" ] || { echo "filter-bench.sh: $font missing: run scripts/test-deps.sh" >&2; exit 1; }

# best_ns FRAMES CMD... : the best of 3 wall times of CMD, in ns per frame.
best_ns() {
  local frames=$1 best=0 t0 t1 d
  shift
  for _ in 1 2 3; do
    t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N)
    d=$(( (t1 - t0) / frames ))
    if [ "$best" = 0 ] || [ "$d" -lt "$best" ]; then best=$d; fi
  done
  echo "$best"
}

aframes=20000 # 400 s
asrc="sine=f=440:sample_rate=44100:samples_per_frame=882:d=400,aformat=sample_fmts=fltp:channel_layouts=stereo"
audio_ff() { best_ns $aframes ffmpeg -nostdin -v error -f lavfi -i "$asrc" -af "$1" -f null -; }
vframes=500 # 20 s at 25 fps
vsrc="color=c=black:s=1280x720:r=25:d=20,format=yuv420p"
video_ff() { best_ns $vframes ffmpeg -nostdin -v error -f lavfi -i "$vsrc" -vf "$1" -f null -; }

declare -A desc=(
  [volume]="volume=0.5"
  [compressecho]="acompressor=threshold=-18dB,aecho=0.8:0.9:40:0.3"
  [drawtext]="drawtext=fontfile=$font:text='Benchmark title - 0123456789':fontsize=48:fontcolor=white:x=40:y=40"
  [scale]="scale=640:360,scale=1280:720"
)

bench=$(go test -run '^$' -bench 'Benchmark(Audio|Video)' -benchtime 2s -count 3 ./filter/)
# onair_ns NAME: the best ns/op of a benchmark (Video ops are one picture).
onair_ns() { echo "$bench" | awk -v n="Benchmark$1-" 'index($1, n) == 1 { v = int($3); if (b == 0 || v < b) b = v } END { print b }'; }

anull=$(audio_ff anull); vnull=$(video_ff null)
anone=$(onair_ns Audio/none); vnone=$(onair_ns Video/none)
printf '%-14s %12s %12s %12s\n' graph ffmpeg onair overhead
for g in volume compressecho; do
  ff=$(( $(audio_ff "${desc[$g]}") - anull )); on=$(( $(onair_ns "Audio/$g") - anone ))
  printf '%-14s %10d ns %10d ns %10d ns\n' "audio $g" "$ff" "$on" $(( on - ff ))
done
for g in drawtext scale; do
  ff=$(( $(video_ff "${desc[$g]}") - vnull )); on=$(( $(onair_ns "Video/$g") - vnone ))
  printf '%-14s %10d ns %10d ns %10d ns\n' "video $g" "$ff" "$on" $(( on - ff ))
done
printf 'pass-through   ffmpeg anull %d ns, null %d ns per frame (whole program); onair anull %d ns, null %d ns\n' \
  "$anull" "$vnull" $(( $(onair_ns Audio/anull) - anone )) $(( $(onair_ns Video/null) - vnone ))

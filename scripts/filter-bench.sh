#!/usr/bin/env bash
# filter-bench.sh — the filter operators' cost per frame against the ffmpeg
# program running the same filter graphs (those of filter/bench_test.go).
# Costs are CPU time (user + system, all threads), which a busy machine
# disturbs less than wall time; each is the best of 3 runs. Per graph:
#   ffmpeg   the ffmpeg program's CPU per frame with the graph, less with a
#            pass-through graph (anull/null): the filter's own cost;
#   onair    the operator's CPU per frame (the benchmark binary), less the
#            source alone: the filter plus the operator (conversions,
#            buffer source and sink, copies, Go's GC);
#   overhead onair - ffmpeg: what the operator adds to the filter.
# Audio frames are 20 ms of 44.1 kHz stereo float; video frames are one
# 1280x720 yuv420p picture. Both sides run the filter graph on one thread.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ffmpeg.sh env)"
font=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
[ -f "$font" ] || { echo "filter-bench.sh: $font missing: run scripts/test-deps.sh" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go test -c -o "$tmp/filter.test" ./filter/

# cpu_ns FRAMES CMD...: the best of 3 CPU times of CMD, in ns per frame.
cpu_ns() {
  local frames=$1 best=0 t
  shift
  for _ in 1 2 3; do
    t=$( { TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ printf "%d", ($1 + $2) * 1e9 }')
    t=$(( t / frames ))
    if [ "$best" = 0 ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  echo "$best"
}

aframes=20000 # 400 s of audio
asrc="sine=f=440:sample_rate=44100:samples_per_frame=882:d=400,aformat=sample_fmts=fltp:channel_layouts=stereo"
vframes=500 # 20 s of video at 25 fps
vsrc="color=c=black:s=1280x720:r=25:d=20,format=yuv420p"
ff() { # ff FRAMES SOURCE -af|-vf GRAPH
  cpu_ns "$1" ffmpeg -nostdin -v error -filter_threads 1 -f lavfi -i "$2" "$3" "$4" -f null -
}
on() { # on FRAMES BENCHMARK
  cpu_ns "$1" "$tmp/filter.test" -test.run '^$' -test.bench "^$2\$" -test.benchtime "${1}x"
}

declare -A desc=(
  [volume]="volume=0.5"
  [compressecho]="acompressor=threshold=-18dB,aecho=0.8:0.9:40:0.3"
  [drawtext]="drawtext=fontfile=$font:text='Benchmark title - 0123456789':fontsize=48:fontcolor=white:x=40:y=40"
  [scale]="scale=640:360,scale=1280:720"
)
anull=$(ff $aframes "$asrc" -af anull); vnull=$(ff $vframes "$vsrc" -vf null)
anone=$(on $aframes BenchmarkAudio/none); vnone=$(on $vframes BenchmarkVideo/none)
printf '%-20s %12s %12s %12s\n' "CPU per frame" ffmpeg onair overhead
row() { # row LABEL FFMPEG_NS ONAIR_NS
  printf '%-20s %9d ns %9d ns %9d ns\n' "$1" "$2" "$3" $(( $3 - $2 ))
}
row "audio anull" 0 $(( $(on $aframes BenchmarkAudio/anull) - anone ))
for g in volume compressecho; do
  row "audio $g" $(( $(ff $aframes "$asrc" -af "${desc[$g]}") - anull )) $(( $(on $aframes "BenchmarkAudio/$g") - anone ))
done
row "video null" 0 $(( $(on $vframes BenchmarkVideo/null) - vnone ))
for g in drawtext scale; do
  row "video $g" $(( $(ff $vframes "$vsrc" -vf "${desc[$g]}") - vnull )) $(( $(on $vframes "BenchmarkVideo/$g") - vnone ))
done
echo "(the ffmpeg program itself: $anull ns per audio frame with anull, $vnull ns per picture with null)"

#!/usr/bin/env bash
# bench-radio.sh — CPU and memory of examples/radio on air (real-time
# clock), side by side with the ffmpeg program doing the same three
# encodes at real time (-re) on the same audio.
#
#   scripts/bench-radio.sh [SECONDS]     (default 150: 30 s start-up + 2 min)
#
# Both run at once for SECONDS of wall time. Every second the script reads
# each process's CPU time from /proc; it reports the median CPU use (percent
# of one core) over the seconds after the first 30, and the peak RSS
# (VmHWM). The radio serves its mounts and HLS with no listener connected.
# A third program, internal/cmd/rssfloor, runs beside them: Go with the
# same FFmpeg libraries and the three encoders only (no graph, decoder or
# HTTP), whose peak RSS is the floor under any Go station doing these
# encodes.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ffmpeg.sh env)"
secs=${1:-150}
warm=30
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/radio" ./examples/radio
go build -o "$tmp/rssfloor" ./internal/cmd/rssfloor
dir=${ONAIR_RADIO_DIR:-$HOME/.cache/onair/radio}
# A first, short run generates the music into $dir.
"$tmp/radio" -dir "$dir" -addr 127.0.0.1:0 -duration 100ms >/dev/null
list=$tmp/list.txt
: >"$list"
for i in 1 2 3 4 5 6; do # loop the tracks so ffmpeg never runs out
  for f in "$dir"/music/*.mp3; do echo "file '$f'" >>"$list"; done
done

"$tmp/radio" -dir "$tmp/station" -music "$dir/music" -addr 127.0.0.1:0 -duration "$((secs + 5))s" >"$tmp/radio.log" 2>&1 &
radio=$!
ffmpeg -nostdin -v error -re -f concat -safe 0 -i "$list" -filter_complex 'asplit=3[a][b][c]' \
  -map '[a]' -c:a aac -b:a 48k -f adts "$tmp/low.aac" \
  -map '[b]' -c:a aac -b:a 192k -f adts "$tmp/high.aac" \
  -map '[c]' -c:a libmp3lame -b:a 128k -f mp3 "$tmp/mp3.mp3" &
ff=$!
"$tmp/rssfloor" -duration "${secs}s" >"$tmp/floor.out" 2>/dev/null &
floor=$!

tck=$(getconf CLK_TCK)
cputicks() { awk '{print $14+$15}' "/proc/$1/stat"; }
: >"$tmp/radio.cpu"
: >"$tmp/ff.cpu"
pr=$(cputicks $radio) pf=$(cputicks $ff)
for ((s = 1; s <= secs; s++)); do
  sleep 1
  r=$(cputicks $radio) f=$(cputicks $ff)
  if ((s > warm)); then
    echo $((r - pr)) >>"$tmp/radio.cpu"
    echo $((f - pf)) >>"$tmp/ff.cpu"
  fi
  pr=$r pf=$f
done
hwm() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
rr=$(hwm $radio) rf=$(hwm $ff)
median() { sort -n "$1" | awk -v t="$tck" '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", 100*m/t}'; }
mean() { awk -v t="$tck" '{s+=$1} END {printf "%.1f", 100*s/NR/t}' "$1"; }
echo "over $((secs - warm)) s after $warm s of start-up, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %12s %10s %12s\n' "" "CPU median %" "CPU mean %" "peak RSS MB"
printf '%-34s %12s %10s %12s\n' "examples/radio (graph, 3 encoders," "$(median "$tmp/radio.cpu")" "$(mean "$tmp/radio.cpu")" "$rr"
printf '%-34s\n' "  crossfade, HLS, 3 mounts)"
printf '%-34s %12s %10s %12s\n' "ffmpeg -re, asplit, 3 encoders" "$(median "$tmp/ff.cpu")" "$(mean "$tmp/ff.cpu")" "$rf"
wait $floor
printf '%-34s %12s %10s %12s\n' "floor: Go, FFmpeg, 3 encoders only" "" "" "$(cat "$tmp/floor.out")"
echo "(CPU sampled once a second in clock ticks of 1/$tck s: ±$((100 / tck)) points per sample)"

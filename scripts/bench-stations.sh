#!/usr/bin/env bash
# bench-stations.sh — many stations in one process: N stations like
# examples/radio (each its own graph, clock and HTTP server) at real time
# in one onair process, then N ffmpeg programs (-re) doing the same three
# encodes each, one after the other on the same machine.
#
#   scripts/bench-stations.sh [N] [SECONDS]     (default 20 stations, 90 s)
#
# For each it reports the CPU use over the run after its first 20 s (percent
# of one core, in all and per station) and the memory (peak RSS of the one
# onair process; the sum of the ffmpeg programs' peak RSS), per station too.
# onair prints each station's largest clock lag: 0 means it kept up.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/ffmpeg.sh env)"
n=${1:-20}
secs=${2:-90}
warm=20
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT

go build -o "$tmp/radio" ./examples/radio
dir=${ONAIR_RADIO_DIR:-$HOME/.cache/onair/radio}
"$tmp/radio" -dir "$dir" -addr 127.0.0.1:0 -duration 100ms >/dev/null
# A first short run analyses the songs into every station's cache.
"$tmp/radio" -dir "$tmp/stations" -music "$dir/music" -stations "$n" -stagger 0 -duration 100ms >/dev/null 2>&1
list=$tmp/list.txt
: >"$list"
for i in 1 2 3 4 5 6; do
  for f in "$dir"/music/*.mp3; do echo "file '$f'" >>"$list"; done
done

tck=$(getconf CLK_TCK)
cputicks() { awk '{s+=$14+$15} END {print s}' $(printf '/proc/%s/stat ' "$@"); }
hwm() { awk '/VmHWM/ {s+=$2} END {printf "%.1f", s/1024}' $(printf '/proc/%s/status ' "$@"); }

# measure PIDS...: CPU percent of one core over secs-warm s after warm s,
# and the summed peak RSS in MB at the end.
measure() {
  sleep "$warm"
  local c0 c1
  c0=$(cputicks "$@")
  sleep $((secs - warm))
  c1=$(cputicks "$@")
  echo "$(awk -v a="$c0" -v b="$c1" -v t="$tck" -v s=$((secs - warm)) 'BEGIN {printf "%.1f", 100*(b-a)/t/s}') $(hwm "$@")"
}

"$tmp/radio" -dir "$tmp/stations" -music "$dir/music" -stations "$n" -duration "$((secs + 3))s" >"$tmp/radio.out" 2>"$tmp/radio.err" &
radio=$!
read -r rcpu rmem < <(measure $radio)
wait $radio || { echo "radio failed:" >&2; tail -5 "$tmp/radio.err" >&2; exit 1; }

pids=()
for ((i = 1; i <= n; i++)); do
  ffmpeg -nostdin -v error -re -f concat -safe 0 -i "$list" -filter_complex 'asplit=3[a][b][c]' \
    -map '[a]' -c:a aac -b:a 48k -f adts -y "$tmp/low$i.aac" \
    -map '[b]' -c:a aac -b:a 192k -f adts -y "$tmp/high$i.aac" \
    -map '[c]' -c:a libmp3lame -b:a 128k -f mp3 -y "$tmp/mp3$i.mp3" 2>/dev/null &
  pids+=($!)
done
read -r fcpu fmem < <(measure "${pids[@]}")
kill "${pids[@]}" 2>/dev/null || true
wait "${pids[@]}" 2>/dev/null || true

lagged=$(grep -c -v 'largest clock lag 0s' "$tmp/radio.out" || true)
worst=$(grep -o 'largest clock lag [^,]*' "$tmp/radio.out" | awk '{print $4}' | sort -h | tail -1)
echo "$n stations, $((secs - warm)) s measured after $warm s, load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-44s %9s %12s %10s %12s\n' "" "CPU %" "per station" "RSS MB" "per station"
per() { awk -v a="$1" -v n="$n" 'BEGIN {printf "%.2f", a/n}'; }
printf '%-44s %9s %12s %10s %12s\n' "onair: $n stations in one process" "$rcpu" "$(per "$rcpu")" "$rmem" "$(per "$rmem")"
printf '%-44s %9s %12s %10s %12s\n' "ffmpeg -re: $n programs, asplit, 3 encoders" "$fcpu" "$(per "$fcpu")" "$fmem" "$(per "$fmem")"
echo "onair stations whose clock lagged: $lagged of $n (largest lag $worst)"

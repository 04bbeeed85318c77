// Command benchencode measures the shared-encodings workload against the ffmpeg program of the same FFmpeg build: a
// playlist of mixed-format files (MP3, FLAC, Ogg Vorbis, M4A, WAV) decoded
// once, resampled to 44.1 kHz stereo and encoded to AAC 48k, AAC 192k and
// MP3 128k, written to three files. It runs, in the same invocation:
//
//  1. onair: decode.PlaylistOf -> three encode.Audio shared encoders ->
//     three mux.File outputs, on a free-running clock (a child process);
//  2. one ffmpeg command: every file decoded once, resampled, concatenated
//     (concat filter), asplit=3, three encodes to three files;
//  3. three separate ffmpeg commands, one per rendition, one after the
//     other (each decodes the playlist again).
//
// For each it reports CPU time (user+sys, from the child's rusage), wall
// time and peak RSS, the ratios against the single ffmpeg command, and the
// duration of every output file. The playlist is generated once into a
// cache directory. Run it with "make bench-encode"
// (scripts/bench-encode.sh).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func main() {
	home, _ := os.UserHomeDir()
	cache := flag.String("cache", filepath.Join(home, ".cache", "onair", "bench"), "directory for the generated playlist")
	total := flag.Duration("total", 30*time.Minute, "playlist duration")
	each := flag.Duration("track", 3*time.Minute, "duration of each track")
	rounds := flag.Int("rounds", 1, "rounds of the three contenders (the median is reported)")
	only := flag.String("only", "", "run only these contenders, comma-separated: onair, ffmpeg1, ffmpeg3")
	keep := flag.String("keep", "", "keep the output files in this directory (default: a temporary one, removed)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the onair run to this file")
	child := flag.Bool("child", false, "internal: run the onair pipeline on the files given as arguments")
	outDir := flag.String("out", "", "internal: output directory of -child")
	flag.Parse()

	var err error
	if *child {
		err = runOnair(flag.Args(), *outDir, *cpuprofile)
	} else {
		err = compare(config{cache: *cache, total: *total, each: *each, rounds: *rounds, only: *only, keep: *keep, cpuprofile: *cpuprofile})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchencode:", err)
		os.Exit(1)
	}
}

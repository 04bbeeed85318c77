package chaos

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// segmentRuns splits the archived segments of an HLS variant (named
// <variant>_<n>.ts, in order) into runs of consecutive numbers. A segment
// missing from the archive (not written while the disk was full, or gone
// before it was copied) is a gap no listener heard as a splice: a player
// that missed it would have skipped to the next one with a discontinuity,
// so each run is decoded on its own.
func segmentRuns(parts []string) [][]string {
	var runs [][]string
	prev := -2
	for _, p := range parts {
		n := segmentNumber(p)
		if n < 0 || n != prev+1 || len(runs) == 0 {
			runs = append(runs, nil)
		}
		runs[len(runs)-1] = append(runs[len(runs)-1], p)
		prev = n
	}
	return runs
}

// segmentNumber returns n of a segment named ..._<n>.ts, or -1.
func segmentNumber(path string) int {
	b := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	i := strings.LastIndexByte(b, '_')
	if i < 0 {
		return -1
	}
	n, err := strconv.Atoi(b[i+1:])
	if err != nil {
		return -1
	}
	return n
}

// decodeArchive decodes each run of an HLS variant's archive (see
// segmentRuns) and sums what the runs found into one Decoded.
func (rs *runState) decodeArchive(ctx context.Context, name, dir string, parts []string) {
	rs.count("check: decode " + name)
	sum := Decoded{Name: name}
	runs := segmentRuns(parts)
	for i, run := range runs {
		p := filepath.Join(dir, fmt.Sprintf("%s-run%d.ts", strings.ReplaceAll(name, " ", "_"), i))
		if err := concat(run, p); err != nil {
			rs.violation("HLS segments archived", err.Error())
			continue
		}
		label := fmt.Sprintf("%s (segments %d to %d)", name, segmentNumber(run[0]), segmentNumber(run[len(run)-1]))
		d, err := decodeBack(ctx, label, p, rs.violation)
		if err != nil {
			rs.violation("streams decode cleanly", err.Error())
		}
		sum.add(d)
	}
	sum.Runs = len(runs)
	rs.rep.mu.Lock()
	rs.rep.Decoded = append(rs.rep.Decoded, sum)
	rs.rep.mu.Unlock()
}

// add adds what decoding another piece of the same stream found.
func (d *Decoded) add(o Decoded) {
	d.Duration += o.Duration
	d.Errors += o.Errors
	d.Clicks += o.Clicks
	d.DeadAir += o.DeadAir
	d.NonMonotonic += o.NonMonotonic
	d.WorstStep = max(d.WorstStep, o.WorstStep)
	d.LongestSilence = max(d.LongestSilence, o.LongestSilence)
}

// runsNote is how the table shows a stream decoded in several runs.
func (d Decoded) runsNote() string {
	if d.Runs <= 1 {
		return ""
	}
	return fmt.Sprintf(" (%d runs)", d.Runs)
}

package chaos

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestChaosMediaStation runs the media chaos station for 10 minutes of
// stream time (ONAIR_CHAOS_MEDIA_MINUTES) on the free-running clock with
// seed 1 (ONAIR_CHAOS_SEED) and fails on every invariant violated.
// ONAIR_CHAOS_KINDS="skip storm,disk full" keeps only some fault kinds;
// ONAIR_CHAOS_VERBOSE=1 prints the graph's logs.
func TestChaosMediaStation(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	// registered first, so it runs last: after icecast2 is stopped
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	minutes, seed := 10.0, uint64(1)
	if s := os.Getenv("ONAIR_CHAOS_MEDIA_MINUTES"); s != "" {
		m, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("ONAIR_CHAOS_MEDIA_MINUTES: %v", err)
		}
		minutes = m
	}
	if s := os.Getenv("ONAIR_CHAOS_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("ONAIR_CHAOS_SEED: %v", err)
		}
		seed = n
	}
	var logger *slog.Logger
	if os.Getenv("ONAIR_CHAOS_VERBOSE") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	var kinds []string
	if s := os.Getenv("ONAIR_CHAOS_KINDS"); s != "" {
		kinds = strings.Split(s, ",")
	}
	rep, err := Run(context.Background(), Config{
		Seed: seed, StreamTime: time.Duration(minutes * float64(time.Minute)), Dir: t.TempDir(), TB: t, Logger: logger, Kinds: kinds,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + rep.Table())
	for inv, n := range rep.Violations {
		t.Errorf("seed %d: invariant %q violated %d times: %v", seed, inv, n, rep.First[inv])
	}
	if len(rep.Decoded) < 4 {
		t.Errorf("decoded %d streams back, want 4 (two mounts, two HLS variants)", len(rep.Decoded))
	}
	if len(kinds) == 0 && (rep.Checks["HLS playlists"] == 0 || rep.Faults["disk full"] == 0) {
		t.Errorf("the run checked HLS playlists %d times through %d disk-full faults: the schedule must exercise both",
			rep.Checks["HLS playlists"], rep.Faults["disk full"])
	}
}

package logtest_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/onair-go/onair/internal/logtest"
)

func TestHandler(t *testing.T) {
	h := &logtest.Handler{}
	log := h.Logger().With("output", "hls")
	log.Info("segment written", "n", 3)
	log.Warn("upload failed", "status", 503)

	if got := len(h.Records()); got != 2 {
		t.Fatalf("%d records, want 2", got)
	}
	recs := h.Find("upload")
	if len(recs) != 1 || logtest.Attr(recs[0], "status").Int64() != 503 || logtest.Attr(recs[0], "output").String() != "hls" {
		t.Fatalf("Find(upload) = %v", recs)
	}
	if got := h.Messages(slog.LevelWarn); len(got) != 1 || got[0] != "upload failed status=503 output=hls" {
		t.Fatalf("Messages(Warn) = %q", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go log.Info("source connected")
	if r := h.Wait(t, ctx, "connected"); r.Message != "source connected" {
		t.Fatalf("Wait returned %q", r.Message)
	}
}

func TestBuffer(t *testing.T) {
	var b logtest.Buffer
	log := b.Logger(slog.LevelInfo)
	log.Debug("hidden")
	go log.Info("listener refused", "status", 401)
	line := b.Wait(t, time.Minute, "listener refused", "status=401")
	if !strings.Contains(line, "level=INFO") || strings.Contains(b.String(), "hidden") {
		t.Fatalf("line %q, log %q", line, b.String())
	}
}

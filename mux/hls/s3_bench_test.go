package hls_test

import (
	"context"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/peertest"
	"github.com/onair-go/onair/mux/hls"
	"github.com/stretchr/testify/require"
)

// The S3 measurements of the delivery issue, against SeaweedFS on this
// machine. They take minutes and real time, so they are benchmarks, run
// on their own:
//
//	go test -run '^$' -bench 'S3' -benchtime 1x ./mux/hls
//
// BenchmarkS3Delay: a real-time station (3 encoders, 2 variants, 2 s
// segments) for 60 s; for each segment, the wall time from the clock
// tick that made the end of its content to its playlist being stored in
// the bucket (encoder delay and the cut's wait for every track included). BenchmarkS3Down: the server killed for a minute on the
// real-time clock; the clock's worst lag. BenchmarkS3Hour: an hour of
// stream on the free-running clock; the heap after each ten minutes.

func BenchmarkS3Delay(b *testing.B) {
	w := peertest.StartSeaweedFS(b)
	st, err := hls.NewS3(context.Background(), &hls.S3Options{Endpoint: w.Endpoint, Bucket: w.Bucket, Prefix: "delay",
		AccessKeyID: w.AccessKey, SecretAccessKey: w.SecretKey})
	require.NoError(b, err)
	for b.Loop() {
		var mu sync.Mutex
		var delays []time.Duration
		var ticks []time.Time // wall time of each tick of the station's clock
		// The delay of a segment runs from the wall time of the tick that
		// made the end of its content (the sum of the EXTINF up to it, in
		// an EVENT playlist that lists every segment) to the wall time its
		// playlist is stored.
		timed := &putHook{Storage: st, after: func(name string, data []byte) {
			if name != "aac.m3u8" {
				return
			}
			now := time.Now()
			end := 0.0
			for _, line := range strings.Split(string(data), "\n") {
				if v, ok := strings.CutPrefix(line, "#EXTINF:"); ok {
					d, _ := strconv.ParseFloat(strings.TrimSuffix(v, ","), 64)
					end += d
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if k := int(math.Ceil(end/0.02)) - 1; k >= 0 && k < len(ticks) {
				delays = append(delays, now.Sub(ticks[k]))
			}
		}}
		out, err := hls.NewWithStorage(renditions(b, onair.Sine(440, nil)), timed, &hls.Options{
			SegmentDuration: 2 * time.Second, Variants: s3Variants, Type: hls.Event,
		})
		require.NoError(b, err)
		stamp := onair.Sink(onair.Blank(nil), func(*onair.Frame) error {
			mu.Lock()
			ticks = append(ticks, time.Now())
			mu.Unlock()
			return nil
		}, nil)
		clk := onair.NewClock("rt", nil)
		g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
		require.NoError(b, err)
		require.NoError(b, g.Add(stamp, out))
		ctx, cancel := context.WithTimeout(context.Background(), 61*time.Second)
		_ = g.Run(ctx)
		cancel()
		require.NoError(b, g.Close())
		mu.Lock()
		d := slices.Clone(delays[:len(delays)-1]) // the last is the close's
		mu.Unlock()
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Milliseconds()), "median-ms")
		b.ReportMetric(float64(d[len(d)-1].Milliseconds()), "worst-ms")
		b.ReportMetric(float64(len(d)), "segments")
		b.Logf("cut-to-playlist delays: %v", d)
	}
}

func BenchmarkS3Down(b *testing.B) {
	w := peertest.StartSeaweedFS(b)
	st, err := hls.NewS3(context.Background(), &hls.S3Options{Endpoint: w.Endpoint, Bucket: w.Bucket, Prefix: "down",
		AccessKeyID: w.AccessKey, SecretAccessKey: w.SecretKey})
	require.NoError(b, err)
	for b.Loop() {
		out, err := hls.NewWithStorage(renditions(b, onair.Sine(440, nil)), st, &hls.Options{SegmentDuration: 2 * time.Second, Variants: s3Variants})
		require.NoError(b, err)
		clk := onair.NewClock("rt", nil)
		g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
		require.NoError(b, err)
		require.NoError(b, g.Add(out))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- g.Run(ctx) }()
		watch := func(d time.Duration) (worst time.Duration) {
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			end := time.After(d)
			for {
				select {
				case <-end:
					return worst
				case <-t.C:
					worst = max(worst, g.Status()[0].Lag)
				}
			}
		}
		before := watch(10 * time.Second)
		w.Kill()
		worst := watch(60 * time.Second)
		down := out.Stats()
		w.Start()
		after := watch(20 * time.Second)
		cancel()
		<-done
		require.NoError(b, g.Close())
		s := out.Stats()
		b.ReportMetric(float64(worst.Milliseconds()), "worst-lag-down-ms")
		b.ReportMetric(float64(max(before, after).Milliseconds()), "worst-lag-up-ms")
		b.ReportMetric(float64(down.Dropped), "dropped-rounds")
		b.ReportMetric(float64(s.Segments-down.Segments), "segments-after")
		b.Logf("worst clock lag %v while the server was down (%v before, %v after); stats when the server came back %+v, at the end %+v", worst, before, after, down, s)
	}
}

func BenchmarkS3Hour(b *testing.B) {
	w := peertest.StartSeaweedFS(b)
	st, err := hls.NewS3(context.Background(), &hls.S3Options{Endpoint: w.Endpoint, Bucket: w.Bucket, Prefix: "hour",
		AccessKeyID: w.AccessKey, SecretAccessKey: w.SecretKey})
	require.NoError(b, err)
	for b.Loop() {
		out, err := hls.NewWithStorage(renditions(b, onair.Sine(440, nil)), st, &hls.Options{SegmentDuration: 2 * time.Second, Variants: s3Variants, Queue: 1000})
		require.NoError(b, err)
		clk := onair.NewClock("free", &onair.ClockOptions{Kind: onair.FreeRunning})
		g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
		require.NoError(b, err)
		ctx, cancel := context.WithCancel(context.Background())
		var heaps []string
		ticks := 0
		perTen := int(10 * time.Minute / (20 * time.Millisecond))
		probe := onair.Sink(onair.Sine(1, nil), func(*onair.Frame) error {
			ticks++
			if ticks%perTen == 0 {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				heaps = append(heaps, strconv.FormatFloat(float64(m.HeapAlloc)/1e6, 'f', 1, 64)+"MB")
				if ticks == 6*perTen {
					cancel()
				}
			}
			return nil
		}, nil)
		require.NoError(b, g.Add(out, probe))
		t0 := time.Now()
		_ = g.Run(ctx)
		require.NoError(b, g.Close())
		b.ReportMetric(time.Since(t0).Seconds(), "wall-s")
		b.ReportMetric(float64(out.Stats().Dropped), "dropped-rounds")
		b.Logf("heap after each 10 min of stream: %s; %+v", strings.Join(heaps, " "), out.Stats())
	}
}

// putHook is a Storage that calls after once each Put has succeeded.
type putHook struct {
	hls.Storage
	after func(name string, data []byte)
}

func (p *putHook) Put(ctx context.Context, name string, data []byte, meta hls.Meta) error {
	err := p.Storage.Put(ctx, name, data, meta)
	if err == nil {
		p.after(name, data)
	}
	return err
}

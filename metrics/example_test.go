package metrics_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/control"
	"github.com/onair-go/onair/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// A collector registered with a registry of the program's own, served
// by promhttp, after 50 ticks of a manual clock.
func Example() {
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, _ := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	sine := onair.Sine(440, &onair.GenOptions{ID: "sine"})
	_ = g.Add(onair.Sink(sine, nil, &onair.OutputOptions{ID: "out"}))
	ctl, err := control.New(&control.Station{Graph: g}, &control.Options{ReadOnly: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ctl.Close()
	_ = g.Start()
	defer g.Close()
	for range 50 {
		clk.Tick()
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(metrics.New(ctl, nil))
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(line, "onair_clock_") || strings.HasPrefix(line, "onair_output_state") {
			fmt.Println(line)
		}
	}
	// Output:
	// onair_clock_lag_seconds{clock="main"} 0
	// onair_clock_stream_time_seconds{clock="main"} 1
	// onair_clock_sub_clocks{clock="main"} 0
	// onair_clock_ticks_total{clock="main",kind="manual"} 50
	// onair_output_state{output="out",state="held"} 0
	// onair_output_state{output="out",state="started"} 1
	// onair_output_state{output="out",state="stopped"} 0
}

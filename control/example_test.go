package control_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/control"
)

// A controller on a manual clock: an action posted over HTTP is queued
// and runs at the end of the clock's next tick. (Here the clock does not
// tick within Options.Wait, so the answer is 202 with "queued".)
func Example() {
	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, _ := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	sine := onair.Sine(440, &onair.GenOptions{ID: "sine"})
	_ = g.Add(onair.Sink(sine, nil, nil))
	ctl, err := control.New(&control.Station{Graph: g, NowPlaying: sine},
		&control.Options{Token: "example-token-0123456789", Wait: time.Millisecond})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ctl.Close()
	_ = g.Start()
	defer g.Close()
	clk.Tick()
	srv := httptest.NewServer(ctl)
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/metadata", strings.NewReader(`{"source":"sine","metadata":{"title":"A440"}}`))
	req.Header.Set("Authorization", "Bearer example-token-0123456789")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	var d control.Done
	_ = json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	fmt.Println(resp.Status, d.Action, d.Target, "queued:", d.Queued)

	clk.Tick() // the action runs at the end of this tick,
	clk.Tick() // and is heard in this one
	fmt.Println("now playing:", ctl.Status().Title)
	// Output:
	// 202 Accepted metadata sine queued: true
	// now playing: A440
}

// Package control operates a running onair station over HTTP: a status
// document of the whole graph, now-playing events as Server-Sent Events,
// and actions (skip a track, push a request, insert metadata, choose a
// switch's child by hand, stop and start an output). A [Controller] is an
// [net/http.Handler] that a program mounts on its own mux, next to its
// listener mounts and its metrics:
//
//	ctl, err := control.New(&control.Station{Graph: g, NowPlaying: xf, Listen: []*listen.Server{ls}},
//		&control.Options{Token: token})
//	...
//	mux.Handle("/api/", http.StripPrefix("/api", ctl))
//	go ctl.Run(ctx) // listener, output and lag events
//	err = g.Run(ctx)
//
// # Actions run on the clock
//
// The controller is made before the graph starts: it adds one output per
// clock it reaches (Options.Clocks), which runs at the end of each tick
// on the clock goroutine. An action is queued there and runs at the end of
// the next tick, so it never races the graph and is heard from the tick
// after; the answer says which tick of which clock ([Done]). The same
// output records, every Options.SampleEvery ticks, the state that only
// the clock goroutine may read (readiness, started outputs, forced
// switches); the status document reads that sample and never waits for
// the clock. Neither adds an allocation to a tick.
//
// # Security
//
// Actions need the bearer token (compared in constant time), are POST
// requests with a JSON body of at most Options.MaxBody bytes, are refused
// when a browser sends them from another origin (Sec-Fetch-Site, Origin:
// a page elsewhere cannot make a listener's browser act), and are limited
// to Options.Rate per second. The status document and the events need the
// token too unless Options.PublicStatus is set. Bad input gets a 4xx
// answer whose JSON "error" names the problem, and the graph goes on
// untouched; see [Controller.ServeHTTP] for the statuses. Pushed requests
// are http(s) URLs or files under Options.PushDirs, never any file the
// program can read.
//
// # Status document
//
// GET /status returns a [Status] as JSON, version [SchemaVersion]: the
// clocks (ticks, stream time, lag), every source (ID, kind, readiness,
// current metadata, elapsed and remaining time, the selected and forced
// child of switches), every output (state, bytes, drops, reconnects,
// ticks its infallible source missed, listeners and title of mounts), shared encoders and harbor mounts.
// Durations are in seconds.
//
// # Events
//
// GET /events is a Server-Sent Events stream of [Event]s, the same as
// [Controller.Subscribe] gives Go code: track changes and metadata as the
// graph makes them, the title each mount's listeners get, listener counts,
// output states and lag. A slow subscriber misses events (and is told how
// many); it never slows the station.
package control

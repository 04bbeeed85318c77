package control_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/control"
	"github.com/onair-go/onair/decode"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/require"
)

const token = "0123456789abcdef-test-token"

// rig is a small station on a manual clock:
//
//	requests (queue) ─┐
//	live (fallible) ──┼─ main (fallback) ─┬─ air (recorder)
//	music (loop) ─────┘                   └─ dummy (infallible)
//	live ─ backup (fallible output)
type rig struct {
	t      *testing.T
	g      *onair.Graph
	clk    *onair.Clock
	ctl    *control.Controller
	srv    *httptest.Server
	rec    *onairtest.Recorder
	queue  *decode.QueueSource
	main   *onair.Switcher
	music  *onairtest.Source
	live   *onairtest.Source
	dir    string
	backup *onair.Output
}

func newRig(t *testing.T, opts *control.Options) *rig {
	r := &rig{t: t, dir: t.TempDir()}
	r.clk = onair.NewClock("station", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: r.clk, SyncCallbacks: true})
	require.NoError(t, err)
	r.g = g
	r.music = onairtest.NewSource(&onairtest.Script{ID: "music", Loop: true, Segments: []onairtest.Segment{
		{Len: 44100, Metadata: onair.Metadata{"title": "One", "artist": "Band"}},
		{Len: 44100, Metadata: onair.Metadata{"title": "Two", "artist": "Band"}},
	}})
	r.live = onairtest.NewSource(&onairtest.Script{ID: "live", Loop: true, Fallible: true,
		Segments: []onairtest.Segment{{Len: 44100 * 60, Value: 0.5, Metadata: onair.Metadata{"title": "Live show"}}}})
	r.queue, err = decode.Queue(&decode.QueueOptions{ID: "requests", Synchronous: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.queue.Close() })
	r.main, err = onair.Fallback([]onair.Source{r.queue, r.music, r.live}, &onair.SwitchOptions{ID: "main"})
	require.NoError(t, err)
	r.rec = onairtest.NewRecorder(r.clk)
	air := onair.NewOutput(r.main, r.rec, &onair.OutputOptions{ID: "air"})
	dummy := onair.Sink(r.main, nil, &onair.OutputOptions{ID: "dummy"})
	r.backup = onair.Sink(r.live, nil, &onair.OutputOptions{ID: "backup", Fallible: true})
	require.NoError(t, g.Add(air, dummy, r.backup))
	o := control.Options{Token: token, SampleEvery: 1, PushDirs: []string{r.dir}, Rate: 1000, Burst: 1000}
	if opts != nil {
		o = *opts
	}
	r.ctl, err = control.New(&control.Station{Graph: g, NowPlaying: r.main, Queues: []*decode.QueueSource{r.queue}}, &o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = r.ctl.Close() })
	r.srv = httptest.NewServer(r.ctl)
	t.Cleanup(r.srv.Close)
	return r
}

// start starts the graph and runs its first tick.
func (r *rig) start() {
	require.NoError(r.t, r.g.Start())
	r.t.Cleanup(func() { _ = r.g.Close() })
	r.clk.Tick()
}

// reply is an HTTP answer.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r reply) msg() string { s, _ := r.body["error"].(string); return s }

// do sends a request with the token and a JSON body.
func (r *rig) do(method, path, body string, hdr ...string) reply {
	req, err := http.NewRequest(method, r.srv.URL+path, strings.NewReader(body))
	require.NoError(r.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(r.t, err)
	rep := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &rep.body)
	return rep
}

// act sends an action while the graph runs: once the controller queued
// it, the clock ticks once, and the answer must say that tick.
func (r *rig) act(path, body string) reply {
	ch := make(chan reply, 1)
	go func() { ch <- r.do("POST", path, body) }()
	for r.ctl.Queued() == 0 {
		select {
		case rep := <-ch:
			return rep // refused before it was queued
		default:
			runtime.Gosched()
		}
	}
	r.clk.Tick()
	rep := <-ch
	require.Equal(r.t, http.StatusOK, rep.status, rep.raw)
	require.EqualValues(r.t, r.clk.Ticks(), rep.body["tick"], "the action ran at the end of the tick that followed it")
	return rep
}

// status returns the status document.
func (r *rig) status() *control.Status {
	rep := r.do("GET", "/status", "")
	require.Equal(r.t, http.StatusOK, rep.status, rep.raw)
	var s control.Status
	require.NoError(r.t, json.Unmarshal([]byte(rep.raw), &s))
	return &s
}

func (s0 *rig) source(s *control.Status, id string) control.SourceStatus {
	for _, src := range s.Sources {
		if src.ID == id {
			return src
		}
	}
	s0.t.Fatalf("no source %q in the status", id)
	return control.SourceStatus{}
}

func (s0 *rig) output(s *control.Status, id string) control.OutputStatus {
	for _, o := range s.Outputs {
		if o.ID == id {
			return o
		}
	}
	s0.t.Fatalf("no output %q in the status", id)
	return control.OutputStatus{}
}

// tone writes a short WAV file with the ffmpeg program.
func tone(t *testing.T, dir, name string) string {
	p := filepath.Join(dir, name)
	out, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=0.5",
		"-metadata", "title=Request", "-metadata", "artist=Listener", p).CombinedOutput()
	require.NoError(t, err, "ffmpeg (run scripts/ffmpeg.sh ensure): %s", out)
	return p
}

func jsonBody(v any) string {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(v)
	return b.String()
}

package control_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/onair-go/onair/control"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRefused sends actions that must be refused, each with the right
// status and a message naming the problem, and checks that the running
// graph went on untouched: nothing queued, no metadata inserted, no track
// skipped, no output stopped.
func TestRefused(t *testing.T) {
	r := newRig(t, nil)
	r.start()
	r.clk.Tick()
	before := r.status()
	require.Equal(t, "music", r.source(before, "main").Selected)
	cases := []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
		msg                      string
	}{
		{"no token", "POST", "/skip", `{"source":"music"}`, []string{"Authorization", ""}, 401, "missing bearer token"},
		{"wrong token", "POST", "/skip", `{"source":"music"}`, []string{"Authorization", "Bearer " + strings.Repeat("x", len(token))}, 401, "wrong token"},
		{"token prefix", "POST", "/skip", `{"source":"music"}`, []string{"Authorization", "Bearer " + token[:10]}, 401, "wrong token"},
		{"basic auth", "POST", "/skip", `{"source":"music"}`, []string{"Authorization", "Basic Zm9vOmJhcg=="}, 401, "wrong token"},
		{"status without token", "GET", "/status", "", []string{"Authorization", ""}, 401, "missing bearer token"},
		{"events without token", "GET", "/events", "", []string{"Authorization", ""}, 401, "missing bearer token"},
		{"cross-site post", "POST", "/skip", `{"source":"music"}`, []string{"Sec-Fetch-Site", "cross-site"}, 403, "cross-origin"},
		{"same-site post", "POST", "/skip", `{"source":"music"}`, []string{"Sec-Fetch-Site", "same-site"}, 403, "cross-origin"},
		{"foreign origin", "POST", "/skip", `{"source":"music"}`, []string{"Origin", "http://evil.example"}, 403, "evil.example"},
		{"null origin", "POST", "/skip", `{"source":"music"}`, []string{"Origin", "null"}, 403, "cross-origin"},
		{"get action", "GET", "/skip", ``, nil, 405, "actions are POST"},
		{"post status", "POST", "/status", `{}`, nil, 405, "use GET"},
		{"form post", "POST", "/skip", `source=music`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "application/json"},
		{"no content type", "POST", "/skip", `{"source":"music"}`, []string{"Content-Type", ""}, 415, "application/json"},
		{"oversized body", "POST", "/metadata", `{"source":"music","metadata":{"title":"` + strings.Repeat("a", 20<<10) + `"}}`, nil, 413, "over 16384 bytes"},
		{"bad json", "POST", "/skip", `{"source":`, nil, 400, "bad JSON"},
		{"empty body", "POST", "/skip", ``, nil, 400, "empty body"},
		{"unknown field", "POST", "/skip", `{"src":"music"}`, nil, 400, `unknown field "src"`},
		{"two objects", "POST", "/skip", `{"source":"music"}{}`, nil, 400, "data after the object"},
		{"wrong type", "POST", "/skip", `{"source":3}`, nil, 400, "bad JSON"},
		{"unknown id", "POST", "/skip", `{"source":"nope"}`, nil, 404, `no source "nope"`},
		{"no id", "POST", "/skip", `{}`, nil, 400, "no source ID"},
		{"skip an output", "POST", "/skip", `{"source":"air"}`, nil, 422, `skip its source "main"`},
		{"push to a non-queue", "POST", "/push", `{"queue":"music","uri":"http://127.0.0.1/x.mp3"}`, nil, 422, `"music" is not a request queue`},
		{"push a file outside the dirs", "POST", "/push", `{"queue":"requests","uri":"/etc/passwd"}`, nil, 403, "outside Options.PushDirs"},
		{"push a relative path", "POST", "/push", `{"queue":"requests","uri":"../x.mp3"}`, nil, 422, "absolute"},
		{"push with a bad metadata key", "POST", "/push", `{"queue":"requests","uri":"http://127.0.0.1/x.mp3","metadata":{"":"x"}}`, nil, 400, "keys are 1 to 64 bytes"},
		{"push another scheme", "POST", "/push", `{"queue":"requests","uri":"file:///etc/passwd"}`, nil, 422, `scheme "file"`},
		{"select on a non-switch", "POST", "/select", `{"switch":"music","child":"live"}`, nil, 422, `"music" is not a switch`},
		{"select a non-child", "POST", "/select", `{"switch":"main","child":"dummy"}`, nil, 422, "its children: requests, music, live"},
		{"select without child", "POST", "/select", `{"switch":"main"}`, nil, 400, `needs "child"`},
		{"stop a source", "POST", "/stop", `{"output":"music"}`, nil, 422, `"music" is not an output`},
		{"stop an infallible output", "POST", "/stop", `{"output":"dummy"}`, nil, 422, "not fallible"},
		{"no metadata", "POST", "/metadata", `{"source":"music","metadata":{}}`, nil, 400, "no metadata"},
		{"metadata on an output", "POST", "/metadata", `{"source":"air","metadata":{"title":"x"}}`, nil, 422, "is an output"},
		{"unknown route", "POST", "/reboot", `{}`, nil, 404, "no route"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := r.do(c.method, c.path, c.body, c.hdr...)
			assert.Equal(t, c.status, rep.status, rep.raw)
			assert.Contains(t, rep.msg(), c.msg)
			if c.status == 401 {
				assert.Contains(t, rep.header.Get("WWW-Authenticate"), "Bearer")
			}
			assert.Zero(t, r.ctl.Queued(), "a refused action is not queued")
		})
	}
	r.clk.Tick()
	after := r.status()
	assert.Equal(t, "music", r.source(after, "main").Selected, "no switch changed")
	assert.Equal(t, "", r.source(after, "main").Forced)
	assert.Equal(t, before.NowPlaying, after.NowPlaying, "no metadata inserted, no track skipped")
	assert.Equal(t, "started", r.output(after, "air").State)
	assert.Equal(t, "started", r.output(after, "backup").State)
	assert.Greater(t, r.source(after, "music").Elapsed, r.source(before, "music").Elapsed, "the track went on")
	assert.Len(t, r.rec.Capture().Marks, 1, "one track mark: the start")
}

func TestRateLimit(t *testing.T) {
	r := newRig(t, &control.Options{Token: token, Rate: 0.001, Burst: 2, SampleEvery: 1})
	r.start()
	r.act("/skip", `{"source":"music"}`)
	r.act("/skip", `{"source":"music"}`)
	rep := r.do("POST", "/skip", `{"source":"music"}`)
	assert.Equal(t, http.StatusTooManyRequests, rep.status, rep.raw)
	assert.Contains(t, rep.msg(), "too many actions")
	assert.NotEmpty(t, rep.header.Get("Retry-After"))
	assert.Zero(t, r.ctl.Queued())
}

func TestStoppedGraph(t *testing.T) {
	r := newRig(t, nil)
	rep := r.do("POST", "/skip", `{"source":"music"}`)
	assert.Equal(t, http.StatusConflict, rep.status, rep.raw)
	assert.Contains(t, rep.msg(), "not running")
	r.start()
	require.NoError(t, r.g.Close())
	rep = r.do("POST", "/skip", `{"source":"music"}`)
	assert.Equal(t, http.StatusConflict, rep.status, rep.raw)
	assert.Contains(t, rep.msg(), "stopped")
	s := r.status()
	assert.False(t, s.Running)
}

func TestReadOnlyAndPublicStatus(t *testing.T) {
	r := newRig(t, &control.Options{ReadOnly: true, PublicStatus: true})
	r.start()
	rep := r.do("GET", "/status", "", "Authorization", "")
	assert.Equal(t, http.StatusOK, rep.status, "public status needs no token")
	rep = r.do("POST", "/skip", `{"source":"music"}`)
	assert.Equal(t, http.StatusForbidden, rep.status)
	assert.Contains(t, rep.msg(), "read-only")
	rep = r.do("POST", "/skip", `{"source":"music"}`, "Authorization", "")
	assert.Equal(t, http.StatusForbidden, rep.status, "a read-only controller refuses every action")
}

func TestNewOptions(t *testing.T) {
	r := newRig(t, nil)
	_, err := control.New(&control.Station{Graph: r.g}, nil)
	assert.ErrorIs(t, err, control.ErrOption)
	_, err = control.New(&control.Station{Graph: r.g}, &control.Options{Token: "short"})
	assert.ErrorContains(t, err, "at least 16 bytes")
	_, err = control.New(&control.Station{}, &control.Options{ReadOnly: true})
	assert.ErrorContains(t, err, "no graph")
	r.start()
	_, err = control.New(&control.Station{Graph: r.g}, &control.Options{ReadOnly: true})
	assert.ErrorContains(t, err, "before the graph starts")
}

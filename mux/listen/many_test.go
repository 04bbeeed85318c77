package listen_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/mux/listen"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestManyListeners: 45 Go HTTP clients (half of them reading ICY
// metadata) and 5 FFmpeg processes listen at once to a real-time stream;
// every Go client gets a part of the stream byte for byte, on MP3 frame
// boundaries, with the title in its first metadata block; every FFmpeg
// decodes 3 s without a warning; ffprobe reports the title through ICY.
func TestManyListeners(t *testing.T) {
	const (
		goClients = 45
		ffmpegs   = 5
		need      = 3 * 16000 // 3 s of 128 kbit/s per Go client
	)
	ffmpeg, ffprobe := needPeer(t, "ffmpeg"), needPeer(t, "ffprobe")
	enc, sine := mp3Source(t)
	srv := newServer(t, nil)
	ev := newEvents()
	m, err := srv.Mount("/radio.mp3", enc, ev.hook(&listen.MountOptions{Name: "Many"}))
	require.NoError(t, err)
	url := serve(t, srv) + "/radio.mp3"
	sine.InsertMetadata(onair.Metadata{"artist": "Test", "title": "Fifty"}, false)

	ctx, cancel := context.WithTimeout(context.Background(), 2*waitTimeout)
	defer cancel()
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: onair.NewClock("rt", nil)})
	require.NoError(t, err)
	require.NoError(t, g.Add(m))
	ref := dial(t, url, nil, false) // from the first byte
	ev.waitConnect(t)

	// Every listener connects before the stream starts, so that they all
	// listen at once: FFmpeg needs 3 s of stream, which comes at real time.
	// The Go clients read their share, then hold on until FFmpeg is done.
	release := make(chan struct{})
	type result struct {
		audio  []byte
		blocks []block
		err    error
	}
	results := make(chan result, goClients)
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range goClients {
		go func() {
			audio, blocks, err := httpListen(ctx, hc, url, i%2 == 0, need, release)
			results <- result{audio, blocks, err}
		}()
	}
	var (
		wg   sync.WaitGroup
		outs = make([]string, ffmpegs)
	)
	for i := range ffmpegs {
		cmd := exec.CommandContext(ctx, ffmpeg, "-nostdin", "-v", "warning", "-i", url, "-t", "3", "-f", "null", "-")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		require.NoError(t, cmd.Start())
		t.Cleanup(func() { _ = cmd.Process.Kill() })
		wg.Go(func() {
			err := cmd.Wait()
			outs[i] = strings.TrimSpace(out.String())
			if err != nil {
				outs[i] += " (" + err.Error() + ")"
			}
		})
	}
	agents := 0
	for range goClients + ffmpegs {
		if strings.HasPrefix(ev.waitConnect(t).UserAgent, "Lavf/") {
			agents++
		}
	}
	assert.Equal(t, ffmpegs, agents, "FFmpeg's user agent")
	assert.Equal(t, 1+goClients+ffmpegs, m.Stats().Listeners, "all listening at once")
	graphDone := make(chan error, 1)
	go func() { graphDone <- g.Run(ctx) }()
	defer func() {
		cancel()
		assert.ErrorIs(t, <-graphDone, context.Canceled)
	}()
	wg.Wait()
	for i, o := range outs {
		assert.Empty(t, o, "ffmpeg %d", i)
	}
	close(release)

	probe := exec.CommandContext(ctx, ffprobe, "-v", "error", "-show_entries", "format_tags=StreamTitle,icy-name", "-of", "default=nw=1", url)
	out, err := probe.CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "TAG:StreamTitle=Test - Fifty")
	assert.Contains(t, string(out), "TAG:icy-name=Many")

	ref.waitBytes(t, 5*16000)
	var all [][]byte
	for range goClients {
		var r result
		select {
		case r = <-results:
		case <-ctx.Done():
			t.Fatal("Go clients did not finish")
		}
		require.NoError(t, r.err)
		all = append(all, r.audio)
		if r.blocks != nil {
			require.NotEmpty(t, r.blocks)
			assert.Equal(t, "Test - Fifty", r.blocks[0].title, "first block: the title in force")
		}
	}
	full, _ := ref.data()
	for i, a := range all {
		at := bytes.Index(full, a[:4096])
		require.GreaterOrEqual(t, at, 0, "client %d: its bytes are not the stream's", i)
		require.GreaterOrEqual(t, len(full), at+len(a), "reference is long enough")
		assert.True(t, bytes.Equal(full[at:at+len(a)], a), "client %d: byte for byte", i)
		n, err := mp3Frames(a)
		assert.NoError(t, err, "client %d", i)
		assert.Positive(t, n)
	}
	assert.Empty(t, decodeErrors(t, "warning", "mp3", full))
	st := m.Stats()
	assert.GreaterOrEqual(t, st.Peak, 1+goClients+ffmpegs)
	assert.Zero(t, st.Dropped)
	t.Logf("peak %d listeners, %d connections, %d stream bytes", st.Peak, st.Connections, st.Bytes)
}

// httpListen reads url with Go's HTTP client until it has need audio
// bytes (ICY blocks split out when icy is set), waits for release, and
// closes.
func httpListen(ctx context.Context, hc *http.Client, url string, icy bool, need int, release <-chan struct{}) ([]byte, []block, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	if icy {
		req.Header.Set("Icy-MetaData", "1")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("status %s", resp.Status)
	}
	c := &client{more: make(chan struct{}, 1)}
	if icy {
		if _, err := fmt.Sscan(resp.Header.Get("icy-metaint"), &c.metaint); err != nil {
			return nil, nil, fmt.Errorf("icy-metaint: %w", err)
		}
	}
	r := bufio.NewReader(resp.Body)
	buf := make([]byte, 4096)
	for len(c.audio) < need {
		want := len(buf)
		if c.metaint > 0 {
			want = min(want, c.metaint-len(c.audio)%c.metaint)
		}
		n, err := r.Read(buf[:want])
		c.audio = append(c.audio, buf[:n]...)
		if err == nil && c.metaint > 0 && n > 0 && len(c.audio)%c.metaint == 0 {
			err = c.readBlock(r)
		}
		if err != nil {
			return nil, nil, err
		}
	}
	select {
	case <-release:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	if icy && c.blocks == nil {
		c.blocks = []block{}
	}
	return c.audio, c.blocks, nil
}

// mp3Frames walks the MPEG audio frames of data (after an ID3v2 tag at
// its start) and returns how many are complete; data must start on a
// frame and every frame header must be valid.
func mp3Frames(data []byte) (int, error) {
	i := 0
	if bytes.HasPrefix(data, []byte("ID3")) && len(data) >= 10 {
		i = 10 + (int(data[6])<<21 | int(data[7])<<14 | int(data[8])<<7 | int(data[9]))
	}
	n := 0
	for i+4 <= len(data) {
		h := data[i : i+4]
		if h[0] != 0xFF || h[1] != 0xFB { // MPEG-1 layer III, no CRC (LAME's)
			return n, fmt.Errorf("no frame header at %d: % x", i, h)
		}
		rates := []int{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320}
		bi := int(h[2] >> 4)
		if bi == 0 || bi >= len(rates) || (h[2]>>2)&3 != 0 {
			return n, fmt.Errorf("bad header at %d: % x", i, h)
		}
		size := 144*rates[bi]*1000/44100 + int(h[2]>>1)&1
		if i+size > len(data) {
			break
		}
		i += size
		n++
	}
	if n == 0 {
		return 0, errors.New("no complete frame")
	}
	return n, nil
}

package hls_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/fault"
	"github.com/onair-go/onair/internal/faulttest"
	"github.com/onair-go/onair/internal/logtest"
	"github.com/onair-go/onair/mux/hls"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// memStorage is a Storage in memory that checks, at every call, what a
// reader of the store would see: a playlist must name only files stored,
// a file must not be deleted while a stored playlist names it. fail picks
// calls that fail.
type memStorage struct {
	mu       sync.Mutex
	files    map[string][]byte
	meta     map[string]hls.Meta
	ops      []string
	problems []string
	fail     func(op, name string) bool
}

func newMem() *memStorage {
	return &memStorage{files: map[string][]byte{}, meta: map[string]hls.Meta{}}
}

var errInjected = errors.New("injected failure")

func (m *memStorage) Put(_ context.Context, name string, data []byte, meta hls.Meta) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ops = append(m.ops, "put "+name)
	if m.fail != nil && m.fail("put", name) {
		return errInjected
	}
	if strings.HasSuffix(name, ".m3u8") {
		for _, uri := range names(string(data)) {
			if _, ok := m.files[uri]; !ok {
				m.problems = append(m.problems, fmt.Sprintf("%s names %s, not stored", name, uri))
			}
		}
	}
	m.files[name] = append([]byte(nil), data...)
	m.meta[name] = meta
	return nil
}

func (m *memStorage) Get(_ context.Context, name string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files[name]
	if !ok {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	return b, nil
}

func (m *memStorage) Delete(_ context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ops = append(m.ops, "delete "+name)
	if m.fail != nil && m.fail("delete", name) {
		return errInjected
	}
	for pl, data := range m.files {
		if strings.HasSuffix(pl, ".m3u8") && strings.Contains(string(data), name) {
			m.problems = append(m.problems, fmt.Sprintf("deleted %s while %s names it", name, pl))
		}
	}
	delete(m.files, name)
	return nil
}

func (m *memStorage) get(name string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return string(m.files[name])
}

// names returns the URIs a playlist names (segments, maps, variants).
func names(pl string) []string {
	var l []string
	for _, line := range strings.Split(pl, "\n") {
		line = strings.TrimSpace(line)
		if u, ok := strings.CutPrefix(line, "#EXT-X-MAP:URI="); ok {
			l = append(l, strings.Trim(u, `"`))
		} else if line != "" && !strings.HasPrefix(line, "#") {
			l = append(l, line)
		}
	}
	return l
}

// TestStorageOrder: a live window on a storage, read back through the
// output's handler (which reads the storage), in the order a reader
// needs, with each file's headers.
func TestStorageOrder(t *testing.T) {
	m := newMem()
	out, err := hls.NewWithStorage(renditions(t, onair.Sine(440, nil)), m, &hls.Options{
		SegmentDuration: time.Second, Window: 3, Overhead: 1, Variants: s3Variants, Queue: 64,
	})
	require.NoError(t, err)
	run(t, onair.Format{}, 500, out)
	assert.Empty(t, m.problems)
	assert.Zero(t, out.Stats().Errors)
	assert.Equal(t, hls.Meta{ContentType: "video/mp2t", CacheControl: "public, max-age=31536000, immutable"}, m.meta["aac_9.ts"])
	assert.Equal(t, hls.Meta{ContentType: "audio/mp4", CacheControl: "public, max-age=31536000, immutable"}, m.meta["fmp4_init0.mp4"])
	assert.Equal(t, hls.Meta{ContentType: "application/vnd.apple.mpegurl", CacheControl: "public, max-age=1"}, m.meta["aac.m3u8"])
	assert.Equal(t, []string{"aac_7.ts", "aac_8.ts", "aac_9.ts"}, parse(t, m.get("aac.m3u8")).uris)
	assert.NotContains(t, m.files, "aac_5.ts", "expired segments deleted")
	assert.Contains(t, m.files, "aac_6.ts", "the overhead kept")

	url := serve(t, out)
	assert.Empty(t, ffmpegWarnings(t, url+"/master.m3u8"), "played through the handler from the storage")
}

// TestStorageFaults: a segment that cannot be stored is left out and the
// next starts a discontinuity; a playlist that cannot be stored holds the
// deletions back until one is.
func TestStorageFaults(t *testing.T) {
	m := newMem()
	playlistFails := 0
	m.fail = func(op, name string) bool {
		switch {
		case op == "put" && name == "aac_3.ts":
			return true
		case op == "put" && name == "aac.m3u8" && playlistFails < 3 && strings.Contains(strings.Join(m.ops, " "), "put aac_6.ts"):
			playlistFails++
			return true
		}
		return false
	}
	logs := &logtest.Handler{}
	fl := faulttest.New()
	fl.Next = logs
	out, err := hls.NewWithStorage(renditions(t, onair.Sine(440, nil)), m, &hls.Options{
		SegmentDuration: time.Second, Window: 3, Overhead: 1, Variants: s3Variants[:1], Queue: 64, Logger: fl.Logger(),
	})
	require.NoError(t, err)
	run(t, onair.Format{}, 600, out)
	assert.Empty(t, m.problems, "no playlist named a missing file, nothing deleted while named")
	assert.Equal(t, int64(4), out.Stats().Errors, "one segment, three playlists")
	assert.Equal(t, 1, len(logs.Find("writing segment failed")))
	assert.Equal(t, 3, len(logs.Find("writing playlist failed")))
	fl.Check(t, fault.StorageError, fault.KeyOutput, out.Node().ID(), 4, fault.KeyPath, fault.KeyErr)
	final := parse(t, m.get("aac.m3u8"))
	assert.True(t, final.endlist)
	assert.Equal(t, []string{"aac_9.ts", "aac_10.ts", "aac_11.ts"}, final.uris)

	// The discontinuity was in the playlists while aac_4 was listed.
	m2 := newMem()
	m2.fail = func(op, name string) bool { return op == "put" && name == "aac_3.ts" }
	out, err = hls.NewWithStorage(renditions(t, onair.Sine(440, nil)), m2, &hls.Options{
		SegmentDuration: time.Second, Window: 5, Variants: s3Variants[:1], Queue: 64,
	})
	require.NoError(t, err)
	run(t, onair.Format{}, 300, out)
	p := parse(t, m2.get("aac.m3u8"))
	assert.Equal(t, []string{"aac_0.ts", "aac_1.ts", "aac_2.ts", "aac_4.ts", "aac_5.ts"}, p.uris)
	assert.Equal(t, []int{3}, p.discs, "aac_4 starts a discontinuity")
}

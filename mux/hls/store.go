package hls

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// segment is one variant's segment of a round.
type segment struct {
	name     string
	data     []byte // nil: the variant has no segment this round
	disc     bool
	initName string // fMP4: the initialization section it needs
	init     []byte // not nil: a new initialization section, written first
}

// job is one round: a segment per variant, all of the same duration.
type job struct {
	seq   int64
	dur   float64 // seconds
	end   int64   // µs: end of the output timeline so far
	segs  []segment
	infos []variantInfo // not nil: the variants' descriptions (changed)
}

// initFile is the last initialization section of a variant.
type initFile struct {
	name    string
	data    []byte
	written bool
}

// store owns the output's files: it writes segments and playlists to its
// Storage on its own goroutine, keeps the sliding windows, deletes old
// segments, saves the state and reports each change to OnFile. The
// segmenter hands it rounds through a bounded queue and never waits for
// it, except in close.
type store struct {
	cfg     *config
	dir     string // where the files go, for logs
	storage Storage
	jobs    chan job
	done    chan struct{}
	once    sync.Once
	run     atomic.Bool
	// ctx ends the storage calls still running when close gives up
	// waiting (Options.CloseTimeout); cancel is called by close.
	ctx    context.Context
	cancel context.CancelFunc

	// Owned by the writer goroutine once started.
	media    []*media
	fresh    []bool // no segment before this run: no discontinuity on the first one
	first    []bool // the first segment of this run is not written yet
	gap      []bool // a segment was lost: the next one starts a discontinuity
	inits    []initFile
	infos    []variantInfo
	newInfo  bool
	declared []int64 // BANDWIDTH in the master playlist written
	peak     []int64
	sumBytes []int64
	sumDur   []float64
	next     int64
	timeline int64 // µs: end of the output timeline written
	endErr   error
	names    map[string]bool // files put by this run (FileEvent.Op)
	unlisted []string        // files to delete once every playlist is replaced

	// Read-only after newStore: what a resumed output goes on from.
	resumed      int64 // µs: end of the previous run's timeline, 0 if none
	resumedInits []initFile

	stats struct{ segments, dropped, bytes, errors atomic.Int64 }
}

func newStore(cfg *config, storage Storage, where string) (*store, error) {
	n := len(cfg.variants)
	ctx, cancel := context.WithCancel(context.Background())
	s := &store{
		cfg: cfg, dir: where, storage: storage, jobs: make(chan job, cfg.Queue), done: make(chan struct{}),
		ctx: ctx, cancel: cancel, names: map[string]bool{},
		media: make([]*media, n), fresh: make([]bool, n), first: make([]bool, n), gap: make([]bool, n),
		inits: make([]initFile, n), resumedInits: make([]initFile, n), declared: make([]int64, n),
		peak: make([]int64, n), sumBytes: make([]int64, n), sumDur: make([]float64, n),
	}
	saved, err := s.load()
	if err != nil {
		cancel()
		return nil, err
	}
	for i, v := range cfg.variants {
		m := saved[v.Name]
		if m == nil {
			m = &media{MediaSequence: s.next}
		}
		s.media[i] = m
		s.fresh[i] = len(m.Segments) == 0 && len(m.Retired) == 0
		s.first[i] = true
		s.resumedInits[i] = s.lastInit(m)
		s.inits[i] = s.resumedInits[i]
		for _, e := range append(m.Segments, m.Retired...) {
			s.account(i, e)
		}
	}
	return s, nil
}

func (s *store) nextSeq() int64 { return s.next }

// resumedEnd returns where the previous run's timeline ended (µs), 0 when
// the output does not resume.
func (s *store) resumedEnd() int64 { return s.resumed }

// resumedInit returns variant i's last initialization section of the
// previous run (an empty name when none).
func (s *store) resumedInit(i int) initFile { return s.resumedInits[i] }

// lastInit reads the initialization section the last segment of m uses.
func (s *store) lastInit(m *media) initFile {
	for j := len(m.Segments) - 1; j >= 0; j-- {
		if name := m.Segments[j].Init; name != "" {
			b, err := s.get(name)
			if err != nil {
				return initFile{}
			}
			return initFile{name: name, data: b, written: true}
		}
	}
	return initFile{}
}

// start starts the writer goroutine, once.
func (s *store) start() {
	s.once.Do(func() {
		s.run.Store(true)
		go s.loop()
	})
}

// enqueue hands a round to the writer, without waiting unless wait is
// set; it reports false (and counts a drop) when the queue is full.
func (s *store) enqueue(j job, wait bool) bool {
	if wait {
		s.jobs <- j
		return true
	}
	select {
	case s.jobs <- j:
		return true
	default:
		s.stats.dropped.Add(1)
		return false
	}
}

// close lets the writer finish the queued rounds, write the final
// playlists (ENDLIST) and the state, and returns the errors of that last
// writing. Past Options.CloseTimeout it cancels the storage calls (the
// rest fail at once, logged) and waits for the writer to end. Later calls
// return nil.
func (s *store) close() error {
	if !s.run.Load() {
		s.cancel()
		return nil
	}
	select {
	case <-s.done:
		return nil
	default:
	}
	close(s.jobs)
	t := time.NewTimer(s.cfg.CloseTimeout)
	defer t.Stop()
	select {
	case <-s.done:
	case <-t.C:
		s.cfg.log.Error("storage too slow at close: giving up on the files not stored yet", "output", s.cfg.ID, "storage", s.dir, "timeout", s.cfg.CloseTimeout)
		s.cancel()
		<-s.done
	}
	s.cancel()
	return s.endErr
}

func (s *store) loop() {
	defer close(s.done)
	for j := range s.jobs {
		s.round(j)
	}
	s.endErr = s.finish()
}

func (s *store) round(j job) {
	if j.infos != nil {
		s.infos, s.newInfo = j.infos, true
	}
	s.next = max(s.next, j.seq+1)
	s.timeline = max(s.timeline, j.end)
	var del []string
	added := false
	for i, sg := range j.segs {
		if sg.data == nil {
			continue
		}
		m := s.media[i]
		if sg.init != nil {
			s.inits[i] = initFile{name: sg.initName, data: sg.init}
		}
		if in := &s.inits[i]; sg.initName != "" && in.name == sg.initName && !in.written {
			if err := s.write(in.name, in.data); err != nil {
				s.fail("writing initialization section", in.name, err)
				s.gap[i] = true
				continue
			}
			in.written = true
			s.stats.bytes.Add(int64(len(in.data)))
		}
		if err := s.write(sg.name, sg.data); err != nil {
			s.fail("writing segment", sg.name, err)
			s.gap[i] = true
			continue
		}
		s.stats.segments.Add(1)
		s.stats.bytes.Add(int64(len(sg.data)))
		if s.fresh[i] && len(m.Segments) == 0 && len(m.Retired) == 0 {
			m.MediaSequence = j.seq
		}
		e := entry{Name: sg.name, Duration: j.dur, Init: sg.initName, Bytes: int64(len(sg.data)),
			Discontinuity: sg.disc || s.gap[i] || (s.first[i] && !s.fresh[i])}
		s.gap[i], s.first[i] = false, false
		m.Segments = append(m.Segments, e)
		s.account(i, e)
		del = append(del, s.trim(i)...)
		added = true
	}
	if !added {
		return
	}
	s.unlisted = append(s.unlisted, del...)
	listed := true
	if s.cfg.Type != VOD {
		for i := range s.media {
			listed = s.writeMedia(i, false) && listed
		}
		s.writeMaster(false)
	}
	if listed {
		// Only now does no playlist name them.
		for _, name := range s.unlisted {
			s.remove(name)
		}
		s.unlisted = s.unlisted[:0]
	}
	s.persist()
}

// trim slides a live window and returns the files to delete once the
// playlists no longer list them.
func (s *store) trim(i int) []string {
	if s.cfg.Type != Live {
		return nil
	}
	m := s.media[i]
	for len(m.Segments) > s.cfg.Window {
		e := m.Segments[0]
		m.Segments = m.Segments[1:]
		m.MediaSequence++
		if e.Discontinuity {
			m.DiscontinuitySequence++
		}
		if !s.cfg.KeepSegments {
			m.Retired = append(m.Retired, e)
		}
	}
	var del []string
	for len(m.Retired) > s.cfg.Overhead {
		e := m.Retired[0]
		m.Retired = m.Retired[1:]
		del = append(del, e.Name)
		if e.Init != "" && !s.initUsed(i, e.Init) {
			del = append(del, e.Init)
		}
	}
	return del
}

func (s *store) initUsed(i int, name string) bool {
	if s.inits[i].name == name {
		return true
	}
	m := s.media[i]
	for _, l := range [][]entry{m.Segments, m.Retired} {
		for _, e := range l {
			if e.Init == name {
				return true
			}
		}
	}
	return false
}

// account adds a segment to a variant's bit rate measures.
func (s *store) account(i int, e entry) {
	if e.Duration <= 0 {
		return
	}
	if e.Duration >= s.cfg.SegmentDuration.Seconds()/2 {
		s.peak[i] = max(s.peak[i], int64(math.Ceil(float64(e.Bytes)*8/e.Duration)))
	}
	s.sumBytes[i] += e.Bytes
	s.sumDur[i] += e.Duration
}

// writeMedia writes variant i's media playlist and reports whether it is
// in place (true when there is nothing to write yet).
func (s *store) writeMedia(i int, ended bool) bool {
	m := s.media[i]
	if len(m.Segments) == 0 {
		return true
	}
	v := s.cfg.variants[i]
	if err := s.write(v.Name+".m3u8", renderMedia(m, v.Container, s.cfg.target, s.cfg.Type, ended)); err != nil {
		s.fail("writing playlist", v.Name+".m3u8", err)
		return false
	}
	return true
}

// writeMaster writes the master playlist when it is new, when the
// variants changed, or when a measured bit rate went above the BANDWIDTH
// it declares (declared values carry 10% headroom).
func (s *store) writeMaster(final bool) {
	if s.infos == nil || (s.cfg.Type == VOD && !final) {
		return
	}
	need := s.newInfo
	bw := make([]int64, len(s.infos))
	avg := make([]int64, len(s.infos))
	for i, vi := range s.infos {
		if s.sumDur[i] > 0 {
			avg[i] = int64(math.Ceil(float64(s.sumBytes[i]) * 8 / s.sumDur[i]))
		}
		if vi.bandwidth > 0 {
			bw[i] = vi.bandwidth
			continue
		}
		want := max(s.peak[i], avg[i], vi.bitRate)
		if want > s.declared[i] {
			s.declared[i] = int64(math.Ceil(float64(want) * 1.1))
			need = true
		}
		bw[i] = max(s.declared[i], 1)
	}
	if !need {
		return
	}
	if err := s.write(s.cfg.Master, renderMaster(s.infos, bw, avg)); err != nil {
		s.fail("writing master playlist", s.cfg.Master, err)
		return
	}
	s.newInfo = false
}

// finish writes the final playlists, with ENDLIST, and the state.
func (s *store) finish() error {
	n := s.stats.errors.Load()
	listed := true
	for i := range s.media {
		listed = s.writeMedia(i, true) && listed
	}
	s.newInfo = s.newInfo || s.cfg.Type == VOD
	s.writeMaster(true)
	if listed {
		for _, name := range s.unlisted {
			s.remove(name)
		}
		s.unlisted = nil
	}
	s.persist()
	if e := s.stats.errors.Load() - n; e > 0 {
		return fmt.Errorf("hls: %d error(s) writing the final playlists or state in %s (see the log)", e, s.dir)
	}
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/onair-go/onair/decode/analysis"
)

// runMany runs n stations in this process, as a host of many stations
// would: each its own graph, clock and HTTP server (on a free port) and
// its own folder under cfg.Dir, all playing the same music folder. They
// start stagger apart: a station's first second costs about three of its
// later ones (opening its codecs and files, filling the crossfade's
// lookahead), and on a busy machine twenty of them starting in the same
// second put every clock behind. They share one analysis cache, so that
// each song is analysed once for all of them, not once a station (twenty
// analyses of every song in the first minutes put the clocks behind
// too). It prints only each station's closing line (with its largest
// clock lag), named, and returns the stations' errors joined.
func runMany(ctx context.Context, cfg *config, n int, stagger time.Duration) error {
	musicDir, _, err := ensureMusic(cfg.Dir, cfg.Music == "")
	if err != nil {
		return err
	}
	if cfg.Music != "" {
		musicDir = cfg.Music
	}
	cache, err := analysis.NewCache(filepath.Join(cfg.Dir, "analysis"), nil, cfg.Logger)
	if err != nil {
		return err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex // cfg.Out
		errs = make([]error, n)
	)
	for i := range n {
		c := *cfg
		c.Dir = filepath.Join(cfg.Dir, fmt.Sprintf("station-%02d", i+1))
		c.Music, c.Addr, c.Token, c.analysis = musicDir, "127.0.0.1:0", "", cache
		name := fmt.Sprintf("station %2d: ", i+1)
		c.Out, c.Closing = io.Discard, &named{mu: &mu, w: cfg.Out, name: name}
		if i > 0 && stagger > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(stagger):
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx, &c); err != nil {
				errs[i] = fmt.Errorf("%s%w", name, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// named writes to w with a name before each write, one writer at a time.
type named struct {
	mu   *sync.Mutex
	w    io.Writer
	name string
}

func (n *named) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if _, err := io.WriteString(n.w, n.name); err != nil {
		return 0, err
	}
	return n.w.Write(p)
}

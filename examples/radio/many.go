package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
)

// runMany runs n stations at once in this process, as a host of many
// stations would: each its own graph, clock and HTTP server (on a free
// port) and its own folder under cfg.Dir, all playing the same music
// folder. It prints each station's closing line (with its largest clock
// lag) and returns the stations' errors joined.
func runMany(ctx context.Context, cfg *config, n int) error {
	musicDir, _, err := ensureMusic(cfg.Dir, cfg.Music == "")
	if err != nil {
		return err
	}
	if cfg.Music != "" {
		musicDir = cfg.Music
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex // cfg.Out
		errs = make([]error, n)
	)
	for i := range n {
		c := *cfg
		c.Dir = filepath.Join(cfg.Dir, fmt.Sprintf("station-%02d", i+1))
		c.Music, c.Addr, c.Token = musicDir, "127.0.0.1:0", ""
		name := fmt.Sprintf("station %2d: ", i+1)
		pr, pw := io.Pipe()
		c.Out = pw
		wg.Add(2)
		go func() { // only the closing line of each station is printed
			defer wg.Done()
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				if line := sc.Text(); strings.HasPrefix(line, "stopped after") {
					mu.Lock()
					fmt.Fprintln(cfg.Out, name+line)
					mu.Unlock()
				}
			}
		}()
		go func() {
			defer wg.Done()
			if err := run(ctx, &c); err != nil {
				errs[i] = fmt.Errorf("%s%w", name, err)
			}
			pw.Close()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

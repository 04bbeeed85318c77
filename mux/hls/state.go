package hls

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
)

// stateVersion is the version of the state file format.
const stateVersion = 1

// stateFile is what [Options.StateFile] holds: enough to go on numbering
// segments and listing the earlier ones after a restart.
type stateFile struct {
	Version      int               `json:"version"`
	NextSequence int64             `json:"next_sequence"`
	TimelineEnd  int64             `json:"timeline_end_us"`
	Variants     map[string]*media `json:"variants"`
}

// load reads the state file, if there is one, and returns the saved
// playlists by variant name.
func (s *store) load() (map[string]*media, error) {
	if s.cfg.StateFile == "" {
		return nil, nil
	}
	path := s.location(s.cfg.StateFile)
	b, err := s.get(s.cfg.StateFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrState, err)
	}
	var st stateFile
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%w: %s: %w (delete it to start afresh)", ErrState, path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("%w: %s: version %d, want %d", ErrState, path, st.Version, stateVersion)
	}
	if st.NextSequence < 0 {
		return nil, fmt.Errorf("%w: %s: negative sequence number", ErrState, path)
	}
	for name, m := range st.Variants {
		if m == nil || !validName(name) {
			return nil, fmt.Errorf("%w: %s: bad variant %q", ErrState, path, name)
		}
		for _, e := range append(m.Segments, m.Retired...) {
			if !plainName(e.Name) || (e.Init != "" && !plainName(e.Init)) || e.Duration < 0 {
				return nil, fmt.Errorf("%w: %s: variant %q: bad segment %q", ErrState, path, name, e.Name)
			}
		}
	}
	if st.TimelineEnd < 0 {
		return nil, fmt.Errorf("%w: %s: negative timeline end", ErrState, path)
	}
	s.next, s.resumed, s.timeline = st.NextSequence, st.TimelineEnd, st.TimelineEnd
	return st.Variants, nil
}

// persist writes the state file (atomically, like every file).
func (s *store) persist() {
	if s.cfg.StateFile == "" {
		return
	}
	st := stateFile{Version: stateVersion, NextSequence: s.next, TimelineEnd: s.timeline, Variants: map[string]*media{}}
	for i, v := range s.cfg.variants {
		st.Variants[v.Name] = s.media[i]
	}
	b, err := json.MarshalIndent(&st, "", "  ")
	if err == nil {
		err = s.write(s.cfg.StateFile, b)
	}
	if err != nil {
		s.fail("saving state", s.cfg.StateFile, err)
	}
}

package harbor

import (
	"github.com/onair-go/onair/decode"
)

// Mount adds a mount at path ("/live"; a missing leading slash is added)
// whose source decodes what its client streams, with [decode.Live]. The
// mount's source is fallible; put it in a Fallback (or MkSafe) before an
// output. opts may be nil. Mount returns an error wrapping
// [onair.ErrInvalidOption] for a reserved path ("/", "/admin/...") or
// invalid buffer sizes, [ErrMountExists], or [ErrClosed].
//
// The source plays only while its graph runs: a client that connects
// while the source is not awake gets 503.
func (h *Harbor) Mount(path string, opts *MountOptions) (*Mount, error) {
	var o MountOptions
	if opts != nil {
		o = *opts
	}
	if o.ID == "" {
		o.ID = "harbor" + normPath(path)
	}
	live, err := decode.Live(&decode.LiveOptions{
		ID:        o.ID,
		Logger:    h.log,
		Prebuffer: o.Prebuffer,
		MaxBuffer: o.MaxBuffer,
	})
	if err != nil {
		return nil, err
	}
	m, err := h.addMount(path, &o, live, live.Node())
	if err != nil {
		_ = live.Close()
		return nil, err
	}
	m.live = live
	return m, nil
}

// Stats returns the state and counters of the mount's source (buffer
// level, underruns, overruns).
func (m *Mount) Stats() decode.LiveStats {
	if m.live == nil {
		return decode.LiveStats{}
	}
	return m.live.Stats()
}

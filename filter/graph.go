package filter

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"unsafe"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair/avlog"
)

// graphSpec is what surrounds a user's description: the buffer source
// feeding it, the conversions that bring its output back to the graph
// format, and the sink.
type graphSpec struct {
	src, srcArgs string      // "abuffer" or "buffer" and its arguments; "" for a source graph
	opts         []filterOpt // options set on the description's filters
	convs        [][2]string // filter and arguments, in order
	sink         string      // "abuffersink" or "buffersink"
}

// filterOpt is an option given to the k-th filter of a description
// (counted over its chains) outside the text, so that values such as file
// paths need no escaping.
type filterOpt struct {
	k          int
	key, value string
}

// graph is a configured filter graph with the loggers attached to it.
type graph struct {
	*cgraph
	detach []func()
}

// build makes a working filter graph of desc between the source and sink
// of sp. Its failures are *Error values naming the filter at fault and
// FFmpeg's reason, taken from what FFmpeg logged while building. FFmpeg's
// later messages about the graph go to l (nil: FFmpeg's default, standard
// error, unless avlog routes them).
func build(desc string, sp graphSpec, threads int, l *slog.Logger) (*graph, error) {
	c := allocGraph(threads)
	if c == nil {
		return nil, &Error{Description: desc, Stage: "alloc", Reason: "cannot allocate a filter graph"}
	}
	capt := &capture{}
	cl := slog.New(capt)
	var capDetach []func()
	defer func() {
		for _, d := range capDetach {
			d()
		}
	}()
	capDetach = append(capDetach, avlog.AttachPointer(c.ptr(), cl))
	fail := func(stage string, err error, filter string) (*graph, error) {
		comps, reason := capt.reason()
		if filter == "" {
			filter = c.culprit(comps, reason)
		}
		if filter == "" && stage == "parse" {
			if name := unknownFilter(desc); name != "" {
				filter, reason = name, "no such filter; "+reason
			}
		}
		if reason == "" && err != nil {
			reason = err.Error()
		}
		c.free()
		return nil, &Error{Description: desc, Filter: filter, Stage: stage, Reason: reason, Err: err}
	}
	if strings.TrimSpace(desc) == "" {
		capt.add("", "empty filter description")
		return fail("parse", nil, "")
	}
	if err := c.parse(desc); err != nil {
		return fail("parse", err, "")
	}
	names := c.names()
	for _, o := range sp.opts {
		if err := c.setOption(o.k, o.key, o.value); err != nil {
			return fail("parse", err, "")
		}
	}
	if err := c.createFilters(); err != nil {
		name := ""
		if k := c.missing(); k >= 0 && k < len(names) {
			name = names[k]
		}
		return fail("create", err, name)
	}
	for _, p := range c.filters() {
		capDetach = append(capDetach, avlog.AttachPointer(p, cl))
	}
	if err := c.applyOpts(); err != nil {
		name := ""
		k, opt := c.leftover()
		if k >= 0 && k < len(names) {
			name = names[k]
		}
		if _, r := capt.reason(); r == "" && opt != "" {
			capt.add("", fmt.Sprintf("no option %q", opt))
		}
		return fail("options", err, name)
	}
	if err := c.initFilters(); err != nil {
		return fail("init", err, "")
	}
	var err error
	if sp.src != "" {
		if c.src, err = c.create(sp.src, "onair_in", sp.srcArgs); err != nil {
			return fail("link", err, sp.src)
		}
	}
	prev := (*cFilterCtx)(nil)
	first := (*cFilterCtx)(nil)
	for i, cv := range sp.convs {
		ctx, err := c.create(cv[0], fmt.Sprintf("onair_conv%d", i), cv[1])
		if err != nil {
			return fail("link", err, cv[0])
		}
		if prev != nil {
			if err := linkPair(prev, ctx); err != nil {
				return fail("link", err, cv[0])
			}
		} else {
			first = ctx
		}
		prev = ctx
	}
	if c.sink, err = c.create(sp.sink, "onair_out", ""); err != nil {
		return fail("link", err, sp.sink)
	}
	if prev != nil {
		if err := linkPair(prev, c.sink); err != nil {
			return fail("link", err, sp.sink)
		}
	} else {
		first = c.sink
	}
	for _, p := range []unsafe.Pointer{unsafe.Pointer(c.src), unsafe.Pointer(c.sink)} {
		capDetach = append(capDetach, avlog.AttachPointer(p, cl))
	}
	nin, nout, err := c.link(first)
	if err != nil {
		want := 1
		if sp.src == "" {
			want = 0
		}
		if nin != want || nout != 1 {
			capt.reset()
			capt.add("", fmt.Sprintf("the description has %d unconnected inputs and %d unconnected outputs, want %d and 1", nin, nout, want))
		}
		return fail("link", err, "")
	}
	if err := c.configure(); err != nil {
		return fail("configure", err, "")
	}
	g := &graph{cgraph: c}
	if l != nil {
		g.detach = append(g.detach, avlog.AttachPointer(c.ptr(), l))
		for _, p := range c.filters() {
			g.detach = append(g.detach, avlog.AttachPointer(p, l))
		}
	}
	return g, nil
}

// close frees the graph and detaches its loggers; it is idempotent.
func (g *graph) close() {
	if g == nil {
		return
	}
	g.free()
	for _, d := range g.detach {
		d()
	}
	g.detach = nil
}

// capture is a slog.Handler keeping the error messages FFmpeg logs while a
// graph is built.
type capture struct {
	mu   sync.Mutex // guards msgs
	msgs [][2]string
}

func (c *capture) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (c *capture) Handle(_ context.Context, r slog.Record) error {
	comp := ""
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "ffmpeg" {
			comp = a.Value.String()
		}
		return true
	})
	c.add(comp, r.Message)
	return nil
}

func (c *capture) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *capture) WithGroup(string) slog.Handler      { return c }

func (c *capture) add(comp, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.msgs) < 16 {
		c.msgs = append(c.msgs, [2]string{comp, msg})
	}
}

func (c *capture) reset() {
	c.mu.Lock()
	c.msgs = nil
	c.mu.Unlock()
}

// reason returns the components that logged, in order, and all messages
// joined.
func (c *capture) reason() (comps []string, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	for _, m := range c.msgs {
		if m[0] != "" {
			comps = append(comps, m[0])
		}
		parts = append(parts, m[1])
	}
	return comps, strings.Join(parts, "; ")
}

// unknownFilter returns the first filter name of desc that FFmpeg does not
// know, or "". It reads names crudely (the text before '=' of each filter,
// without [labels]): it only improves the error of a description FFmpeg
// already rejected.
func unknownFilter(desc string) string {
	for _, f := range strings.FieldsFunc(desc, func(r rune) bool { return r == ',' || r == ';' }) {
		for strings.HasPrefix(strings.TrimSpace(f), "[") {
			f = strings.TrimSpace(f)
			i := strings.IndexByte(f, ']')
			if i < 0 {
				return ""
			}
			f = f[i+1:]
		}
		name, _, _ := strings.Cut(f, "=")
		if name = strings.TrimSpace(name); name != "" && !strings.ContainsAny(name, "[]'\\:") && astiav.FindFilterByName(name) == nil {
			return name
		}
	}
	return ""
}

package filter

// The libavfilter calls the operators need that go-astiav does not expose:
// building a graph phase by phase (parse, create, options, init, link) so
// that a failure names its filter, and moving frames in and out of it.

//#cgo pkg-config: libavfilter libavutil
//#include <errno.h>
//#include <stdlib.h>
//#include <libavfilter/avfilter.h>
//#include <libavfilter/buffersink.h>
//#include <libavfilter/buffersrc.h>
//#include <libavutil/dict.h>
//#include <libavutil/frame.h>
//
//static AVFilterParams *onair_param(AVFilterGraphSegment *s, int k) {
//	for (size_t i = 0; i < s->nb_chains; i++) {
//		AVFilterChain *ch = s->chains[i];
//		if ((size_t)k < ch->nb_filters) return ch->filters[k];
//		k -= (int)ch->nb_filters;
//	}
//	return NULL;
//}
//
//static int onair_nparams(AVFilterGraphSegment *s) {
//	int n = 0;
//	for (size_t i = 0; i < s->nb_chains; i++) n += (int)s->chains[i]->nb_filters;
//	return n;
//}
//
//static const char *onair_param_name(AVFilterParams *p) { return p->filter_name; }
//static AVFilterContext *onair_param_filter(AVFilterParams *p) { return p->filter; }
//static const char *onair_param_leftover(AVFilterParams *p) {
//	const AVDictionaryEntry *e = av_dict_iterate(p->opts, NULL);
//	return e ? e->key : NULL;
//}
//
//static int onair_create(AVFilterGraph *g, AVFilterContext **ctx, const char *filter, const char *name, const char *args) {
//	const AVFilter *f = avfilter_get_by_name(filter);
//	if (!f) return AVERROR_FILTER_NOT_FOUND;
//	return avfilter_graph_create_filter(ctx, f, name, args, NULL, g);
//}
//
//// onair_link links the segment's one open input to src and its one open
//// output to dst; nin and nout are the open pads found.
//static int onair_link(AVFilterGraphSegment *s, AVFilterContext *src, AVFilterContext *dst, int *nin, int *nout) {
//	AVFilterInOut *ins = NULL, *outs = NULL, *p;
//	int ret = avfilter_graph_segment_link(s, 0, &ins, &outs);
//	*nin = 0; *nout = 0;
//	if (ret < 0) goto end;
//	for (p = ins; p; p = p->next) (*nin)++;
//	for (p = outs; p; p = p->next) (*nout)++;
//	if (*nin != (src ? 1 : 0) || *nout != 1) { ret = AVERROR(EINVAL); goto end; }
//	if (src) {
//		ret = avfilter_link(src, 0, ins->filter_ctx, ins->pad_idx);
//		if (ret < 0) goto end;
//	}
//	ret = avfilter_link(outs->filter_ctx, outs->pad_idx, dst, 0);
//end:
//	avfilter_inout_free(&ins);
//	avfilter_inout_free(&outs);
//	return ret;
//}
//
//static int onair_param_set(AVFilterParams *p, const char *key, const char *val) {
//	return av_dict_set(&p->opts, key, val, 0);
//}
//
//static AVFilterContext *onair_graph_filter(AVFilterGraph *g, int i) {
//	return (unsigned)i < g->nb_filters ? g->filters[i] : NULL;
//}
//static int onair_graph_nfilters(AVFilterGraph *g) { return (int)g->nb_filters; }
//static int onair_send_command(AVFilterGraph *g, const char *target, const char *cmd, const char *arg) {
//	return avfilter_graph_send_command(g, target, cmd, arg, NULL, 0, 0);
//}
//static int onair_einval(void) { return AVERROR(EINVAL); }
import "C"

import (
	"strings"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// cgraph is a libavfilter graph owned by Go code.
type cgraph struct {
	g         *C.AVFilterGraph
	seg       *C.AVFilterGraphSegment
	src, sink *C.AVFilterContext
}

func allocGraph(threads int) *cgraph {
	g := C.avfilter_graph_alloc()
	if g == nil {
		return nil
	}
	g.nb_threads = C.int(threads)
	return &cgraph{g: g}
}

func (c *cgraph) ptr() unsafe.Pointer { return unsafe.Pointer(c.g) }

func (c *cgraph) parse(desc string) error {
	cd := C.CString(desc)
	defer C.free(unsafe.Pointer(cd))
	return ffErr(C.avfilter_graph_segment_parse(c.g, cd, 0, &c.seg))
}

// names returns the filter names of the parsed segment, in order (they are
// freed by createFilters).
func (c *cgraph) names() []string {
	n := int(C.onair_nparams(c.seg))
	out := make([]string, n)
	for k := range n {
		if p := C.onair_param(c.seg, C.int(k)); p != nil {
			if s := C.onair_param_name(p); s != nil {
				out[k] = C.GoString(s)
			}
		}
	}
	return out
}

// missing returns the index of the first parameter set without a filter
// context (the filter that could not be created), or -1.
func (c *cgraph) missing() int {
	for k := range int(C.onair_nparams(c.seg)) {
		if p := C.onair_param(c.seg, C.int(k)); p != nil && C.onair_param_filter(p) == nil {
			return k
		}
	}
	return -1
}

// leftover returns the index and name of the first option a filter did
// not take, or -1.
func (c *cgraph) leftover() (int, string) {
	for k := range int(C.onair_nparams(c.seg)) {
		if p := C.onair_param(c.seg, C.int(k)); p != nil {
			if s := C.onair_param_leftover(p); s != nil {
				return k, C.GoString(s)
			}
		}
	}
	return -1, ""
}

// setOption adds option key=val to the k-th filter of the parsed segment,
// as if the description had it (without its escaping rules).
func (c *cgraph) setOption(k int, key, val string) error {
	p := C.onair_param(c.seg, C.int(k))
	if p == nil {
		return errInval
	}
	ck, cv := C.CString(key), C.CString(val)
	defer C.free(unsafe.Pointer(ck))
	defer C.free(unsafe.Pointer(cv))
	return ffErr(C.onair_param_set(p, ck, cv))
}

func (c *cgraph) createFilters() error {
	return ffErr(C.avfilter_graph_segment_create_filters(c.seg, 0))
}
func (c *cgraph) applyOpts() error { return ffErr(C.avfilter_graph_segment_apply_opts(c.seg, 0)) }
func (c *cgraph) initFilters() error {
	return ffErr(C.avfilter_graph_segment_init(c.seg, 0))
}

// create adds a filter of our own (buffer source, sink, conversion).
func (c *cgraph) create(filter, name, args string) (*C.AVFilterContext, error) {
	cf, cn, ca := C.CString(filter), C.CString(name), C.CString(args)
	defer C.free(unsafe.Pointer(cf))
	defer C.free(unsafe.Pointer(cn))
	defer C.free(unsafe.Pointer(ca))
	var ctx *C.AVFilterContext
	if err := ffErr(C.onair_create(c.g, &ctx, cf, cn, ca)); err != nil {
		return nil, err
	}
	return ctx, nil
}

// link connects the segment between src and dst, returning the open
// inputs and outputs it found.
func (c *cgraph) link(dst *C.AVFilterContext) (nin, nout int, err error) {
	var ci, co C.int
	err = ffErr(C.onair_link(c.seg, c.src, dst, &ci, &co))
	return int(ci), int(co), err
}

func linkPair(a, b *C.AVFilterContext) error { return ffErr(C.avfilter_link(a, 0, b, 0)) }

func (c *cgraph) configure() error {
	if c.seg != nil {
		C.avfilter_graph_segment_free(&c.seg)
	}
	return ffErr(C.avfilter_graph_config(c.g, nil))
}

// filters returns the addresses of the graph's filter contexts.
func (c *cgraph) filters() []unsafe.Pointer {
	n := int(C.onair_graph_nfilters(c.g))
	out := make([]unsafe.Pointer, 0, n)
	for i := range n {
		out = append(out, unsafe.Pointer(C.onair_graph_filter(c.g, C.int(i))))
	}
	return out
}

// filterName returns the name of the filter (the AVFilter) of the context
// at ptr, for ptr among filters().
func filterName(ptr unsafe.Pointer) string {
	fc := (*C.AVFilterContext)(ptr)
	if fc == nil || fc.filter == nil {
		return ""
	}
	return C.GoString(fc.filter.name)
}

// push hands f to the buffer source, which takes its reference (f is
// left blank); a nil f ends the stream.
func (c *cgraph) push(f *astiav.Frame) error {
	var cf *C.AVFrame
	if f != nil {
		cf = (*C.AVFrame)(f.UnsafePointer())
	}
	return ffErr(C.av_buffersrc_add_frame_flags(c.src, cf, 0))
}

// pull gets the next output frame into f: nil, errAgain when the graph
// needs more input, errEOF after the end.
func (c *cgraph) pull(f *astiav.Frame) error {
	return ffErr(C.av_buffersink_get_frame(c.sink, (*C.AVFrame)(f.UnsafePointer())))
}

// command sends a filter command (avfilter_graph_send_command) to target
// ("all" or a filter instance name).
func (c *cgraph) command(target, cmd, arg string) error {
	ct, cc, ca := C.CString(target), C.CString(cmd), C.CString(arg)
	defer C.free(unsafe.Pointer(ct))
	defer C.free(unsafe.Pointer(cc))
	defer C.free(unsafe.Pointer(ca))
	return ffErr(C.onair_send_command(c.g, ct, cc, ca))
}

// free releases the graph; it is idempotent.
func (c *cgraph) free() {
	if c == nil {
		return
	}
	if c.seg != nil {
		C.avfilter_graph_segment_free(&c.seg)
	}
	if c.g != nil {
		C.avfilter_graph_free(&c.g)
	}
	c.src, c.sink = nil, nil
}

// The codes every tick meets, boxed once: an astiav.Error made into an
// error allocates.
var (
	errAgain error = astiav.ErrEagain
	errEOF   error = astiav.ErrEof
)

func ffErr(ret C.int) error {
	switch {
	case ret >= 0:
		return nil
	case astiav.Error(ret) == astiav.ErrEagain:
		return errAgain
	case astiav.Error(ret) == astiav.ErrEof:
		return errEOF
	}
	return astiav.Error(ret)
}

var errInval = astiav.Error(C.onair_einval())

type cFilterCtx = C.AVFilterContext

// culprit returns the name of the user's filter that a failure is about:
// the first logging component that is one of the description's filter
// instances, else the first instance the message names ('Parsed_scale_0'),
// else "".
func (c *cgraph) culprit(comps []string, reason string) string {
	insts := map[string]string{}
	var order []string
	for _, p := range c.filters() {
		fc := (*C.AVFilterContext)(p)
		if fc == nil || fc.name == nil {
			continue
		}
		inst := C.GoString(fc.name)
		if strings.HasPrefix(inst, "onair_") {
			continue
		}
		insts[inst] = filterName(p)
		order = append(order, inst)
	}
	for _, comp := range comps {
		if n, ok := insts[comp]; ok {
			return n
		}
	}
	for _, inst := range order {
		if strings.Contains(reason, "'"+inst+"'") {
			return insts[inst]
		}
	}
	return ""
}

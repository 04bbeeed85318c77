package onair

// Sink returns an output that calls fn with each frame of src. fn runs on
// the clock goroutine and must not retain the frame. fn may be nil: the
// output then discards the frames, which keeps a source (and its clock)
// running. opts may be nil; the ID defaults to "sink".
func Sink(src Source, fn func(f *Frame) error, opts *OutputOptions) *Output {
	o := withID(opts, "sink")
	if fn == nil {
		fn = func(*Frame) error { return nil }
	}
	return NewOutput(src, senderFunc(fn), &o)
}

// senderFunc adapts a function to a Sender.
type senderFunc func(f *Frame) error

func (fn senderFunc) Send(f *Frame) error { return fn(f) }

func withID(opts *OutputOptions, id string) OutputOptions {
	o := valueOr(opts)
	if o.ID == "" {
		o.ID = id
	}
	return o
}

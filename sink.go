package onair

// Sink returns an output that calls fn with each frame of src. fn runs on
// the clock goroutine and must not retain the frame. opts may be nil.
func Sink(src Source, fn func(f *Frame) error, opts *OutputOptions) *Output {
	o := withID(opts, "sink")
	return NewOutput(src, SenderFunc(fn), &o)
}

// Dummy returns an output that pulls src and discards the frames: it keeps
// a source (and its clock) running. opts may be nil.
func Dummy(src Source, opts *OutputOptions) *Output {
	o := withID(opts, "dummy")
	return NewOutput(src, SenderFunc(func(*Frame) error { return nil }), &o)
}

func withID(opts *OutputOptions, id string) OutputOptions {
	o := valueOr(opts)
	if o.ID == "" {
		o.ID = id
	}
	return o
}

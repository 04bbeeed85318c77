package hls

import "testing"

// TestSegWriterBounded checks that a segment buffer handed over at each
// cut is replaced by one sized after the segment, not after the previous
// buffer's capacity (which grew without bound, segment after segment).
func TestSegWriterBounded(t *testing.T) {
	var w segWriter
	seg := make([]byte, 50000)
	for i := range 1000 {
		if _, err := w.Write(seg); err != nil {
			t.Fatal(err)
		}
		b := w.take()
		if len(b) != len(seg) {
			t.Fatalf("round %d: took %d bytes, want %d", i, len(b), len(seg))
		}
		if c := cap(w.buf); c > 2*len(seg) {
			t.Fatalf("round %d: next buffer has capacity %d for %d-byte segments", i, c, len(seg))
		}
	}
}

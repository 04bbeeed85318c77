package avlog

import (
	"testing"

	"github.com/asticode/go-astiav"
)

// TestClassPointer pins the layout assumption of classPointer: the
// address it reads is the context's.
func TestClassPointer(t *testing.T) {
	cc := astiav.AllocCodecContext(astiav.FindEncoderByName("aac"))
	if cc == nil {
		t.Fatal("no aac encoder context")
	}
	defer cc.Free()
	if got, want := classPointer(cc.Class()), uintptr(cc.UnsafePointer()); got != want {
		t.Fatalf("classPointer = %#x, want %#x", got, want)
	}
	if classPointer(nil) != 0 {
		t.Fatal("nil class")
	}
}

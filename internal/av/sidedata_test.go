package av

import (
	"bytes"
	"testing"

	"github.com/asticode/go-astiav"
)

// TestPacketPointer pins the assumption of cPacket: the C packet it reads
// is the one astiav works on.
func TestPacketPointer(t *testing.T) {
	p := astiav.AllocPacket()
	defer p.Free()
	p.SetPts(123456789)
	if got := packetPts(p); got != 123456789 {
		t.Fatalf("pts through the C pointer = %d, want 123456789", got)
	}
}

func TestNewExtradata(t *testing.T) {
	p := astiav.AllocPacket()
	defer p.Free()
	if got := NewExtradata(p); got != nil {
		t.Fatalf("a blank packet has new extradata %x", got)
	}
	want := []byte{0x10, 0, 0x10, 0, 0, 0, 0x0e}
	if err := SetNewExtradata(p, want); err != nil {
		t.Fatal(err)
	}
	if got := NewExtradata(p); !bytes.Equal(got, want) {
		t.Fatalf("NewExtradata = %x, want %x", got, want)
	}
	if err := SetNewExtradata(p, nil); err != nil {
		t.Fatal(err)
	}
	p.Unref()
	if got := NewExtradata(p); got != nil {
		t.Fatalf("an unreferenced packet keeps new extradata %x", got)
	}
}

// TestNewExtradataAllocations: looking at a packet without side data, as
// encoders do with every packet, allocates nothing.
func TestNewExtradataAllocations(t *testing.T) {
	p := astiav.AllocPacket()
	defer p.Free()
	if n := testing.AllocsPerRun(100, func() { _ = NewExtradata(p) }); n != 0 {
		t.Fatalf("NewExtradata allocates %v times per call", n)
	}
}

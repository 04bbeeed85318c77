package encode

import "github.com/onair-go/onair"

// PipeDepth is the depth of a shared audio encoder's hand-off for frames
// of f's duration, for the external tests.
func PipeDepth(f *onair.Format) int { return pipeDepth(f, onair.AudioTrack) }

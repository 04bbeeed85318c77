package encode

import "github.com/onair-go/onair"

// BatchSize is how many samples a shared audio encoder hands to its
// codec's goroutine at a time, for the external tests.
func BatchSize(f *onair.Format) int { return batchSize(f, defaultHandOff) }

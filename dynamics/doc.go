// Package dynamics controls the dynamics of audio in a graph, in pure Go
// and without allocating per tick: [Compress], a feed-forward compressor
// with a soft knee, and [Limit], a look-ahead true-peak limiter whose output
// stays under its ceiling in dBTP, as package loudness measures it.
//
// Both link their channels (one gain for all of them, so the stereo image
// does not move) and process the graph's main audio track.
package dynamics

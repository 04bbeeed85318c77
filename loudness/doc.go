// Package loudness measures loudness and peaks as ITU-R BS.1770-4 and
// EBU R 128 define them, in pure Go: K-weighted momentary (400 ms),
// short-term (3 s) and gated integrated loudness in LUFS, loudness range
// (EBU Tech 3342) in LU, and true peak (4x oversampling) in dBTP, for any
// sample rate and channel count.
//
// An [Analyzer] measures planar float32 audio written to it; [Meter]
// observes a stream in a graph and passes it through unchanged; [Analyze]
// measures a whole source (a track) and finds its cue points after
// Liquidsoap's autocue: cue-in, cue-out and where the next track should
// start, which [Analysis.Metadata] writes as liq_cue_in, liq_cue_out,
// liq_cross_duration and liq_loudness. [Normalize] brings each track of a
// stream to a target loudness (-14 LUFS by default) from that metadata, or
// from ReplayGain or R128 tags.
//
// Accuracy: the signals of EBU Tech 3341 (cases 1 to 6, 9 and 12, and the
// true-peak cases) and Tech 3342 (cases 1 to 4) synthesized in the tests
// read within their tolerances (±0.1 LU; true peak +0.2/-0.4 dB), at 48 kHz,
// 44.1 kHz and other rates: the K-weighting filters are derived from their
// analogue prototypes for each rate, not taken from the 48 kHz table.
// Integrated loudness and loudness range are computed from histograms of
// 0.01 LU bins that keep each bin's exact energy, so memory is bounded and
// nothing is allocated however long a stream runs.
package loudness

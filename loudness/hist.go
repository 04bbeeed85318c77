package loudness

import "math"

// Block loudness values are kept in a histogram rather than a list, so that
// memory stays bounded and no allocation happens however long a programme
// runs. Each bin holds the count and the summed energy of its blocks, so
// that gates and means are computed from exact energies; only the decision
// for blocks within one bin of a gate threshold, and a percentile's
// position inside its bin, are approximate.
const (
	histMin   = -70.0 // LUFS: the absolute gate
	histMax   = 30.0
	histStep  = 0.01 // LU per bin
	histCount = int((histMax - histMin) / histStep)
)

type bin struct {
	e float64 // summed mean-square energy
	n uint64
}

type histogram struct {
	bins   []bin
	lo, hi int // range of bins in use: [lo, hi)
	e      float64
	n      uint64
}

func newHistogram() *histogram {
	return &histogram{bins: make([]bin, histCount), lo: histCount}
}

func (h *histogram) reset() {
	clear(h.bins[min(h.lo, h.hi):h.hi])
	h.lo, h.hi, h.e, h.n = histCount, 0, 0, 0
}

// add records a block of mean-square energy e, if it is above the
// absolute gate.
func (h *histogram) add(e float64) {
	l := energyToLUFS(e)
	if !(l > histMin) {
		return
	}
	i := min(int((l-histMin)/histStep), histCount-1)
	h.bins[i].e += e
	h.bins[i].n++
	h.lo, h.hi = min(h.lo, i), max(h.hi, i+1)
	h.e += e
	h.n++
}

// gate returns the first bin whose blocks are kept by a relative gate of
// rel LU (the mean loudness of all blocks above the absolute gate plus
// rel) and the threshold itself.
func (h *histogram) gate(rel float64) (first int, thr float64) {
	if h.n == 0 {
		return h.hi, math.Inf(-1)
	}
	thr = energyToLUFS(h.e/float64(h.n)) + rel
	first = h.hi
	for i := h.lo; i < h.hi; i++ {
		b := &h.bins[i]
		if b.n > 0 && energyToLUFS(b.e/float64(b.n)) > thr {
			first = i
			break
		}
	}
	return first, thr
}

// integrated is the gated mean loudness with a relative gate of rel LU.
func (h *histogram) integrated(rel float64) float64 {
	first, _ := h.gate(rel)
	var e float64
	var n uint64
	for i := first; i < h.hi; i++ {
		e += h.bins[i].e
		n += h.bins[i].n
	}
	if n == 0 {
		return math.Inf(-1)
	}
	return energyToLUFS(e / float64(n))
}

// loudnessRange is EBU Tech 3342's LRA: the spread between the 10th and
// 95th percentiles of the blocks above the relative gate rel.
func (h *histogram) loudnessRange(rel float64) float64 {
	first, _ := h.gate(rel)
	var n uint64
	for i := first; i < h.hi; i++ {
		n += h.bins[i].n
	}
	if n == 0 {
		return 0
	}
	lo := h.percentile(first, n, 0.10)
	hi := h.percentile(first, n, 0.95)
	return hi - lo
}

// percentile returns the loudness of the block at rank round((n-1)·p)
// among the n blocks from bin first on, in ascending order.
func (h *histogram) percentile(first int, n uint64, p float64) float64 {
	rank := uint64(float64(n-1)*p + 0.5)
	var seen uint64
	for i := first; i < h.hi; i++ {
		b := &h.bins[i]
		seen += b.n
		if seen > rank {
			return energyToLUFS(b.e / float64(b.n))
		}
	}
	return math.Inf(-1)
}

// energyToLUFS converts a weighted mean-square energy to loudness.
func energyToLUFS(e float64) float64 {
	return -0.691 + 10*math.Log10(e)
}

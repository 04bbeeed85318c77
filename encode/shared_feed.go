package encode

import (
	"fmt"

	"github.com/onair-go/onair"
)

// audioFeed feeds a graph audio track to an AudioEncoder.
type audioFeed struct {
	opts   AudioOptions
	planes [][]float32
}

func (a *audioFeed) kind() onair.TrackKind { return onair.AudioTrack }

func (a *audioFeed) open(t *onair.Track, f *onair.Format) (codecEncoder, error) {
	if len(t.Audio) == 0 {
		return nil, fmt.Errorf("encode: audio track %q has no channel", t.Name)
	}
	a.planes = make([][]float32, len(t.Audio))
	return NewAudioEncoder(f.SampleRate, len(t.Audio), &a.opts)
}

// copyIn appends the first n samples of every channel to the job's (a
// job is filled over several frames; an empty one, j.n == 0, starts
// over).
func (a *audioFeed) copyIn(j *encJob, t *onair.Track, n int) {
	if cap(j.audio) < len(t.Audio) {
		j.audio = make([][]float32, len(t.Audio))
	}
	j.audio = j.audio[:len(t.Audio)]
	for c, src := range t.Audio {
		if j.n == 0 {
			j.audio[c] = j.audio[c][:0]
		}
		j.audio[c] = append(j.audio[c], src[:n]...)
	}
	j.track = onair.Track{Name: t.Name, Kind: onair.AudioTrack, Audio: j.audio}
}

func (a *audioFeed) feed(enc codecEncoder, t *onair.Track, n int, emit PacketFunc) error {
	if len(t.Audio) != len(a.planes) {
		return fmt.Errorf("encode: audio track %q changed from %d to %d channels", t.Name, len(a.planes), len(t.Audio))
	}
	for c := range a.planes {
		a.planes[c] = t.Audio[c][:n]
	}
	err := enc.(*AudioEncoder).Encode(a.planes, emit)
	clear(a.planes)
	return err
}

// videoFeed feeds a graph video track to a VideoEncoder.
type videoFeed struct {
	opts VideoOptions
}

func (v *videoFeed) kind() onair.TrackKind { return onair.VideoTrack }

func (v *videoFeed) open(t *onair.Track, f *onair.Format) (codecEncoder, error) {
	w, h := 0, 0
	rate := onair.Rational{Num: 25, Den: 1}
	if f.Video != nil {
		w, h, rate = f.Video.Width, f.Video.Height, f.Video.FrameRate
	}
	if len(t.Pictures) > 0 && (w == 0 || h == 0) {
		w, h = t.Pictures[0].Width, t.Pictures[0].Height
	}
	return NewVideoEncoder(w, h, rate, &v.opts)
}

// copyIn copies the pictures at positions before n, with their planes,
// into the job (video jobs hold one frame: batchSize).
func (v *videoFeed) copyIn(j *encJob, t *onair.Track, n int) {
	pics := j.track.Pictures[:0]
	k := 0
	for _, p := range t.Pictures {
		if p.Pos >= n {
			break
		}
		for i, plane := range p.Planes {
			if plane == nil {
				continue
			}
			if k == len(j.picBuf) {
				j.picBuf = append(j.picBuf, nil)
			}
			j.picBuf[k] = append(j.picBuf[k][:0], plane...)
			p.Planes[i] = j.picBuf[k]
			k++
		}
		pics = append(pics, p)
	}
	j.track = onair.Track{Name: t.Name, Kind: onair.VideoTrack, Pictures: pics}
}

func (v *videoFeed) feed(enc codecEncoder, t *onair.Track, n int, emit PacketFunc) error {
	ve := enc.(*VideoEncoder)
	for i := range t.Pictures {
		if t.Pictures[i].Pos >= n {
			break
		}
		if err := ve.Encode(&t.Pictures[i], emit); err != nil {
			return err
		}
	}
	return nil
}

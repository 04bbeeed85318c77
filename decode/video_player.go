package decode

import (
	"github.com/onair-go/onair"
)

// playerVideo is the clock side of a player's video: it emits one
// picture at each slot of the graph frame rate, counted over everything
// the source has produced since it woke up (so that tracks of any length
// follow each other without drift: a track's own slots, made by the
// decoder, are re-sampled onto this grid). Between pictures of the
// decoder, and over silence filling an underrun, the picture on screen
// is repeated; before the first one it is black.
type playerVideo struct {
	rate, num, den int64
	pos            int64 // samples produced since wake-up
	slot           int64 // next slot
	shown          onair.Picture
	has            bool
	black          onair.Picture
	blackOK        bool
	vf             onair.VideoFormat
}

// newPlayerVideo returns the video state for format f (nil when f has no
// video), reusing old's black picture when the format is the same.
func newPlayerVideo(f *onair.Format, old *playerVideo) *playerVideo {
	if f.Video == nil {
		return nil
	}
	v := &playerVideo{rate: int64(f.SampleRate), num: int64(f.Video.FrameRate.Num), den: int64(f.Video.FrameRate.Den), vf: *f.Video}
	if old != nil && old.vf == v.vf && old.blackOK {
		v.black, v.blackOK = old.black, true
	}
	return v
}

// segment adds the pictures for the k samples just written at frame
// position at, which came from positions [off, off+k) of a chunk whose
// pictures are pics (nil for silence).
func (v *playerVideo) segment(f *onair.Frame, pics []onair.Picture, off, at, k int) {
	end := v.pos + int64(k)
	for {
		sp := v.slot * v.rate * v.den / v.num
		if sp >= end {
			break
		}
		local := int(sp - v.pos)
		v.update(pics, off+local)
		p := v.current()
		p.Pos = at + local
		f.AddPicture(onair.MainVideo, p)
		v.slot++
	}
	v.update(pics, off+k-1)
	v.pos = end
}

// update makes the last picture of pics at or before chunk position cp
// the one on screen.
func (v *playerVideo) update(pics []onair.Picture, cp int) {
	for i := range pics {
		if pics[i].Pos > cp {
			break
		}
		v.shown, v.has = pics[i], true
	}
}

func (v *playerVideo) current() onair.Picture {
	if v.has {
		return v.shown
	}
	if !v.blackOK {
		sc, err := newScaler(&v.vf)
		if err == nil {
			v.black, err = sc.black()
			sc.close()
		}
		if err != nil {
			v.black = onair.Picture{Width: v.vf.Width, Height: v.vf.Height, PixelFormat: v.vf.PixelFormat}
		}
		v.blackOK = true
	}
	return v.black
}

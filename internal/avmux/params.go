package avmux

import (
	"fmt"

	"github.com/asticode/go-astiav"
	"github.com/onair-go/onair"
	"github.com/onair-go/onair/internal/av"
)

// paramsFromInfo builds codec parameters from the fields of info, for
// stream infos that carry no FFmpeg parameters. The caller frees them.
func paramsFromInfo(info *onair.StreamInfo) (*astiav.CodecParameters, error) {
	var id astiav.CodecID
	if c := astiav.FindDecoderByName(info.Codec); c != nil {
		id = c.ID()
	} else if c := astiav.FindEncoderByName(info.Codec); c != nil {
		id = c.ID()
	} else {
		return nil, fmt.Errorf("%w: unknown codec %q", ErrStream, info.Codec)
	}
	cp := astiav.AllocCodecParameters()
	cp.SetCodecID(id)
	cp.SetMediaType(id.MediaType())
	switch id.MediaType() {
	case astiav.MediaTypeAudio:
		cp.SetSampleRate(info.SampleRate)
		switch info.Channels {
		case 1:
			cp.SetChannelLayout(astiav.ChannelLayoutMono)
		case 2:
			cp.SetChannelLayout(astiav.ChannelLayoutStereo)
		default:
			cp.Free()
			return nil, fmt.Errorf("%w: %d channels without codec parameters", ErrStream, info.Channels)
		}
	case astiav.MediaTypeVideo:
		cp.SetWidth(info.Width)
		cp.SetHeight(info.Height)
		cp.SetPixelFormat(astiav.PixelFormatYuv420P)
	}
	if len(info.Extradata) > 0 {
		if err := cp.SetExtraData(info.Extradata); err != nil {
			cp.Free()
			return nil, av.Wrap("extradata", err)
		}
	}
	return cp, nil
}

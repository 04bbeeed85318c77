package analysis

import (
	"strings"

	"github.com/asticode/go-astiav"
)

// probe returns the sample rate and channel count of the best audio stream
// of the file at path, so that it is measured as it is (a mono file
// up-mixed to stereo would read 3 dB lower in true peak). It returns zeros
// when the file cannot be probed; decoding then reports why.
func probe(path string) (rate, channels int) {
	fc := astiav.AllocFormatContext()
	if fc == nil {
		return 0, 0
	}
	var opts *astiav.Dictionary
	if !strings.Contains(path, "://") {
		// Local files read local files only, as in package decode.
		opts = astiav.NewDictionary()
		defer opts.Free()
		if err := opts.Set("protocol_whitelist", "file", astiav.NewDictionaryFlags()); err != nil {
			fc.Free()
			return 0, 0
		}
	}
	if err := fc.OpenInput(path, nil, opts); err != nil {
		fc.Free() // OpenInput frees the context's streams on failure
		return 0, 0
	}
	defer func() {
		fc.CloseInput()
		fc.Free()
	}()
	if err := fc.FindStreamInfo(nil); err != nil {
		return 0, 0
	}
	st, _, err := fc.FindBestStream(astiav.MediaTypeAudio, -1, -1)
	if err != nil || st == nil {
		return 0, 0
	}
	cp := st.CodecParameters()
	return cp.SampleRate(), cp.ChannelLayout().Channels()
}

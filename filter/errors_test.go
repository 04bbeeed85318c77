package filter_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/onair-go/onair/filter"
	"github.com/onair-go/onair/onairtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBadDescriptions: each way of getting a description wrong is an
// *Error at construction naming the filter at fault (when there is one),
// the stage that failed and FFmpeg's reason.
func TestBadDescriptions(t *testing.T) {
	for _, tc := range []struct {
		desc, filter, stage, reason string
		video                       bool
	}{
		{desc: "nosuch=1", filter: "nosuch", stage: "parse", reason: "no such filter"},
		{desc: "volume=0.5,nosuch", filter: "nosuch", stage: "create", reason: "No such filter: 'nosuch'"},
		{desc: "volume=foo=1", filter: "volume", stage: "options", reason: `"foo"`},
		{desc: "volume=abc", filter: "volume", stage: "init", reason: "abc"},
		{desc: "aecho=2:0.9:40:0.3", filter: "aecho", stage: "options", reason: "out of range"},
		{desc: "acompressor=threshold=-18dB,aecho=0.8:0.9:40:0.3,volume=foo=1", filter: "volume", stage: "options"},
		{desc: "scale=1280:720", filter: "scale", stage: "link", reason: "Media type mismatch"},
		{desc: "asplit", stage: "link", reason: "2 unconnected outputs"},
		{desc: "sine", stage: "link", reason: "0 unconnected inputs"},
		{desc: "", stage: "parse", reason: "empty"},
		{desc: "volume=0.5,,", stage: "create", reason: "No such filter"},
		{desc: "volume=0.5[", stage: "parse"},
		{desc: "drawtext=textfile=/nonexistent/title.txt", filter: "drawtext", stage: "init", reason: "/nonexistent/title.txt", video: true},
		{desc: "drawtext=text=x:x=(", filter: "drawtext", stage: "configure", video: true},
		{desc: "crop=w=5000:h=10", filter: "crop", stage: "configure", video: true},
		{desc: "volume=0.5", filter: "volume", stage: "link", reason: "Media type mismatch", video: true},
		{desc: "scale=w=-5:h=abc", filter: "scale", stage: "init", reason: "abc", video: true},
	} {
		t.Run(tc.desc, func(t *testing.T) {
			var err error
			if tc.video {
				var v *filter.Video
				v, err = filter.NewVideo(onairtest.Counter("in"), tc.desc, nil)
				if v != nil {
					v.Close()
				}
			} else {
				var a *filter.Audio
				a, err = filter.NewAudio(onairtest.Counter("in"), tc.desc, nil)
				if a != nil {
					a.Close()
				}
			}
			require.Error(t, err)
			var fe *filter.Error
			require.ErrorAs(t, err, &fe)
			assert.ErrorIs(t, err, filter.ErrBadGraph)
			assert.Equal(t, tc.desc, fe.Description)
			assert.Equal(t, tc.filter, fe.Filter, "%v", err)
			assert.Equal(t, tc.stage, fe.Stage, "%v", err)
			assert.NotEmpty(t, fe.Reason)
			assert.Contains(t, fe.Reason, tc.reason)
			assert.True(t, strings.HasPrefix(err.Error(), "filter: "), err.Error())
		})
	}
}

// TestBadOptions: nil sources and options out of range are ErrInvalidOption.
func TestBadOptions(t *testing.T) {
	_, err := filter.NewAudio(nil, "volume=0.5", nil)
	assert.ErrorIs(t, err, filter.ErrInvalidOption)
	_, err = filter.NewVideo(nil, "null", nil)
	assert.ErrorIs(t, err, filter.ErrInvalidOption)
	_, err = filter.NewAudio(onairtest.Counter("in"), "volume=0.5", &filter.Options{MaxBacklog: -1})
	assert.ErrorIs(t, err, filter.ErrInvalidOption)
}

// FuzzDescription: no description makes the constructors panic; each is
// either a working operator or an *Error.
func FuzzDescription(f *testing.F) {
	for _, s := range []string{"volume=0.5", "aecho=0.8:0.9:40:0.3", "[in]volume[out]", "a;b", "volume=0.5,,", "'", "\\", "drawtext=text='%{metadata\\:title}'", "scale=-1:-1", "null"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, desc string, video bool) {
		if strings.Contains(desc, "movie") || strings.Contains(desc, "file") || strings.Contains(desc, "amovie") {
			return // filters that open files are not fuzzed
		}
		var closer interface{ Close() error }
		var err error
		if video {
			closer, err = filter.NewVideo(onairtest.Counter("in"), desc, nil)
		} else {
			closer, err = filter.NewAudio(onairtest.Counter("in"), desc, nil)
		}
		if err != nil {
			var fe *filter.Error
			if !errors.As(err, &fe) {
				t.Fatalf("%q: error %v is not a *filter.Error", desc, err)
			}
			return
		}
		closer.Close()
	})
}

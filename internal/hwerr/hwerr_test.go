package hwerr_test

import (
	"errors"
	"testing"

	"github.com/onair-go/onair/hw"
	"github.com/onair-go/onair/internal/hwerr"
	"github.com/stretchr/testify/assert"
)

func TestUnavailableWraps(t *testing.T) {
	reason := errors.New("no h264_nvenc encoder in this build")
	err := hwerr.Unavailable("encode", "cuda", reason)
	assert.ErrorIs(t, err, hw.ErrUnavailable)
	assert.ErrorIs(t, err, reason)
	assert.Equal(t, `hw: encode "cuda": device unavailable: no h264_nvenc encoder in this build`, err.Error())

	_, openErr := hw.Open("vaapi:/dev/dri/renderD999")
	assert.ErrorIs(t, openErr, hw.ErrUnavailable)
	again := hwerr.Unavailable("decode", "vaapi:/dev/dri/renderD999", openErr)
	assert.Equal(t, "decode", again.Op, "an *hw.Error is re-labelled, not nested")
	assert.NotContains(t, again.Error(), "hw: open")
	assert.ErrorIs(t, again, hw.ErrUnavailable)
}

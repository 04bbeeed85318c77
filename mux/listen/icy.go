package listen

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ICYMode says whether a mount interleaves ICY metadata blocks into the
// stream of listeners that ask for them with "Icy-MetaData: 1".
type ICYMode uint8

const (
	// ICYAuto interleaves ICY metadata for every format but Ogg, which
	// carries its titles in band (a new chained logical stream per title,
	// as Icecast serves Ogg).
	ICYAuto ICYMode = iota
	// ICYOn interleaves ICY metadata for any format.
	ICYOn
	// ICYOff never interleaves ICY metadata.
	ICYOff
)

func (m ICYMode) String() string {
	switch m {
	case ICYAuto:
		return "auto"
	case ICYOn:
		return "on"
	case ICYOff:
		return "off"
	}
	return "ICYMode(" + strconv.Itoa(int(m)) + ")"
}

// maxICYTitle is the longest title, in bytes, an ICY block can carry: the
// block holds at most 255×16 bytes, StreamTitle=” and the ; included.
const maxICYTitle = 255*16 - len("StreamTitle='';")

// icyBlock encodes the ICY metadata block announcing text: a length byte
// (the block's size in units of 16 bytes) then StreamTitle='text'; padded
// with NULs. The text is made valid UTF-8, control characters become
// spaces, and the one sequence that would end the value early for every
// common parser (FFmpeg, VLC, icecast-metadata-js), a quote followed by a
// semicolon, gets a typographic apostrophe instead of the quote. A title
// too long for a block is cut at a character boundary.
func icyBlock(text string) []byte {
	text = icyText(text)
	n := len("StreamTitle='';") + len(text)
	units := (n + 15) / 16
	b := make([]byte, 1+units*16)
	b[0] = byte(units)
	copy(b[1:], "StreamTitle='"+text+"';")
	return b
}

func icyText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7F {
			return ' '
		}
		return r
	}, s)
	s = strings.ReplaceAll(s, "';", "\u2019;")
	if len(s) > maxICYTitle {
		cut := maxICYTitle
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	return s
}

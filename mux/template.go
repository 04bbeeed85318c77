package mux

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// template is a path with strftime-like directives: %Y (year), %y (two
// digits), %m, %d, %H, %M, %S, %j (day of the year) and %% (a percent
// sign). Its finest unit is the second.
type template struct {
	raw    string
	timed  bool // has at least one time directive
	layout []tmplPart
}

type tmplPart struct {
	lit  string
	verb byte // 0 for a literal
}

func parseTemplate(s string) (*template, error) {
	t := &template{raw: s}
	var lit strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			lit.WriteByte(s[i])
			continue
		}
		if i+1 == len(s) {
			return nil, fmt.Errorf("%w: %q ends with %%", ErrTemplate, s)
		}
		i++
		switch v := s[i]; v {
		case '%':
			lit.WriteByte('%')
		case 'Y', 'y', 'm', 'd', 'H', 'M', 'S', 'j':
			if lit.Len() > 0 {
				t.layout = append(t.layout, tmplPart{lit: lit.String()})
				lit.Reset()
			}
			t.layout = append(t.layout, tmplPart{verb: v})
			t.timed = true
		default:
			return nil, fmt.Errorf("%w: %q: unknown directive %%%c (known: %%Y %%y %%m %%d %%H %%M %%S %%j %%%%)", ErrTemplate, s, v)
		}
	}
	if lit.Len() > 0 {
		t.layout = append(t.layout, tmplPart{lit: lit.String()})
	}
	return t, nil
}

// expand returns the path for wall-clock time at.
func (t *template) expand(at time.Time) string {
	if !t.timed {
		return t.layout0()
	}
	b := make([]byte, 0, len(t.raw)+8)
	for _, p := range t.layout {
		switch p.verb {
		case 0:
			b = append(b, p.lit...)
		case 'Y':
			b = strconv.AppendInt(b, int64(at.Year()), 10)
		case 'y':
			b = pad2(b, at.Year()%100)
		case 'm':
			b = pad2(b, int(at.Month()))
		case 'd':
			b = pad2(b, at.Day())
		case 'H':
			b = pad2(b, at.Hour())
		case 'M':
			b = pad2(b, at.Minute())
		case 'S':
			b = pad2(b, at.Second())
		case 'j':
			d := at.YearDay()
			if d < 100 {
				b = append(b, '0')
			}
			b = pad2(b, d)
		}
	}
	return string(b)
}

// layout0 returns the path of a template without time directives.
func (t *template) layout0() string {
	if len(t.layout) == 0 {
		return ""
	}
	return t.layout[0].lit
}

func pad2(b []byte, v int) []byte {
	if v < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(v), 10)
}

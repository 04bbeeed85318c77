package procstat

import (
	"os"
	"runtime"
	"strconv"
	"testing"
)

// The calling process, by "self" and by its number, holds at least the
// megabytes it just touched; a process that does not exist is an error.
func TestRSS(t *testing.T) {
	buf := make([]byte, 8<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	for _, pid := range []string{"self", strconv.Itoa(os.Getpid())} {
		rss, err := RSS(pid)
		if err != nil {
			t.Fatal(err)
		}
		if rss < 8<<20 {
			t.Errorf("RSS(%s) = %d bytes, below the 8 MB just touched", pid, rss)
		}
	}
	runtime.KeepAlive(buf)
	if _, err := RSS("999999999"); err == nil {
		t.Error("no error for a process that does not exist")
	}
}

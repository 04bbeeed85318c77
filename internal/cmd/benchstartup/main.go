// Command benchstartup measures how fast examples/radio goes on air (make
// bench-startup): it starts the radio binary given as its argument, as a
// listener would connects to /radio.mp3 as soon as the port accepts, and
// reports the time from the process start to the port accepting, to the
// first byte of the response and to the first MP3 frame header, and the
// radio's RSS at that moment. It repeats that -runs times and prints the
// medians.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"time"

	"github.com/onair-go/onair/internal/procstat"
)

func main() {
	runs := flag.Int("runs", 7, "how many starts")
	dir := flag.String("dir", "", "the radio's work folder (-dir), its analyses already cached")
	music := flag.String("music", "", "the radio's music folder (-music)")
	flag.Parse()
	if flag.NArg() != 1 || *dir == "" || *music == "" {
		fmt.Fprintln(os.Stderr, "usage: benchstartup -dir DIR -music DIR [-runs N] RADIO-BINARY")
		os.Exit(2)
	}
	var listen, first, audio, rss []float64
	for i := range *runs {
		r, err := once(flag.Arg(0), *dir, *music, 21000+i)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchstartup:", err)
			os.Exit(1)
		}
		fmt.Printf("run %d: listening after %4.0f ms, first byte after %4.0f ms, first MP3 frame after %4.0f ms, RSS then %.1f MB\n",
			i+1, ms(r.listen), ms(r.first), ms(r.audio), r.rss)
		listen, first, audio, rss = append(listen, ms(r.listen)), append(first, ms(r.first)), append(audio, ms(r.audio)), append(rss, r.rss)
	}
	fmt.Printf("median of %d: listening after %.0f ms, first byte after %.0f ms, first MP3 frame after %.0f ms (goal < 150 ms), RSS then %.1f MB (goal < 25 MB)\n",
		*runs, median(listen), median(first), median(audio), median(rss))
}

type result struct {
	listen, first, audio time.Duration
	rss                  float64
}

func once(bin, dir, music string, port int) (r result, err error) {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, "-dir", dir, "-music", music, "-addr", addr, "-duration", "30s")
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var c net.Conn
	for {
		if c, err = net.Dial("tcp", addr); err == nil {
			break
		}
		if time.Since(t0) > 10*time.Second {
			return r, fmt.Errorf("%s does not listen on %s: %w", bin, addr, err)
		}
		time.Sleep(time.Millisecond)
	}
	defer c.Close()
	r.listen = time.Since(t0)
	if _, err := io.WriteString(c, "GET /radio.mp3 HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
		return r, err
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return r, err
	}
	if resp.StatusCode != http.StatusOK {
		return r, fmt.Errorf("/radio.mp3: %s", resp.Status)
	}
	var body []byte
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 && len(body) == 0 {
			r.first = time.Since(t0)
		}
		body = append(body, buf[:n]...)
		if audioStart(body) >= 0 {
			r.audio = time.Since(t0)
			break
		}
		if err != nil {
			return r, fmt.Errorf("/radio.mp3 ended before an MP3 frame: %w", err)
		}
	}
	rss, err := procstat.RSS(strconv.Itoa(cmd.Process.Pid))
	r.rss = float64(rss) / (1 << 20)
	return r, err
}

// audioStart returns the offset of the first MP3 frame header in b, past
// an ID3v2 tag, or -1.
func audioStart(b []byte) int {
	off := 0
	if bytes.HasPrefix(b, []byte("ID3")) {
		if len(b) < 10 {
			return -1
		}
		off = 10 + (int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f))
	}
	for i := off; i+3 < len(b); i++ {
		if b[i] == 0xff && b[i+1]&0xe0 == 0xe0 {
			return i
		}
	}
	return -1
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

package decode_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode"
)

// Play files with silent edges back to back without the silence: each
// holds half a second of silence, a second of tone and half a second of
// silence, and the tracks follow each other a second apart.
func ExamplePlaylistOptions_trimSilence() {
	dir, err := os.MkdirTemp("", "trim")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	all, _ := edged{lead: 22050, sound: 44100, tail: 22050}.samples()
	var paths []string
	for _, name := range []string{"a.wav", "b.wav"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pcmWAV(all), 0o644); err != nil {
			panic(err)
		}
		paths = append(paths, p)
	}
	music, err := decode.PlaylistOf(paths, &decode.PlaylistOptions{Once: true, TrimSilence: true, Synchronous: true})
	if err != nil {
		panic(err)
	}
	defer music.Close()

	clk := onair.NewClock("main", &onair.ClockOptions{Kind: onair.Manual})
	g, err := onair.NewGraph(&onair.GraphOptions{Clock: clk})
	if err != nil {
		panic(err)
	}
	tr := &tracker{}
	if err := g.Add(onair.Sink(music, tr.send, &onair.OutputOptions{Fallible: true})); err != nil {
		panic(err)
	}
	if err := g.Start(); err != nil {
		panic(err)
	}
	defer g.Close()
	for range 150 {
		clk.Tick()
	}
	fmt.Println("played:", tr.samples, "track marks:", tr.marks)
	// Output:
	// played: 88200 track marks: [0 44100 88200]
}

package speaker_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/speaker"
)

// Play a tone on the default sound card for ten seconds. The card paces
// the graph; a device failure ends Run with the device's error. This
// example needs a sound card, so it is only compiled.
func Example() {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	spk, err := speaker.New(onair.Sine(440, nil), &speaker.Options{OnError: cancel})
	if err != nil {
		log.Fatal(err)
	}
	g, err := onair.NewGraph(nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := g.Add(spk); err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	if err := g.Run(ctx); !errors.Is(err, context.DeadlineExceeded) {
		log.Fatal(err) // no sound card, ALSA error, device failure
	}
}

// A source played by the speaker (the sound card's clock) and recorded on
// a real-time clock would belong to two clocks: the graph refuses to
// start and says how to fix it. With onair.Buffer between the source and
// the speaker, each clock has its own side. (A device that discards the
// audio stands in for the sound card here.)
func Example_clockConflict() {
	build := func(buffered bool) *onair.Graph {
		tone := onair.Sine(440, &onair.GenOptions{ID: "tone"})
		recorder := onair.Sink(tone, nil, &onair.OutputOptions{ID: "recorder"})
		onair.Assign(onair.NewClock("main", nil), recorder)
		var played onair.Source = tone
		if buffered {
			buf, err := onair.NewBuffer(tone, nil)
			if err != nil {
				log.Fatal(err)
			}
			played = buf
		}
		spk, err := speaker.New(played, &speaker.Options{Fallible: buffered, Open: openDiscard})
		if err != nil {
			log.Fatal(err)
		}
		g, err := onair.NewGraph(nil)
		if err != nil {
			log.Fatal(err)
		}
		if err := g.Add(recorder, spk); err != nil {
			log.Fatal(err)
		}
		return g
	}
	fmt.Println(build(false).Start())

	g := build(true)
	fmt.Println(g.Start())
	for _, st := range g.Status() {
		fmt.Printf("clock %s: %d output(s), paced by %q\n", st.Name, st.Outputs, st.Sync)
	}
	if err := g.Close(); err != nil {
		log.Fatal(err)
	}
	// Output:
	// onair: source "tone" cannot belong to two clocks (speaker, main): connect the two clocks with onair.Buffer
	// <nil>
	// clock main: 2 output(s), paced by ""
	// clock speaker: 1 output(s), paced by "speaker.device (sound device)"
}

// discard is a Device that never reads: a stand-in for a sound card.
type discard struct{}

func (discard) Play(io.Reader) error { return nil }
func (discard) Err() error           { return nil }
func (discard) Close() error         { return nil }

func openDiscard(speaker.DeviceConfig) (speaker.Device, error) { return discard{}, nil }

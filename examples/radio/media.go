package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/onair-go/onair/encode"
)

// song is one generated track: a few bars of chords, so that a listener
// hears where one track ends and the crossfade begins.
type song struct {
	file, title string
	chords      [][]float64 // frequencies of each chord, one chord per beat pair
	bpm         float64
}

var songs = []song{
	{"01-morning.mp3", "Morning", [][]float64{{261.6, 329.6, 392.0}, {220.0, 261.6, 329.6}, {174.6, 220.0, 261.6}, {196.0, 246.9, 293.7}}, 96},
	{"02-drive.mp3", "Drive", [][]float64{{293.7, 370.0, 440.0}, {246.9, 293.7, 370.0}, {196.0, 246.9, 293.7}, {220.0, 277.2, 329.6}}, 120},
	{"03-late.mp3", "Late", [][]float64{{220.0, 261.6, 329.6}, {174.6, 220.0, 261.6}, {261.6, 329.6, 392.0}, {196.0, 246.9, 293.7}}, 80},
	{"04-home.mp3", "Home", [][]float64{{329.6, 415.3, 493.9}, {277.2, 329.6, 415.3}, {220.0, 277.2, 329.6}, {246.9, 311.1, 370.0}}, 108},
}

const (
	artist      = "onair demo band"
	songSeconds = 40
	sampleRate  = 44100
)

// ensureMusic writes the demo tracks (MP3, tagged) and the jingle into dir
// unless they are there already, with onair's own standalone Encoder.
func ensureMusic(dir string) (music, jingle string, err error) {
	music = filepath.Join(dir, "music")
	jingle = filepath.Join(dir, "jingle.mp3")
	if err := os.MkdirAll(music, 0o755); err != nil {
		return "", "", err
	}
	for _, s := range songs {
		p := filepath.Join(music, s.file)
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := writeSong(p, s); err != nil {
			return "", "", fmt.Errorf("generating %s: %w", p, err)
		}
	}
	if _, err := os.Stat(jingle); err != nil {
		if err := writeJingle(jingle); err != nil {
			return "", "", fmt.Errorf("generating %s: %w", jingle, err)
		}
	}
	return music, jingle, nil
}

// writeMP3 encodes stereo planes to an MP3 file with title and artist tags.
// It writes to a temporary name first, so that a playlist watching the
// folder never sees a half-written file.
func writeMP3(path, title string, planes [][]float32) error {
	enc := encode.New(&encode.EncoderOptions{Metadata: map[string]string{"title": title, "artist": artist}})
	a, err := enc.AddAudio(sampleRate, 2, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 192_000})
	if err != nil {
		return err
	}
	tmp := path + ".part"
	if err := enc.Open(tmp, "mp3"); err != nil {
		return err
	}
	if err := a.AddSamples(planes); err != nil {
		_ = enc.Close()
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func writeSong(path string, s song) error {
	n := songSeconds * sampleRate
	l, r := make([]float32, n), make([]float32, n)
	beat := 60 / s.bpm
	for i := range n {
		t := float64(i) / sampleRate
		bar := int(t / (2 * beat))
		chord := s.chords[bar%len(s.chords)]
		// Each chord note decays over two beats; a soft bass note plays
		// the root an octave down on every beat.
		inBar := math.Mod(t, 2*beat)
		inBeat := math.Mod(t, beat)
		env := math.Exp(-1.6 * inBar)
		var v float64
		for k, f := range chord {
			v += 0.16 * env * math.Sin(2*math.Pi*f*t+float64(k))
		}
		bass := 0.22 * math.Exp(-5*inBeat) * math.Sin(2*math.Pi*chord[0]/2*t)
		// Fade the track in and out over a second so the ends are clean.
		g := math.Min(1, math.Min(t, float64(songSeconds)-t))
		l[i] = float32(g * (v + bass))
		r[i] = float32(g * (0.8*v + bass + 0.04*math.Sin(2*math.Pi*chord[1]*t*1.003)))
	}
	return writeMP3(path, s.title, [][]float32{l, r})
}

// writeJingle writes a two-second three-note chime.
func writeJingle(path string) error {
	n := 2 * sampleRate
	l := make([]float32, n)
	notes := []float64{784.0, 659.3, 523.3}
	for i := range n {
		t := float64(i) / sampleRate
		var v float64
		for k, f := range notes {
			start := float64(k) * 0.35
			if t >= start {
				v += 0.3 * math.Exp(-3*(t-start)) * math.Sin(2*math.Pi*f*(t-start))
			}
		}
		l[i] = float32(v * math.Min(1, (2-t)*4))
	}
	return writeMP3(path, "Station ID", [][]float32{l, append([]float32(nil), l...)})
}

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

// ensureMusic writes the jingle into dir, and the demo tracks (MP3,
// tagged) into dir/music when withSongs is set, unless they are there
// already. It uses onair's own standalone Encoder.
func ensureMusic(dir string, withSongs bool) (music, jingle string, err error) {
	music = filepath.Join(dir, "music")
	jingle = filepath.Join(dir, "jingle.mp3")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	if _, err := os.Stat(jingle); err != nil {
		if err := writeMP3(jingle, "Station ID", 2*sampleRate, jingleAt); err != nil {
			return "", "", fmt.Errorf("generating %s: %w", jingle, err)
		}
	}
	if !withSongs {
		return music, jingle, nil
	}
	if err := os.MkdirAll(music, 0o755); err != nil {
		return "", "", err
	}
	for _, s := range songs {
		p := filepath.Join(music, s.file)
		if _, err := os.Stat(p); err == nil {
			continue
		}
		if err := writeMP3(p, s.title, songSeconds*sampleRate, s.at); err != nil {
			return "", "", fmt.Errorf("generating %s: %w", p, err)
		}
	}
	return music, jingle, nil
}

// writeMP3 encodes n stereo samples made by at (left, right of sample i)
// to an MP3 file with title and artist tags, one second at a time (the
// Encoder takes samples in any chunk sizes). It writes to a temporary name
// first, so that a playlist watching the folder never sees a half-written
// file.
func writeMP3(path, title string, n int, at func(i int) (l, r float32)) error {
	enc := encode.New(&encode.Options{Metadata: map[string]string{"title": title, "artist": artist}})
	a, err := enc.AddAudio(sampleRate, 2, &encode.AudioOptions{Codec: "libmp3lame", BitRate: 192_000})
	if err != nil {
		return err
	}
	tmp := path + ".part"
	if err := enc.Open(tmp, "mp3"); err != nil {
		return err
	}
	l, r := make([]float32, sampleRate), make([]float32, sampleRate)
	for start := 0; start < n; start += sampleRate {
		k := min(sampleRate, n-start)
		for i := range k {
			l[i], r[i] = at(start + i)
		}
		if err := a.AddSamples([][]float32{l[:k], r[:k]}); err != nil {
			_ = enc.Close()
			_ = os.Remove(tmp)
			return err
		}
	}
	if err := enc.Close(); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// at returns sample i of the song: chords that decay over two beats, a
// soft bass note on every beat, a second of fade at each end.
func (s song) at(i int) (float32, float32) {
	t := float64(i) / sampleRate
	beat := 60 / s.bpm
	chord := s.chords[int(t/(2*beat))%len(s.chords)]
	env := math.Exp(-1.6 * math.Mod(t, 2*beat))
	var v float64
	for k, f := range chord {
		v += 0.16 * env * math.Sin(2*math.Pi*f*t+float64(k))
	}
	bass := 0.22 * math.Exp(-5*math.Mod(t, beat)) * math.Sin(2*math.Pi*chord[0]/2*t)
	g := math.Min(1, math.Min(t, float64(songSeconds)-t))
	return float32(g * (v + bass)), float32(g * (0.8*v + bass + 0.04*math.Sin(2*math.Pi*chord[1]*t*1.003)))
}

// jingleAt returns sample i of a two-second three-note chime.
func jingleAt(i int) (float32, float32) {
	t := float64(i) / sampleRate
	var v float64
	for k, f := range []float64{784.0, 659.3, 523.3} {
		if start := float64(k) * 0.35; t >= start {
			v += 0.3 * math.Exp(-3*(t-start)) * math.Sin(2*math.Pi*f*(t-start))
		}
	}
	v *= math.Min(1, (2-t)*4)
	return float32(v), float32(v)
}

package loudness_test

import (
	"fmt"
	"math"

	"github.com/onair-go/onair/loudness"
)

// A 1 kHz stereo sine at -23 dBFS reads -23 LUFS (EBU Tech 3341 case 1).
func ExampleAnalyzer() {
	a, err := loudness.NewAnalyzer(48000, 2, nil)
	if err != nil {
		panic(err)
	}
	audio := [][]float32{make([]float32, 960), make([]float32, 960)}
	amp := math.Pow(10, -23.0/20)
	for n := 0; n < 20*48000; n += 960 { // 20 s in 20 ms pieces
		for i := range 960 {
			v := float32(amp * math.Sin(2*math.Pi*1000*float64(n+i)/48000))
			audio[0][i], audio[1][i] = v, v
		}
		if err := a.Write(audio); err != nil {
			panic(err)
		}
	}
	v := a.Values()
	fmt.Printf("integrated %.1f LUFS, range %.1f LU, true peak %.1f dBTP\n", v.Integrated, v.Range, v.TruePeak)
	// Output: integrated -23.0 LUFS, range 0.0 LU, true peak -23.0 dBTP
}

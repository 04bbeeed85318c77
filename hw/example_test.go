package hw_test

import (
	"errors"
	"fmt"

	"github.com/onair-go/onair/hw"
)

func ExampleParseDevice() {
	for _, spec := range []string{"cpu", "cuda:1", "vaapi:/dev/dri/renderD128", "nvidia"} {
		typ, dev, err := hw.ParseDevice(spec)
		switch {
		case errors.Is(err, hw.ErrUnknownType):
			fmt.Printf("%s: unknown type\n", spec)
		case typ == "":
			fmt.Printf("%s: software\n", spec)
		default:
			fmt.Printf("%s: type %s, device %q\n", spec, typ, dev)
		}
	}
	// Output:
	// cpu: software
	// cuda:1: type cuda, device "1"
	// vaapi:/dev/dri/renderD128: type vaapi, device "/dev/dri/renderD128"
	// nvidia: unknown type
}

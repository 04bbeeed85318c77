//go:build !cgo && !darwin && !windows && !js

package speaker

import "fmt"

// Default opens the default sound device through oto. This build has no
// cgo, which oto needs on this system, so Default returns an error
// wrapping [ErrNoDevice]; build with CGO_ENABLED=1 and the ALSA headers
// (libasound2-dev on Debian).
func Default(cfg DeviceConfig) (Device, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w: built with CGO_ENABLED=0 (oto needs cgo and libasound2-dev here)", ErrNoDevice)
}

package avurl

import (
	"errors"
	"strconv"
	"syscall"
	"time"
)

// SRT returns the srt:// URL FFmpeg's libsrt protocol opens for addr
// (host:port) in mode ("caller" or "listener"), and the protocol options:
// live transmission type, latency, the passphrase and stream ID when set
// (passed as options, so that the URL, which logs and errors show, never
// holds a secret), and timeout as the connection and read/write timeout
// (a listener waits for its peer without limit).
func SRT(addr, mode string, latency time.Duration, passphrase, streamID string, timeout time.Duration) (string, map[string]string) {
	url := "srt://" + addr + "?mode=" + mode
	opts := map[string]string{
		"transtype": "live",
		"latency":   strconv.FormatInt(latency.Microseconds(), 10),
		"tlpktdrop": "1",
		"timeout":   strconv.FormatInt(timeout.Microseconds(), 10),
	}
	if mode == "caller" {
		opts["connect_timeout"] = strconv.FormatInt(timeout.Milliseconds(), 10)
	}
	if passphrase != "" {
		opts["passphrase"] = passphrase
	}
	if streamID != "" {
		opts["streamid"] = streamID
	}
	return url, opts
}

// SRTRejected reports whether err is libsrt failing a caller's connection
// that the peer answered and refused (a wrong or missing passphrase, a
// refused stream ID), as opposed to a peer that is not there. FFmpeg's
// libsrt protocol reports both as EIO (the socket broke while
// connecting); a refusal comes back within a round trip, a missing peer
// only when SRT's connect timeout (timeout, as given to [SRT]) expires.
func SRTRejected(err error, timeout time.Duration) bool {
	var ae *Error
	return errors.As(err, &ae) && ae.Op == "open" && (ae.Errno() == int(syscall.ECONNREFUSED) ||
		(ae.Errno() == int(syscall.EIO) && ae.Elapsed < timeout/2))
}

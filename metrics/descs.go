package metrics

import "github.com/prometheus/client_golang/prometheus"

// descs are the collector's metric descriptors.
type descs struct {
	up                                   *prometheus.Desc
	clockTicks, clockTime, clockLag      *prometheus.Desc
	clockSub                             *prometheus.Desc
	srcReady, srcActive, faults          *prometheus.Desc
	outState, outBytes, outDrops         *prometheus.Desc
	outReconn, outMissed                 *prometheus.Desc
	listeners, listenersPeak             *prometheus.Desc
	hlsSegments, hlsDropped, hlsErrors   *prometheus.Desc
	encFrames, encPackets, encStreams    *prometheus.Desc
	encErrors, encCPU                    *prometheus.Desc
	harborUp, harborBuf                  *prometheus.Desc
	harborUnder, harborOver              *prometheus.Desc
	harborConns, harborAuth, subscribers *prometheus.Desc
}

func newDescs(ns string) descs {
	n := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(ns+"_"+name, help, labels, nil)
	}
	return descs{
		up:            n("graph_running", "Whether the station's graph is running (1) or not started or closed (0)."),
		clockTicks:    n("clock_ticks_total", "Ticks run by the clock.", "clock", "kind"),
		clockTime:     n("clock_stream_time_seconds", "Stream time the clock's ticks amount to.", "clock"),
		clockLag:      n("clock_lag_seconds", "How far a real-time clock is behind the wall clock (0 when on time).", "clock"),
		clockSub:      n("clock_sub_clocks", "Child clocks registered with the clock (awake read-ahead operators).", "clock"),
		srcReady:      n("source_ready", "Whether the source can produce data (1) or not (0), as last sampled on its clock.", "source"),
		srcActive:     n("source_active", "Whether the source has a consumer (1) or sleeps (0).", "source"),
		faults:        n("faults_total", "Faults survived, by fault (the event attribute of their log record) and component (the source, output, mount or clock the record names).", "event", "component"),
		outState:      n("output_state", "The output's state: 1 for the state it is in, 0 for the others.", "output", "state"),
		outBytes:      n("output_bytes_total", "Bytes the output wrote (the stream's size for a mount, the segments for HLS, the bytes sent for Icecast).", "output", "kind"),
		outDrops:      n("output_drops_total", "What the output dropped: listeners disconnected as too slow (mount), rounds of segments (HLS), bytes (Icecast).", "output", "kind"),
		outReconn:     n("output_reconnects_total", "Connections to the server after the first one.", "output"),
		outMissed:     n("output_missed_ticks_total", "Ticks in which the output's infallible source had no frame (or less than one) without having ended: hiccups, 0 on a healthy station.", "output"),
		listeners:     n("mount_listeners", "Listeners connected to the mount.", "mount"),
		listenersPeak: n("mount_listeners_peak", "The largest number of listeners the mount had at once.", "mount"),
		hlsSegments:   n("hls_segments_written_total", "HLS segment files written (one per variant and round).", "output"),
		hlsDropped:    n("hls_segments_dropped_total", "HLS rounds of segments dropped because the writer fell behind.", "output"),
		hlsErrors:     n("hls_write_errors_total", "HLS file-system errors.", "output"),
		encFrames:     n("encoder_frames_total", "Codec frames the shared encoder sent to its codec.", "encoder"),
		encPackets:    n("encoder_packets_total", "Packets the shared encoder produced.", "encoder"),
		encStreams:    n("encoder_streams_total", "Codec instances the shared encoder opened (one more after each flush).", "encoder"),
		encErrors:     n("encoder_errors_total", "Codec failures of the shared encoder (a codec not opened, a frame not encoded).", "encoder"),
		encCPU:        n("encoder_cpu_seconds_total", "Time the shared encoder spent in its codec's calls (its CPU time while a core is free for it).", "encoder"),
		harborUp:      n("harbor_connected", "Whether a source client streams to the harbor mount.", "mount"),
		harborBuf:     n("harbor_buffered_seconds", "Decoded audio the harbor mount holds.", "mount"),
		harborUnder:   n("harbor_underruns_total", "Times the harbor mount's buffer ran empty while connected.", "mount"),
		harborOver:    n("harbor_overruns_total", "Times the harbor mount dropped audio because its buffer was full.", "mount"),
		harborConns:   n("harbor_connections_total", "Source clients accepted on the harbor mount.", "mount"),
		harborAuth:    n("harbor_auth_failures_total", "Source clients refused by the harbor's authentication."),
		subscribers:   n("event_subscribers", "Now-playing event subscribers (SSE streams included)."),
	}
}

func (d *descs) all() []*prometheus.Desc {
	return []*prometheus.Desc{
		d.up, d.clockTicks, d.clockTime, d.clockLag, d.clockSub, d.srcReady, d.srcActive, d.faults,
		d.outState, d.outBytes, d.outDrops, d.outReconn, d.outMissed, d.listeners, d.listenersPeak,
		d.hlsSegments, d.hlsDropped, d.hlsErrors, d.encFrames, d.encPackets, d.encStreams, d.encErrors, d.encCPU,
		d.harborUp, d.harborBuf, d.harborUnder, d.harborOver, d.harborConns, d.harborAuth, d.subscribers,
	}
}

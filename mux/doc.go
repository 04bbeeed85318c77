// Package mux writes encoded tracks of an onair source into containers:
// files ([File]) and any io.Writer ([Writer]), through FFmpeg's libavformat.
//
// # Track selection
//
// A muxer output takes a source and a per-track selection: [CopyTrack]
// copies an encoded track (a [onair.PacketTrack], as made by a shared
// encoder) into an output stream, [DropTrack] leaves a track out. Tracks the
// selection does not name are left out too, and with no selection every
// encoded track is copied. Copied tracks become the container's streams in
// the order of the selection. [Only] is the one-word form that copies the
// named tracks and nothing else. This is how one multitrack source feeds
// several outputs, each with its own rendition:
//
//	ts, err := mux.File(renditions, "aac_low.ts", &mux.FileOptions{Options: mux.Options{
//		Tracks: mux.Only("audio_aac_low"),
//	}})
//
// Each encoder runs once however many outputs copy its track: the outputs
// only copy packets.
//
// # Encoding inside the output
//
// [EncodeTrack] (audio) and [EncodeVideoTrack] encode a raw track inside
// the output, for the common case of one encoding written once. The
// encoder belongs to the output: it runs once per output (to write one
// encoding to several outputs, encode it in the graph with package encode
// and copy it), and its options are checked when the output is made (an
// unknown codec or option is an error naming it). It is the engine of
// the shared encoders (encode.TrackEncoder): the codec runs on a
// goroutine of its own, the encoder's delay is absorbed as theirs is (the
// packets of a frame are written with the next one), a short frame (the
// source ran out) drains the codec and starts a new stream that the
// muxer continues as described below, and Close writes what the codec
// still holds before the trailer. Copied and encoded tracks mix freely:
//
//	out, err := mux.File(src, "show.ts", &mux.FileOptions{Options: mux.Options{
//		Tracks: []mux.Track{
//			mux.CopyTrack("audio_aac"), // encoded once in the graph
//			mux.EncodeTrack("audio", &encode.AudioOptions{Codec: "libmp3lame", BitRate: 128000}),
//		},
//	}})
//
// Selecting a track of the wrong kind stops the output with an error
// wrapping [ErrTrack] that names it (see [Options.OnError]): copying a
// raw track, encoding one that already holds packets, or encoding audio
// with video options.
//
// # Extradata and bitstream filters
//
// Encoders open with global headers (extradata out of band), and the
// muxer adds what each container needs: the same AAC packets go to ADTS,
// MP4/M4A, MPEG-TS, Matroska and FLV; the same H.264 packets to MP4,
// MPEG-TS (Annex B with in-band parameter sets), Matroska, FLV and raw
// H.264; Opus and Vorbis to Ogg. FFmpeg's own automatic bitstream filters
// do most of it; the muxer adds the few that are missing.
//
// # Files, rotation and reopening
//
// A [File] output creates its file only when the first packet arrives. Its
// path is a template ("archive-%Y%m%d-%H.mp3") expanded with the
// wall-clock time of the data, derived from the stream time of the
// output's clock and [FileOptions.Start], so that under a manual clock the
// names are deterministic. When the name changes the file is closed
// (trailer written) and the next packets go to a new one; the same happens
// on [FileOptions.ReopenOnMetadata] and on [FileOutput.Reopen]. Each packet
// goes to exactly one file: the files hold the stream without gap or
// overlap, cut at packet boundaries (at a keyframe when video is copied).
// Timestamps start at zero in each file; in the first one, an encoder's
// priming keeps its negative timestamps, so that MP4 records it in an
// edit list (and players trim it) as the ffmpeg program does.
//
// # Writers
//
// A [Writer] output writes one container after another into an io.Writer.
// An io.Writer that cannot seek gets MP4 as fragmented MP4 (an empty moov
// first, then self-contained fragments), which players read from a pipe.
//
// # New streams on a track
//
// An encoder is rebuilt at a track end, and a switch between encoded
// sources changes the stream behind a track: a track's [onair.StreamInfo]
// then has a new ID. The muxer keeps the output timeline going: the new
// stream's first packet starts where the previous one ended (after the
// whole codec frame of its last packet, which decoders play in full in
// containers without edit lists, so the two never overlap). When the codec
// parameters are the same (codec, rate, channels, size, extradata) the
// packets go on in the same container, with an informational log; when
// they differ the container is ended and a new one started with the new
// parameters (a new file, or a new container in the writer), with a
// warning. Packets whose timestamps would go backwards are dropped and
// logged.
//
// # Errors and concurrency
//
// Constructors validate their options and return errors wrapping
// [ErrTrack], [ErrTemplate] or [ErrFormat]. At run time, an FFmpeg or
// writer error is returned to the graph output, which logs it, drops the
// container and starts a new one when it restarts. The outputs run on
// their clock's goroutine; Reopen and Path are safe from any goroutine.
package mux

// Package hls writes the encoded tracks of an onair source as HTTP Live
// Streaming (RFC 8216): one [Output], many variants, segments and
// playlists in a directory, and an http.Handler that serves them.
//
//	out, err := hls.New(renditions, "/var/www/radio", &hls.Options{
//		SegmentDuration: 4 * time.Second,
//		Variants: []hls.Variant{
//			{Name: "aac_low", Tracks: mux.Only("audio_aac_low")},
//			{Name: "aac_high", Tracks: mux.Only("audio_aac_high")},
//			{Name: "mp3", Tracks: mux.Only("audio_mp3")},
//		},
//	})
//	graph.Add(out)
//	http.Handle("/hls/", http.StripPrefix("/hls", out.Handler()))
//
// # Variants
//
// Each [Variant] is a media playlist (<name>.m3u8) whose segments hold a
// copy/drop selection of the source's encoded tracks ([onair.PacketTrack],
// made by the shared encoders of package encode and combined with
// [onair.Multitrack]), as for the outputs of package mux: the packets are
// copied, never re-encoded, and each encoder runs once however many
// variants copy its track. A variant's segments are MPEG-TS (.ts) or
// fragmented MP4 (.m4s after an .mp4 initialization section named by
// EXT-X-MAP), chosen per variant. The master playlist lists every variant
// with BANDWIDTH (measured: the peak segment bit rate plus 10%, unless
// given), AVERAGE-BANDWIDTH, CODECS and, with video, RESOLUTION and
// FRAME-RATE.
//
// CODECS strings (RFC 6381) are built from each stream's codec
// parameters: mp4a.40.N for AAC with N the object type read from the
// AudioSpecificConfig in the extradata (2 for AAC-LC, 5 for HE-AAC),
// mp4a.40.34 for MP3, ac-3, ec-3, opus, fLaC, and avc1.PPCCLL for H.264
// with the profile, constraint flags and level of the SPS in the
// extradata (avcC or Annex B). Other codecs need [Variant.Codecs].
//
// # One grid for every variant
//
// Segments are cut on one grid of [Options.SegmentDuration] on the
// output timeline, decided once for all variants, so that segment n of
// every variant covers the same time and the EXTINF lists are identical:
// no variant drifts from another, whatever its codec frame size (AAC 1024
// samples, MP3 1152). Every track's encoder timestamps are mapped once
// onto that timeline, and every variant that copies the track carries
// the same timestamps, in both containers (RFC 8216 §6.2.4).
//
// A cut falls on a packet boundary: at grid time T, each track's packets
// before T end the current segments and the others start the next ones.
// Encoders deliver packets late by different amounts (a video encoder's
// lookahead holds frames for a second or more), so packets past T wait
// until every track has reached T; only then are the segments closed.
// With video, the cut is at the first keyframe of the first video track
// within half a step of T, and the other tracks follow it; EXTINF is then
// the distance between those keyframes. Give the video encoder a keyframe
// interval that divides the segment duration (encode.VideoOptions.GOP =
// frame rate × segment duration): without a keyframe, a segment is cut
// before its EXTINF would exceed EXT-X-TARGETDURATION, with a warning,
// because the target duration never changes.
//
// # Playlists and files
//
// A [Live] playlist lists the last [Options.Window] segments; segments
// that left it stay on disk for [Options.Overhead] more segments, for
// clients holding an older playlist, then are deleted (with their
// initialization sections once unused). [Event] playlists only grow.
// [VOD] playlists are written once, at the end. When the output closes
// (the graph's Close), the current segments are ended and every playlist
// is written again with EXT-X-ENDLIST. When the source fails (a fallible
// output) or the clock is reset, the current segments are ended and the
// next ones start with EXT-X-DISCONTINUITY.
//
// Every file is written under a hidden temporary name in the directory
// and renamed into place, so a reader never sees a partial segment or
// playlist. With [Options.StateFile], the playlists' state is saved after
// every segment and at the end; an output started on the same directory
// goes on from it: sequence numbers continue, the earlier segments stay
// listed (and are deleted in turn), and each variant's first new segment
// starts with EXT-X-DISCONTINUITY. [Options.OnFile] reports every file
// created, updated or deleted, in order, for CDN or object-store sync.
//
// # Storage: a directory or an S3 bucket
//
// [New] writes into a directory ([Dir]); [NewWithStorage] writes to any
// [Storage], such as an [S3] bucket that a CDN serves listeners from.
// [NewS3] takes the endpoint, bucket, prefix, region and credentials
// from [S3Options] or the standard AWS_* environment variables, and
// checks at once that the bucket exists and the credentials are accepted:
// a wrong key is an error at start ([ErrS3Credentials], [ErrS3Bucket]),
// not a silent retry loop. Every object gets its Content-Type and a
// Cache-Control for a CDN: playlists public for half a target duration
// (at least 1 s), segments and initialization sections for a year and
// immutable (set [Options.StateFile], stored in the bucket too, so that a
// restarted output numbers on instead of reusing names), the state file
// no-store.
//
// Uploads run on the writer goroutine, never the clock's, in the order a
// reader needs: a round's segments (and a new initialization section)
// before the playlists that name them, the master playlist after, and an
// expired segment deleted only once every playlist that named it has been
// replaced. A failed upload is retried with backoff (the server
// unreachable, 5xx, 429, a cut connection) for [S3Options.Timeout]; a
// refused key or a missing bucket is not retried. A segment that still
// cannot be stored is left out of the playlists, and the next one starts
// with EXT-X-DISCONTINUITY, logged; while the server is down the queue
// fills and whole rounds are dropped (logged, [Stats].Dropped), and when
// it returns the stream goes on after a discontinuity. Close waits
// [Options.CloseTimeout] at most for a storage that is down.
//
// Browsers play from the bucket (or a CDN in front of it) once the
// objects can be read anonymously (a bucket policy allowing s3:GetObject
// under the prefix) and the bucket has a CORS rule allowing GET and HEAD
// from the player page's origin: AWS S3 answers no origin without one.
// The tests play a finished and a live stream that the output stores in
// a SeaweedFS bucket with FFmpeg and with hls.js (pinned, fetched by
// scripts/hlsjs.sh) in headless Chromium, straight from the S3 endpoint
// through ENDLIST, and check the decoded tone and pictures; a missing
// segment or a page of an origin the rule does not name is a fatal
// hls.js error.
//
// The client is github.com/minio/minio-go/v7: a small, well-kept S3
// client made for S3-compatible stores (AWS, MinIO, SeaweedFS, Ceph, R2)
// with path-style addressing, SigV4 and streaming uploads, and far fewer
// dependencies than aws-sdk-go-v2's service/s3 (which brings the whole
// AWS SDK configuration machinery for what is here PUT, GET and DELETE).
//
// # Threads and blocking
//
// Muxing and cutting run on the clock goroutine, into memory. The file
// system is touched only by the output's writer goroutine: segments,
// playlists, deletions, the state file and OnFile calls happen there, in
// order. Finished rounds of segments reach it through a queue of
// [Options.Queue] rounds; when the writer falls that far behind (a
// stalled disk, a slow OnFile), the round is dropped and logged, the next
// segments start with a discontinuity, and the clock never waits. Close
// waits for the writer to finish.
//
// # Why a segmenter of our own
//
// The containers are FFmpeg's: each variant has one MPEG-TS or MP4 muxer
// of libavformat (through the project's internal muxer, which adds the
// extradata and bitstream filters each container needs), cut into
// segments between packets. Only the HLS layer is written here. The two
// ready-made segmenters were weighed against the requirements:
//
//   - FFmpeg's own "hls" muxer opens and writes its files itself, on the
//     thread that writes packets, through an io_open callback that
//     go-astiav does not expose: there is no way to report files to a
//     callback, to keep disk writes off the clock goroutine, or to resume
//     a persisted state of our own. Its variants (var_stream_map) each
//     decide their cuts from their own reference stream, so their EXTINF
//     lists differ when their codec frames do.
//   - github.com/bluenviron/gohlslib/v2 muxes access units in Go (its own
//     MPEG-TS and fMP4 writers) and serves one live sliding window from
//     memory through its handler: it writes no EVENT or VOD playlist, no
//     ENDLIST, no files to report or sync, no state to resume, and
//     several renditions with their own codecs would be several muxers,
//     each cutting on its own schedule. It would also need packets turned
//     into its access units, codec by codec, which FFmpeg's muxers do
//     for every codec they know.
//
// Writing the playlist and file layer over FFmpeg's muxers gives the
// shared grid, atomic files, persistence, callbacks, EVENT and VOD, at
// the price of the code in this package (the grid, the playlists, the
// writer goroutine and the handler).
//
// # Serving
//
// [Output.Handler] serves the files with their MIME types
// (application/vnd.apple.mpegurl, video/mp2t, audio/mp4 or video/mp4),
// CORS headers, Cache-Control: no-cache on playlists, byte ranges, and
// nothing but the output's own files.
package hls

// Package encode turns raw audio and video into encoded packets with
// FFmpeg (through go-astiav): codecs with their options, shared encoders
// inside a source graph, and a standalone multi-stream Encoder that writes
// a file or any io.Writer without a graph.
//
// # Codecs
//
// [AudioEncoder] encodes planar float32 PCM, in any chunk size, with any
// FFmpeg audio encoder: "aac" (AAC-LC, the default), "libmp3lame" (CBR, or
// VBR with [AudioOptions.VBR] and Quality), "libopus", "libvorbis",
// "flac", "pcm_s16le", ... Samples are resampled with swresample when the
// codec wants another sample format, rate (Opus: 48 kHz) or channel count,
// and regrouped in a FIFO into the codec's fixed frame size (AAC 1024, MP3
// 1152, Opus 960). [VideoEncoder] encodes [onair.Picture] values with
// "libx264" (the default) or another video encoder, scaling pictures of
// another size or pixel format with swscale.
//
// Options: the fields of [AudioOptions] and [VideoOptions] (bit rate,
// sample rate, channels, quality, profile, CRF, preset, keyframe interval,
// threads) and Options, a map of any FFmpeg codec option by name, as on
// the ffmpeg command line. An unknown option, or a value the codec
// rejects, is an [*OptionError] that names the option.
//
// Every codec is opened with the global-header flag: its extradata
// (AudioSpecificConfig, SPS/PPS, Opus/Vorbis/FLAC headers) is out of band,
// in [onair.StreamInfo].Extradata and Params, and the muxer adds what each
// container needs (ADTS headers, Annex B parameter sets). Timestamps are
// counted in samples (audio) or frames (video) from 0 and expressed in the
// stream's time base; packets are handed over by the send/receive loop,
// which handles EAGAIN.
//
// # Shared encoders
//
// [Audio] and [Video] wrap a graph source: the track is encoded once per
// tick, however many outputs read the result, and the frames carry a
// packet track ("audio" or "video" by default) on the input's frame grid,
// with its track marks and metadata. Combine several encoded renditions
// with [onair.Multitrack] ("audio_aac_low", "audio_aac_high",
// "audio_mp3", ...) and pick them again with [onair.Select] or a muxer's
// copy/drop selection. [Shared.Stats] counts the work done.
//
// Each shared encoder runs its codec on a goroutine of its own, so the
// encoders of one clock work in parallel, with each other and with the
// clock goroutine: the samples of 100 ms of frames are handed over at
// once, and the packets made from them are placed with the next 100 ms
// (100 to 200 ms later, on top of the codec's own delay, the same
// whatever the scheduling). The hand-off empties at once at a track
// mark, at the input's end and when the input fails, so it holds nothing
// back when the data stops.
// [TrackEncoder] is that engine without the graph node, for outputs that
// encode a track themselves.
//
// # Standalone encoder
//
// [Encoder] adds any number of audio and video streams, each with its own
// codec, rate, size and device, opens a path (container from the
// extension, or explicit) or an io.Writer (explicit format; fragmented MP4
// when the writer cannot seek), and takes samples and pictures
// incrementally. Its lifecycle is the explicit state machine of [State]:
// every operation the current state does not allow returns a
// [*StateError]; Close drains the codecs, writes the trailer, releases
// everything and is idempotent, also after an error.
//
// # Concurrency
//
// AudioEncoder and VideoEncoder are not safe for concurrent use. Encoder
// serialises its methods and those of its streams. A Shared source is
// driven by its clock's goroutine (its codec works on a goroutine of its
// own, started when the source first encodes and stopped when it goes to
// sleep); Stats is safe from any goroutine.
package encode

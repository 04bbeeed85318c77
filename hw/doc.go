// Package hw opens FFmpeg hardware device contexts (CUDA, VAAPI, QSV,
// VideoToolbox, Vulkan, ...) for hardware video decoding and encoding.
//
// # Device specs
//
// A device is named by a spec "type[:device]": the FFmpeg device type
// and an optional device string passed to FFmpeg as is, for instance
// "cuda", "cuda:1", "vaapi:/dev/dri/renderD128" or "qsv:hw". "" and "cpu"
// mean software. [Types] lists the types the linked FFmpeg build was
// compiled with (what "ffmpeg -hwaccels" prints); [ParseDevice] checks a
// spec and [Open] opens the device.
//
// # Who uses it
//
// Users rarely open devices themselves: they name one in an option and
// the FFmpeg-backed packages open it.
//
//   - decode.FileOptions.Device decodes a file's video stream on the
//     device; pictures are downloaded to memory (av_hwframe_transfer_data)
//     right after decoding, so that hardware surfaces return to their
//     pool, and converted to the graph format with swscale.
//   - encode.VideoOptions.Device encodes on the device: the codec named
//     by VideoOptions.Codec is mapped to the device's encoder of the same
//     family (libx264 on "cuda" is h264_nvenc, on "vaapi" h264_vaapi, on
//     "qsv" h264_qsv, ...); pictures are converted to the device's
//     software format (nv12 when it takes it) and uploaded into a
//     hardware frames context when the encoder wants hardware frames.
//     It applies to the shared graph encoders (encode.Video) and to each
//     video stream of the standalone encode.Encoder, so CPU and hardware
//     streams mix in one container.
//
// # Missing hardware
//
// Hardware is often missing: a build without the type, a machine without
// the GPU or driver, a codec the device cannot handle. Those failures are
// *[Error] values wrapping [ErrUnavailable]. By default the packages then
// fall back to software and log the reason once (a slog warning) per
// configured source or stream; with their StrictDevice option they
// return the error instead (errors.Is(err, hw.ErrUnavailable)). A type
// name FFmpeg does not know is always an error ([ErrUnknownType]): it is
// a typo, not missing hardware.
//
// # FFmpeg builds
//
// The FFmpeg 7.1 that scripts/ffmpeg.sh builds on Debian 12 has VAAPI
// (libva) but neither CUDA nor NVENC: Debian 12's nv-codec-headers are
// too old for FFmpeg 7.1. A build with them (Debian 13's headers) adds
// "cuda" to [Types] and the h264_nvenc/hevc_nvenc/av1_nvenc encoders.
// Note that data-center GPUs such as the H100 have NVDEC (decoding) but
// no NVENC (encoding).
package hw

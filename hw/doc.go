// Package hw will open hardware device contexts (CUDA, VAAPI, QSV,
// VideoToolbox, Vulkan) for hardware decoding and encoding, listing the
// device types the linked FFmpeg build supports and falling back to software
// with one logged reason when the hardware is missing.
//
// It is not implemented yet (see the project's issue on live input, speaker
// output and hardware acceleration); the package exists so that the layout
// of the module reads as its architecture.
package hw

// Package av holds the helpers shared by the FFmpeg-backed packages
// (decode, encode, mux, hw): errors at the FFmpeg boundary, conversions
// between onair types and go-astiav ones. It is not for users.
package av

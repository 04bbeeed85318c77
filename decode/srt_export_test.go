package decode

// SRTLive returns the live source behind s.
func SRTLive(s *SRTSource) *LiveSource { return s.live }

package rtc

import (
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/onair-go/onair/internal/logtest"
	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/require"
)

func TestPionLogLevels(t *testing.T) {
	var buf logtest.Buffer
	l := pionLogs{buf.Logger(slog.LevelDebug)}.NewLogger("ice")
	l.Trace("trace line")
	l.Infof("state %s", "checking")
	l.Warnf("candidate %d dropped", 3)
	l.Error("failed")
	out := buf.String()
	require.NotContains(t, out, "trace line", "trace is below Debug")
	require.Contains(t, out, `level=DEBUG msg="state checking" pion=ice`, "pion's Info is connection chatter: Debug")
	require.Contains(t, out, `level=WARN msg="candidate 3 dropped" pion=ice`)
	require.Contains(t, out, `level=ERROR msg=failed pion=ice`)
}

// Two peer connections of an API connect over loopback: pion's own lines
// about it reach the API's logger, not stderr.
func TestPionLogsReachTheLogger(t *testing.T) {
	var buf logtest.Buffer
	api, err := NewAPI(ICE{Loopback: true}, false, buf.Logger(slog.LevelDebug))
	require.NoError(t, err)
	defer api.Close()
	offerer, err := api.NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	defer offerer.Close()
	answerer, err := api.NewPeerConnection(webrtc.Configuration{})
	require.NoError(t, err)
	defer answerer.Close()
	_, err = offerer.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio)
	require.NoError(t, err)
	connected := make(chan struct{})
	var once sync.Once
	answerer.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s == webrtc.ICEConnectionStateConnected {
			once.Do(func() { close(connected) })
		}
	})
	offer, err := offerer.CreateOffer(nil)
	require.NoError(t, err)
	gathered := webrtc.GatheringCompletePromise(offerer)
	require.NoError(t, offerer.SetLocalDescription(offer))
	<-gathered
	require.NoError(t, answerer.SetRemoteDescription(*offerer.LocalDescription()))
	answer, err := answerer.CreateAnswer(nil)
	require.NoError(t, err)
	gathered = webrtc.GatheringCompletePromise(answerer)
	require.NoError(t, answerer.SetLocalDescription(answer))
	<-gathered
	require.NoError(t, offerer.SetRemoteDescription(*answerer.LocalDescription()))
	select {
	case <-connected:
	case <-time.After(20 * time.Second):
		t.Fatal("the peers did not connect")
	}
	require.Eventually(t, func() bool { return strings.Contains(buf.String(), "pion=ice") },
		10*time.Second, 10*time.Millisecond, "pion's ICE lines reach the logger: %s", buf.String())
}

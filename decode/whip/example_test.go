package whip_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/onair-go/onair"
	"github.com/onair-go/onair/decode/whip"
)

// A WHIP mount cutting into the music: DJs publish from a browser tab or
// OBS with the bearer token; a request without it is refused.
func Example() {
	srv, err := whip.NewServer(&whip.Options{Token: "hackme"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	dj, _ := srv.Mount("/dj", nil)
	music := onair.Sine(220, nil)
	show, _ := onair.Fallback([]onair.Source{dj, music}, &onair.SwitchOptions{Immediate: true})
	_ = show // encode it and add its outputs to a graph

	mux := http.NewServeMux()
	mux.Handle("/dj", srv)  // POST: a publisher's offer
	mux.Handle("/dj/", srv) // DELETE, PATCH: its session
	hs := httptest.NewServer(mux)
	defer hs.Close()
	resp, err := http.Post(hs.URL+"/dj", "application/sdp", strings.NewReader("v=0\r\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// 401 Unauthorized
}

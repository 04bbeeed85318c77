package icecast

import (
	"strconv"
	"time"
)

// State is where an output stands with its server.
type State uint8

const (
	// StateIdle: not started (the graph has not started, the source has
	// no data yet, or the output stopped).
	StateIdle State = iota
	// StateConnecting: connecting and waiting for the server's answer.
	StateConnecting
	// StateConnected: streaming.
	StateConnected
	// StateRetrying: the last attempt failed; waiting before the next.
	StateRetrying
	// StateFailed: [Options.OnError] gave up; [Status].Err says why.
	StateFailed
	// StateClosed: the output was closed.
	StateClosed
)

func (s State) String() string {
	switch s {
	case StateIdle:
		return "idle"
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateRetrying:
		return "retrying"
	case StateFailed:
		return "failed"
	case StateClosed:
		return "closed"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Status describes an output at one moment.
type Status struct {
	State State
	// Since is when the output entered State.
	Since time.Time
	// Connections counts the connections the server accepted.
	Connections int
	// LastError is the error of the last failed attempt or lost
	// connection; Err is the error the output gave up on (StateFailed).
	LastError, Err error
	// BytesSent is what was written to the server. BytesQueued waits in
	// the queue. BytesDropped was dropped because the queue was full (the
	// network was too slow), BytesDiscarded because its connection ended
	// before it was sent.
	BytesSent      int64
	BytesQueued    int
	BytesDropped   int64
	BytesDiscarded int64
	// FramesOffline counts the frames not sent because no connection was
	// open (they are not muxed: the next connection starts a new
	// container).
	FramesOffline int64
	// MetadataSent and MetadataFailed count the admin API updates; Song is
	// the last title the server accepted.
	MetadataSent, MetadataFailed int
	Song                         string
}

// Status returns the output's status. Safe from any goroutine.
func (o *Output) Status() Status {
	c := o.c
	c.mu.Lock()
	st := c.st
	c.mu.Unlock()
	st.BytesQueued, st.BytesDropped, st.BytesDiscarded = c.q.counts()
	st.BytesSent = c.sent.Load()
	st.FramesOffline = c.offline.Load()
	return st
}

// setState records a new state; err, when set, becomes LastError (and Err
// for StateFailed).
func (c *client) setState(s State, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.st.State == StateClosed {
		return
	}
	if c.st.State != s {
		c.st.State, c.st.Since = s, time.Now()
	}
	if err != nil {
		c.st.LastError = err
		if s == StateFailed {
			c.st.Err = err
		}
	}
}

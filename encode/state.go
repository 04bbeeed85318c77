package encode

// State is a state of the [Encoder] lifecycle:
//
//	Created ─add─▶ Initialized ─open─▶ HeaderWritten ─write─▶ Encoding
//	                                                             │ close
//	                                                             ▼
//	                                           Closed ◀─────── Draining
//
// Any failure moves the encoder to StateFailed (the Error state), from which only Close is
// allowed (it releases everything and writes the trailer when the header
// was written). Close is allowed from every state and is idempotent; from
// Created and Initialized it releases the codecs without writing a file.
type State uint8

const (
	// StateCreated: no stream added yet.
	StateCreated State = iota
	// StateInitialized: streams added and their codecs opened; no output
	// opened yet.
	StateInitialized
	// StateHeaderWritten: the output is open and its header written.
	StateHeaderWritten
	// StateEncoding: samples or frames have been written.
	StateEncoding
	// StateDraining: Close is flushing the codecs and the muxer.
	StateDraining
	// StateClosed: everything released.
	StateClosed
	// StateFailed is the Error state: an operation failed; only Close is
	// allowed.
	StateFailed
)

var stateNames = [...]string{"created", "initialized", "header-written", "encoding", "draining", "closed", "error"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Operations of the lifecycle, as named in a [StateError].
const (
	opAddStream = "add_stream"
	opOpen      = "open"
	opWrite     = "write"
	opClose     = "close"
)

// transitions is the lifecycle table: for each state, the operations
// allowed and the state they lead to. Close is handled separately (always
// allowed); failures lead to StateFailed from any state but Closed.
var transitions = map[State]map[string]State{
	StateCreated:       {opAddStream: StateInitialized},
	StateInitialized:   {opAddStream: StateInitialized, opOpen: StateHeaderWritten},
	StateHeaderWritten: {opWrite: StateEncoding},
	StateEncoding:      {opWrite: StateEncoding},
}

// lifecycle tracks an Encoder's state and checks each transition.
type lifecycle struct {
	state State
	cause error // why the state is StateFailed
}

// check returns the state op leads to, or a *StateError.
func (l *lifecycle) check(op string) (State, error) {
	if next, ok := transitions[l.state][op]; ok {
		return next, nil
	}
	return l.state, &StateError{Op: op, State: l.state, Err: l.cause}
}

// fail records err and moves to StateFailed (unless closed). It returns err.
func (l *lifecycle) fail(err error) error {
	if l.state != StateClosed && l.state != StateFailed {
		l.state = StateFailed
		l.cause = err
	}
	return err
}

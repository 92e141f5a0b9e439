// Package live runs a room while it is in session: the commands participants send, the events
// they cause, what each role may see of them, and the server-side question timers.
//
// API AGREED WITH THE WEBSOCKET LAYER (kept up to date; read this first)
//
//	e := live.NewEngine(live.Config{Store: store, Rooms: rooms, Questions: qs, Bus: bus, Logger: l})
//	    // store: redisstore.NewLiveStore(conn.Client, keys, conn.Sharded(), redisstore.WithWaitingTTL(ttl))
//	    // bus:   redisstore.NewLiveBus(conn.Client, keys, conn.Sharded())
//	go e.Run(ctx)                                        // timer poller + fan-out; returns when ctx is done
//	m, err := e.Join(ctx, roomID, principal)             // live.Member{UserID, Role, DisplayName}; KindForbidden if not a participant
//	snap, err := e.Snapshot(ctx, roomID, userID)         // live.Snapshot, already filtered for the user's current role
//	evs, ok, err := e.EventsAfter(ctx, roomID, pos, max) // ok=false: too old (> ResumeWindow), ahead, or epoch/id mismatch → snapshot, recovered:false
//	res, err := e.Execute(ctx, roomID, principal, cmd)   // live.Command{ClientID, Seq, Type, Data}; live.Result{Position, Duplicate, Version}
//	err := e.Presence(ctx, roomID, principal, selectionJSON) // ephemeral cursor/selection; published, never stored
//	err := e.Leave(ctx, roomID, principal)
//
// A participant's role can change mid-session in peer rooms (roles.swapped): take it from the
// latest roles.swapped event or a fresh Join/Snapshot, and filter with Visible accordingly.
//
// Fan-out (decision): the Engine owns a per-node Fanout (e.Fanout()). The WebSocket layer
// registers ONE listener per socket:
//
//	id, err := e.Fanout().Add(ctx, roomID, live.ListenerFunc(func(ev live.Event) { ... }))
//	defer e.Fanout().Remove(ctx, roomID, id)
//
// The node subscribes to the room's channel when the first local listener of a room arrives and
// unsubscribes when the last leaves. Each event is decoded once per node and handed to every
// listener of the room in log order, on the fan-out goroutine: the listener MUST NOT block (do a
// non-blocking enqueue; close the socket with the "slow consumer" code when its queue is full and
// let it resume from its last position). Listeners receive UNFILTERED events: the WebSocket layer
// calls Visible(ev, user, role) per connection before encoding, and sockets with the same
// AudienceKey share one encoded frame (a SharedListener receives the Delivery that holds it). Ephemeral events (Type "presence") have
// Offset 0 and are not part of the log; they may be shed.
//
// Role filtering: Visible gives an event's private part (and an InterviewerOnly event) to the one
// person it is For when set — a note's author, the interviewer of the half a peer question was
// asked in — and otherwise follows ForRole, which strips Private for candidate and observer and
// drops InterviewerOnly events for them. A dropped event leaves a gap in the offsets the candidate sees; that is
// intended (offsets are positions in the room's log, not a per-role counter). A client resumes
// from the last position it saw; EventsAfter checks that position against the log, so gaps
// caused by filtering are never mistaken for loss.
package live

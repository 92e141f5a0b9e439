// Package ws is the WebSocket adapter of the live room: it upgrades authenticated sockets,
// decodes client frames strictly, hands commands to the live engine, and writes the room's
// events to each socket filtered for that socket's role. The protocol it speaks is documented in
// api/protocol.md, with a JSON Schema per frame in api/schemas/.
//
// Each socket has exactly two goroutines: a reader (read limit, read deadline extended by pongs,
// commands executed in order) and a writer (ping ticker, write deadline on every write, draining
// a queue capped in bytes). Nothing else touches the connection: the node's fan-out and the
// session sweeper only enqueue frames or ask the writer to close, and never block on a socket.
// A socket whose queue overflows with durable events is closed with CloseSlowConsumer and
// resumes from its last position; ephemeral presence frames are shed first.
package ws

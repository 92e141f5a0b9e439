package redisstore

import (
	"context"
	"errors"
	"sync"

	"github.com/redis/go-redis/v9"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Appends of many rooms share round trips ("natural batching"). At most one send of the
// append script is in flight per store at a time. A caller that finds nothing in flight sends
// its own request at once, on its own goroutine and with its own context, exactly as an
// unbatched store would: an idle node adds no hand-off and no wait to a keystroke. Callers that
// arrive while a send is in flight queue up; when the send returns, the store's one batching
// goroutine takes everything queued (up to maxBatch) and sends it as ONE pipeline of EVALSHA
// commands, and keeps doing so until the queue is empty. Under load the batch grows with the
// round trip, so Redis sees one read and one write per batch instead of one per push. On a
// Cluster, go-redis splits the pipeline per node; a room's keys share a slot, so a room's
// appends stay on one connection in the order they were queued.
//
// Cancellation: a caller whose context ends while queued returns at once with the context's
// error. If its request was still in the queue it is withdrawn and never sent; if it was
// already part of a batch on the wire it may still be applied, and its result is discarded.
// That is the same as an acknowledgement lost on the network today: the client sends the
// command again with the same (client id, seq), and the append script's idempotency record
// answers with the original result instead of appending twice.

const (
	// maxBatch bounds one pipeline: large enough to absorb a burst from a thousand rooms in a
	// few round trips, small enough that one reply does not hold a caller for long.
	maxBatch = 128
	// maxQueued bounds what may wait for the next pipeline. Pushes of one room are sequential
	// (the engine holds the room while it appends), so the queue holds at most one push per
	// busy room; more than this means the node is far past what Redis serves in time, and the
	// caller is told to retry rather than queue without bound.
	maxQueued = 4096
)

// errBatcherClosed is returned to appends made after Close or still queued when it ran.
var errBatcherClosed = mockroom.Errorf(mockroom.KindUnavailable, "store_closed", "the store is shutting down; try again")

// errBatcherFull is returned when maxQueued appends already wait.
var errBatcherFull = mockroom.Errorf(mockroom.KindUnavailable, "store_busy", "the store is overloaded; try again")

// The same batching serves, through Lookups, the short commands a socket's hand-shake makes of
// every store (the session check, the ticket's spend, the seat and the room's revision, two
// fields of the live state, the missed events, presence leases and presence events), so that
// thousands of sockets connecting or coming back at once share round trips too. Those commands
// do not need the batcher: when it is closed or full they go out on their own.

// queuedCommand is one queued command: a run of a script, or a plain command.
type queuedCommand struct {
	ctx context.Context
	// script is the script args runs (EVALSHA, its hash, the key count, keys, arguments), loaded
	// again if the server lost it; nil for a plain command.
	script *redis.Script
	args   []any
	// set by the sender before done is closed
	res  any
	err  error
	done chan struct{}
}

// commandBatcher pipelines commands; see the comment at the top of this file.
type commandBatcher struct {
	client redis.UniversalClient

	mu     sync.Mutex
	busy   bool // a send is in flight; whoever ends it hands the queue on
	closed bool
	queue  []*queuedCommand

	kick   chan struct{} // hands the queue to the goroutine; capacity 1
	quit   chan struct{}
	exited chan struct{}

	// queued, if set (tests), is called with the queue length after each enqueue, under mu.
	queued func(n int)
}

func newCommandBatcher(client redis.UniversalClient) *commandBatcher {
	b := &commandBatcher{
		client: client,
		kick:   make(chan struct{}, 1), quit: make(chan struct{}), exited: make(chan struct{}),
	}
	go b.loop()
	return b
}

// run sends one caller's command and returns its reply: args is the whole command, an EVALSHA
// of script (see evalShaCommand) or, with script nil, a plain command.
func (b *commandBatcher) run(ctx context.Context, script *redis.Script, args []any) (any, error) {
	b.mu.Lock()
	switch {
	case b.closed:
		b.mu.Unlock()
		return nil, errBatcherClosed
	case !b.busy:
		// Nothing in flight: send now, from this goroutine, with this context.
		b.busy = true
		b.mu.Unlock()
		res, err := runScript(ctx, b.client, script, args)
		b.handOn()
		return res, err
	case len(b.queue) >= maxQueued:
		b.mu.Unlock()
		return nil, errBatcherFull
	}
	c := &queuedCommand{ctx: ctx, script: script, args: args, done: make(chan struct{})}
	b.queue = append(b.queue, c)
	if b.queued != nil {
		b.queued(len(b.queue))
	}
	b.mu.Unlock()
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		b.withdraw(c)
		return nil, ctx.Err()
	}
}

// handOn ends a send: the queue, if any, goes to the goroutine, which stays busy for it.
func (b *commandBatcher) handOn() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		b.busy = false
		return
	}
	b.kick <- struct{}{} // never blocks: only the one holder of busy sends, and the loop drains
}

// withdraw removes c from the queue if it has not been taken yet.
func (b *commandBatcher) withdraw(c *queuedCommand) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, q := range b.queue {
		if q == c {
			b.queue = append(b.queue[:i], b.queue[i+1:]...)
			return
		}
	}
}

func (b *commandBatcher) loop() {
	defer close(b.exited)
	for {
		select {
		case <-b.quit:
			return
		case <-b.kick:
		}
		for {
			b.mu.Lock()
			n := min(len(b.queue), maxBatch)
			if n == 0 {
				b.busy = false
				b.mu.Unlock()
				break
			}
			batch := make([]*queuedCommand, n)
			copy(batch, b.queue)
			b.queue = append(b.queue[:0], b.queue[n:]...)
			b.mu.Unlock()
			b.send(batch)
		}
	}
}

// send runs batch as one pipeline and answers every caller. The pipeline's context keeps the
// first caller's values but none of the callers' cancellation: one caller giving up must not
// fail the others' appends (each caller stops waiting on its own context instead).
func (b *commandBatcher) send(batch []*queuedCommand) {
	// A caller that has already given up is not sent at all (it is withdrawing, or about to).
	waiting := batch[:0]
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.err = err
			close(c.done)
			continue
		}
		waiting = append(waiting, c)
	}
	if batch = waiting; len(batch) == 0 {
		return
	}
	ctx := context.WithoutCancel(batch[0].ctx)
	scripts := make([]*redis.Script, len(batch))
	commands := make([][]any, len(batch))
	for i, c := range batch {
		scripts[i], commands[i] = c.script, c.args
	}
	for i, cmd := range pipelineCommands(ctx, b.client, scripts, commands) {
		batch[i].res, batch[i].err = cmd.Result()
		close(batch[i].done)
	}
}

// Lookups pipelines the hand-shake's short commands of many callers (see the top of this file);
// the stores given it (WithLookups) send those commands through it. A nil *Lookups sends each
// command alone. Close it when done: commands made after that go alone.
type Lookups struct{ b *commandBatcher }

// NewLookups returns a Lookups on client, with its goroutine.
func NewLookups(client redis.UniversalClient) *Lookups {
	return &Lookups{b: newCommandBatcher(client)}
}

// Close stops the goroutine once a pipeline in flight has answered; commands still queued, and
// any made later, go out alone.
func (l *Lookups) Close() {
	if l != nil {
		l.b.close()
	}
}

// do sends one command (args: the whole command; an EVALSHA of script, or a plain command with
// script nil) through l, or alone on client when l is nil, closed or full.
func (l *Lookups) do(ctx context.Context, client redis.UniversalClient, script *redis.Script, args ...any) (any, error) {
	if l != nil {
		res, err := l.b.run(ctx, script, args)
		if err != errBatcherClosed && err != errBatcherFull {
			return res, err
		}
	}
	return runScript(ctx, client, script, args)
}

// runScript sends one command (args: the whole command, as queuedCommand holds it) and, if it is
// an EVALSHA of script and the server does not have the script, loads it and sends it again.
func runScript(ctx context.Context, client redis.UniversalClient, script *redis.Script, args []any) (any, error) {
	res, err := client.Do(ctx, args...).Result()
	if script != nil && isNoScript(err) {
		if err := script.Load(ctx, client).Err(); err != nil {
			return nil, err
		}
		res, err = client.Do(ctx, args...).Result()
	}
	return res, err
}

// evalShaCommand is the whole EVALSHA command of script with keys and args, as runScript and
// pipelineScript take it.
func evalShaCommand(script *redis.Script, keys []string, args ...any) []any {
	cmd := make([]any, 0, 3+len(keys)+len(args))
	cmd = append(cmd, "evalsha", script.Hash(), len(keys))
	for _, k := range keys {
		cmd = append(cmd, k)
	}
	return append(cmd, args...)
}

// pipelineScript sends commands, each an EVALSHA of script (see evalShaCommand), in one pipeline
// (on a Cluster, go-redis splits it by node; each command's keys must share a slot, commands of
// different rooms need not) and returns each command's reply, in order; every command carries its
// own error.
func pipelineScript(ctx context.Context, client redis.UniversalClient, script *redis.Script, commands [][]any) []*redis.Cmd {
	scripts := make([]*redis.Script, len(commands))
	for i := range scripts {
		scripts[i] = script
	}
	return pipelineCommands(ctx, client, scripts, commands)
}

// pipelineCommands sends commands in one pipeline, as pipelineScript does; commands[i] is an
// EVALSHA of scripts[i], or a plain command where scripts[i] is nil.
func pipelineCommands(ctx context.Context, client redis.UniversalClient, scripts []*redis.Script, commands [][]any) []*redis.Cmd {
	cmds := execCommands(ctx, client, commands)
	var missing []int
	for i, cmd := range cmds {
		if scripts[i] != nil && isNoScript(cmd.Err()) {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return cmds
	}
	// The server lost its script cache (restart, failover, SCRIPT FLUSH): nothing of those
	// commands ran, so load each of their scripts once and send them again.
	loaded := map[string]error{}
	var retry [][]any
	var retried []int
	for _, i := range missing {
		hash := scripts[i].Hash()
		err, done := loaded[hash]
		if !done {
			err = scripts[i].Load(ctx, client).Err()
			loaded[hash] = err
		}
		if err != nil {
			cmds[i].SetErr(err)
			continue
		}
		retry, retried = append(retry, commands[i]), append(retried, i)
	}
	if len(retry) == 0 {
		return cmds
	}
	for j, cmd := range execCommands(ctx, client, retry) {
		cmds[retried[j]] = cmd
	}
	return cmds
}

func execCommands(ctx context.Context, client redis.UniversalClient, commands [][]any) []*redis.Cmd {
	cmds := make([]*redis.Cmd, len(commands))
	pipe := client.Pipeline()
	for i, c := range commands {
		cmds[i] = pipe.Do(ctx, c...)
	}
	_, _ = pipe.Exec(ctx) // each command carries its own error
	return cmds
}

func isNoScript(err error) bool {
	return err != nil && (errors.Is(err, redis.ErrNoScript) || redis.HasErrorPrefix(err, "NOSCRIPT"))
}

// close fails every queued call and stops the goroutine once its send in flight (if any) has
// answered its callers. Calls after close fail at once.
func (b *commandBatcher) close() {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return
	}
	b.closed = true
	queued := b.queue
	b.queue = nil
	b.mu.Unlock()
	for _, c := range queued {
		c.err = errBatcherClosed
		close(c.done)
	}
	close(b.quit)
	<-b.exited
}

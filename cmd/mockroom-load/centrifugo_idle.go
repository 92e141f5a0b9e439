package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// centrifugoHeld is the idle workload against Centrifugo: two connections per channel, as two
// sockets per room against mockroom, each connected and subscribed, then only listening
// (answering the server's pings, which is all an idle client does).
type centrifugoHeld struct {
	cfg   config
	runID string

	mu      sync.Mutex
	socks   []*cfSock
	reasons map[string]int
	closing bool
	loops   sync.WaitGroup
}

func newCentrifugoHeld(cfg config) *centrifugoHeld {
	return &centrifugoHeld{cfg: cfg, runID: strconv.FormatInt(time.Now().UnixNano()%1e9, 36), reasons: map[string]int{}}
}

func (c *centrifugoHeld) connectAll(ctx context.Context) error {
	socks := make([]*cfSock, c.cfg.sockets)
	err := parallel(ctx, c.cfg.sockets, c.cfg.concurrency, func(ctx context.Context, i int) error {
		channel := c.cfg.channelPrefix + c.runID + "-" + strconv.Itoa(i/2)
		s, err := cfConnect(ctx, c.cfg.urls[i%len(c.cfg.urls)], channel)
		if err != nil {
			return fmt.Errorf("socket %d: %w", i, err)
		}
		socks[i] = s
		c.loops.Add(1)
		go func() {
			defer c.loops.Done()
			c.listen(s)
		}()
		return nil
	})
	c.mu.Lock()
	for _, s := range socks {
		if s != nil {
			c.socks = append(c.socks, s)
		}
	}
	c.mu.Unlock()
	if err != nil {
		c.closeAll()
	}
	return err
}

func (c *centrifugoHeld) listen(s *cfSock) {
	for {
		_, raw, err := s.ws.ReadMessage()
		if err != nil {
			c.mu.Lock()
			if !c.closing {
				c.reasons[closeCode(err)]++
			}
			c.mu.Unlock()
			return
		}
		splitMessages(raw, func(msg []byte) { s.pongIfPing(msg) })
	}
}

func (c *centrifugoHeld) closeAll() {
	c.mu.Lock()
	c.closing = true
	socks := c.socks
	c.socks = nil
	c.mu.Unlock()
	for _, s := range socks {
		s.close()
	}
	c.loops.Wait()
}

func (c *centrifugoHeld) closedEarly() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.reasons))
	for k, v := range c.reasons {
		out[k] = v
	}
	return out
}

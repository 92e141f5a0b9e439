package live

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// docSaveTimeout bounds one materialisation of a document in the store.
const docSaveTimeout = 10 * time.Second

// docSaver materialises documents (every SnapshotEvery versions) off the keystroke path: the
// push that crosses a multiple of SnapshotEvery hands its document over and returns; one
// goroutine, started when there is work and ending when there is none, writes them to the store.
// A room's newer document replaces an older one still waiting, and the store keeps a newer
// version over an older one whatever the order of the writes (SaveDoc), so nothing is written
// twice and nothing goes back. A document is only a shortcut for reading the log: one that is
// not saved (the store was down) costs a later reader a longer tail of the log, never an edit.
type docSaver struct {
	store Store
	log   *slog.Logger

	mu      sync.Mutex
	pending map[mockroom.RoomID]DocSnapshot
	running bool
	idle    *sync.Cond // signalled when the saver stops with nothing left to do
}

func newDocSaver(store Store, log *slog.Logger) *docSaver {
	s := &docSaver{store: store, log: log, pending: map[mockroom.RoomID]DocSnapshot{}}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// save queues doc for room and returns at once.
func (s *docSaver) save(room mockroom.RoomID, doc DocSnapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.pending[room]; ok && old.Version >= doc.Version {
		return
	}
	s.pending[room] = doc
	if !s.running {
		s.running = true
		go s.loop()
	}
}

func (s *docSaver) loop() {
	for {
		s.mu.Lock()
		var room mockroom.RoomID
		var doc DocSnapshot
		found := false
		for r, d := range s.pending {
			room, doc, found = r, d, true
			delete(s.pending, r)
			break
		}
		if !found {
			s.running = false
			s.idle.Broadcast()
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		// Detached on purpose: the push that queued the document has returned, and Run waits for
		// these writes on its way out, after its own context is done; docSaveTimeout bounds each.
		ctx, cancel := context.WithTimeout(context.Background(), docSaveTimeout)
		if err := s.store.SaveDoc(ctx, room, doc); err != nil {
			s.log.Warn("materialise document", "room_id", room, "version", doc.Version, "err", err)
		}
		cancel()
	}
}

// wait returns once every document queued so far has been written (or failed to be).
func (s *docSaver) wait() {
	s.mu.Lock()
	for s.running {
		s.idle.Wait()
	}
	s.mu.Unlock()
}

// SavedDocs waits until every document the engine queued for materialising so far has been
// written to the store (or its write failed). Run calls it on the way out; tests call it before
// reading the store.
func (e *Engine) SavedDocs() { e.docs.wait() }

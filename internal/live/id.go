package live

import (
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"sync/atomic"
)

// NewIDSource returns a generator of event ids unique across nodes and restarts: a random
// per-source prefix and a counter. An id only has to differ from any id that could have been
// issued at the same offset before (to detect a log that lost its tail), so it need not be
// unguessable, and a counter is far cheaper than fresh randomness per event.
func NewIDSource() func() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	prefix := base64.RawURLEncoding.EncodeToString(b[:])
	var n atomic.Uint64
	return func() string {
		return prefix + strconv.FormatUint(n.Add(1), 36)
	}
}

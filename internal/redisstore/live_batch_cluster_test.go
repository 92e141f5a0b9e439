package redisstore

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// On a Cluster, go-redis splits each pipeline by node; every room's appends must still come
// back right and in order, and a script cache flushed on every master is loaded again.
func TestPipelinedAppendsOnCluster(t *testing.T) {
	c := redistest.StartCluster(t)
	if c == nil {
		return
	}
	client := c.Client(t)
	hook := &roundHook{}
	client.AddHook(hook)
	keys := Keys{Prefix: redistest.Prefix(t)}
	store := NewLiveStore(client, keys, true, WithPipelinedAppends())
	t.Cleanup(func() { _ = store.Close() })

	const perMaster, each = 10, 10
	ids := spreadRooms(t, client, keys, perMaster)
	typeAll := func(from int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, len(ids))
		for _, room := range ids {
			wg.Go(func() {
				for i := from; i < from+each; i++ {
					res, err := store.Append(t.Context(), room, note(string(room), i))
					if err == nil && (res.Duplicate || res.Head.Offset != mockroom.EventOffset(i+1)) {
						err = fmt.Errorf("got %+v", res)
					}
					if err != nil {
						errs <- fmt.Errorf("%s append %d: %w", room, i, err)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	before := hook.n.Load()
	typeAll(0)
	if n := hook.n.Load() - before; n >= int64(len(ids)*each) {
		t.Errorf("%d appends took %d round trips, want fewer", len(ids)*each, n)
	}
	for i := range c.Addrs {
		if err := c.Node(t, i).ScriptFlush(t.Context()).Err(); err != nil {
			t.Fatal(err)
		}
	}
	typeAll(each)
	for _, room := range ids {
		want := make([]string, 2*each)
		for i := range want {
			want[i] = fmt.Sprintf("%s#%d", room, i)
		}
		_, evs, err := store.Read(t.Context(), room, 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]string, len(evs))
		for i, ev := range evs {
			got[i] = noteOf(t, ev)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("log of %s (-want +got):\n%s", room, diff)
		}
	}
}

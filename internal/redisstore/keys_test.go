package redisstore

import (
	"reflect"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// roomKeys calls every Keys method whose first argument is a RoomID, filling any further
// arguments with zero values, so a key builder added later is covered without editing this test.
func roomKeys(t *testing.T, k Keys, room mockroom.RoomID) map[string]string {
	t.Helper()
	out := map[string]string{}
	v := reflect.ValueOf(k)
	roomType := reflect.TypeOf(mockroom.RoomID(""))
	for i := 0; i < v.NumMethod(); i++ {
		m := v.Type().Method(i)
		mt := v.Method(i).Type()
		if mt.NumIn() == 0 || mt.In(0) != roomType || mt.NumOut() != 1 || mt.Out(0).Kind() != reflect.String {
			continue
		}
		args := []reflect.Value{reflect.ValueOf(room)}
		for j := 1; j < mt.NumIn(); j++ {
			args = append(args, reflect.Zero(mt.In(j)))
		}
		out[m.Name] = v.Method(i).Call(args)[0].String()
	}
	return out
}

func TestRoomKeysShareOneClusterSlot(t *testing.T) {
	srv := redistest.StartWithArgs(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	client := srv.Client(t)
	k := Keys{Prefix: "mockroom"}
	for _, room := range []mockroom.RoomID{"r1", "0b6c1f2e-9d1e-4b55-8a1f-3c2d4e5f6a7b"} {
		keys := roomKeys(t, k, room)
		if len(keys) < 1 {
			t.Fatal("found no room key builders")
		}
		slots := map[int64][]string{}
		for name, key := range keys {
			if !strings.Contains(key, "{room:"+string(room)+"}") {
				t.Errorf("%s = %q lacks the room hash tag", name, key)
			}
			slot, err := client.ClusterKeySlot(t.Context(), key).Result()
			if err != nil {
				t.Fatalf("CLUSTER KEYSLOT %s: %v", key, err)
			}
			slots[slot] = append(slots[slot], name)
		}
		if len(slots) != 1 {
			t.Errorf("room %s keys span %d slots: %v", room, len(slots), slots)
		}
	}
}

// TestLiveStoredKeys: the keys cut from one allocation are the builders' own keys, in the order
// the writing scripts take them (live_lib.lua), with the channel last when asked for.
func TestLiveStoredKeys(t *testing.T) {
	k := Keys{Prefix: "mockroom"}
	for _, room := range []mockroom.RoomID{"r1", "0b6c1f2e-9d1e-4b55-8a1f-3c2d4e5f6a7b"} {
		want := []string{k.LiveState(room), k.LiveLog(room), k.LiveClients(room), k.LiveChat(room),
			k.LiveNotes(room), k.LiveDoc(room), k.LivePresence(room)}
		got := k.LiveStored(room, false, 2)
		if !reflect.DeepEqual(got, want) || cap(got) != len(want)+2 {
			t.Errorf("LiveStored(%s, false, 2) = %q (cap %d), want %q (cap %d)", room, got, cap(got), want, len(want)+2)
		}
		want = append(want, k.LiveChannel(room))
		if got := k.LiveStored(room, true, 0); !reflect.DeepEqual(got, want) {
			t.Errorf("LiveStored(%s, true, 0) = %q, want %q", room, got, want)
		}
	}
}

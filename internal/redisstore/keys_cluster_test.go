package redisstore

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redistest"
)

// entityArgs fills a key builder's arguments: the entity it is about first (a room, a user, a
// queue's track and level), then fixed values for the rest.
func entityArgs(mt reflect.Type, entity string, extra int) []reflect.Value {
	args := make([]reflect.Value, mt.NumIn())
	for i := range args {
		in := mt.In(i)
		switch {
		case i == 0 && in.Kind() == reflect.String:
			args[i] = reflect.ValueOf(entity).Convert(in)
		case in == reflect.TypeOf(mockroom.Difficulty("")):
			args[i] = reflect.ValueOf(mockroom.Difficulty("junior"))
		case in.Kind() == reflect.String:
			args[i] = reflect.ValueOf(fmt.Sprintf("part%d", extra)).Convert(in)
		case in.Kind() == reflect.Int:
			args[i] = reflect.ValueOf(extra).Convert(in)
		default:
			args[i] = reflect.Zero(in)
		}
	}
	return args
}

// TestKeysOfOneEntityShareASlotOnACluster builds every key of every builder in Keys on a real
// cluster and asks the cluster for its slot: all keys of one room, one user, one matching queue
// must report the same slot (their scripts touch them together), every key must carry a hash
// tag (so it shards by entity rather than by its full name), and ClusterSlot, which the bus
// uses to group rooms, must agree with the server.
func TestKeysOfOneEntityShareASlotOnACluster(t *testing.T) {
	c := redistest.StartCluster(t)
	if c == nil {
		return
	}
	client := c.Client(t)
	ctx := t.Context()
	k := Keys{Prefix: "mockroom"}
	// Builders that are not keys of an entity: the one deployment-wide pub/sub channel.
	notEntityKeys := map[string]bool{"MatchNotify": true}

	slotOf := func(key string) int64 {
		t.Helper()
		slot, err := client.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			t.Fatalf("CLUSTER KEYSLOT %s: %v", key, err)
		}
		if own := ClusterSlot(key); int64(own) != slot {
			t.Errorf("ClusterSlot(%q) = %d, the cluster says %d", key, own, slot)
		}
		return slot
	}

	v := reflect.ValueOf(k)
	entities := []string{"r1", "0b6c1f2e-9d1e-4b55-8a1f-3c2d4e5f6a7b", "u-42", "python-developer"}
	covered := map[string]bool{}
	for _, entity := range entities {
		// slots of one entity, grouped by the entity's kind (the builder's first parameter type)
		byKind := map[reflect.Type]map[int64][]string{}
		for i := 0; i < v.NumMethod(); i++ {
			m := v.Type().Method(i)
			mt := v.Method(i).Type()
			if mt.NumOut() != 1 || mt.Out(0).Kind() != reflect.String || mt.NumIn() == 0 || notEntityKeys[m.Name] {
				continue
			}
			if m.Name == "LiveChannelRoom" { // the inverse of LiveChannel, not a builder
				continue
			}
			covered[m.Name] = true
			for extra := range 2 {
				key := v.Method(i).Call(entityArgs(mt, entity, extra))[0].String()
				open, end := strings.IndexByte(key, '{'), strings.IndexByte(key, '}')
				if open < 0 || end < open+2 {
					t.Errorf("%s = %q has no hash tag", m.Name, key)
				}
				kind := mt.In(0)
				if byKind[kind] == nil {
					byKind[kind] = map[int64][]string{}
				}
				// Plain strings (an email, a token hash, a ticket) and ints (a timer shard) are each
				// their own entity: only the same call must give the same slot.
				if kind.Kind() != reflect.String || kind == reflect.TypeOf("") {
					slot := slotOf(key)
					if again := slotOf(key); again != slot {
						t.Errorf("%s: slot changed", m.Name)
					}
					continue
				}
				slot := slotOf(key)
				byKind[kind][slot] = append(byKind[kind][slot], m.Name)
			}
		}
		for kind, slots := range byKind {
			if len(slots) > 1 {
				t.Errorf("keys of %s %q span %d slots: %v", kind.Name(), entity, len(slots), slots)
			}
		}
	}
	for _, must := range []string{"LiveState", "LiveLog", "LiveChannel", "Room", "RoomParticipants", "User", "Session",
		"UserRooms", "UserMatchMarker", "BankQuestions", "MatchQueue", "MatchDue", "LiveTimers", "Ticket", "UserEmail"} {
		if !covered[must] {
			t.Errorf("builder %s was not checked", must)
		}
	}

	// ClusterSlot against the server on keys with odd braces.
	rng := rand.New(rand.NewPCG(1, 2))
	odd := []string{"", "{", "}", "{}", "{}x", "a{}b{c}", "a{b}{c}", "{{x}}", "x{y", "x}y{z}", "é{ü}"}
	for range 200 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteByte("ab{}:-"[rng.IntN(6)])
		}
		odd = append(odd, b.String())
	}
	for _, key := range odd {
		slotOf(key)
	}
}

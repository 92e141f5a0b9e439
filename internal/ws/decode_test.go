package ws

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeCommand(t *testing.T) {
	cases := []struct {
		name, in string
		want     Command
		code     string
	}{
		{name: "join fresh", in: `{"type":"join","seq":1,"client_id":"c1","resume":null}`,
			want: Command{Type: TypeJoin, Seq: 1, ClientID: "c1", Payload: []byte(`{"client_id":"c1","resume":null}`)}},
		{name: "join keeps its token out of the payload", in: `{"type":"join","seq":1,"client_id":"c1","resume":null,"access_token":"abc"}`,
			want: Command{Type: TypeJoin, Seq: 1, ClientID: "c1", AccessToken: "abc", Payload: []byte(`{"client_id":"c1","resume":null}`)}},
		{name: "join with an empty token", in: `{"type":"join","seq":1,"client_id":"c1","resume":null,"access_token":""}`, code: "bad_field"},
		{name: "chat", in: ` {"text":"hé 🙂","seq":7,"type":"chat.send"} `,
			want: Command{Type: TypeChatSend, Seq: 7, Payload: []byte(`{"text":"hé 🙂"}`)}},
		{name: "presence without seq", in: `{"type":"presence","selection":{"main":0,"ranges":[{"anchor":1,"head":3}]}}`,
			want: Command{Type: TypePresence, Payload: []byte(`{"selection":{"main":0,"ranges":[{"anchor":1,"head":3}]}}`)}},
		{name: "refresh keeps the token out of the payload", in: `{"type":"auth.refresh","seq":3,"access_token":"abc"}`,
			want: Command{Type: TypeAuthRefresh, Seq: 3, AccessToken: "abc", Payload: []byte(`{}`)}},
		{name: "duplicate", in: `{"type":"ping","seq":1,"seq":2}`, code: "duplicate_key"},
		{name: "unknown field", in: `{"type":"ping","seq":1,"x":0}`, code: "unknown_field"},
		{name: "seq zero", in: `{"type":"ping","seq":0}`, code: "bad_field"},
		{name: "seq string", in: `{"type":"ping","seq":"1"}`, code: "bad_field"},
		{name: "seq too big", in: `{"type":"ping","seq":9007199254740992}`, code: "bad_field"},
		{name: "negative", in: `{"type":"timer.extend","seq":1,"seconds":-5}`, code: "bad_field"},
		{name: "bool as string", in: `{"type":"editor.lock","seq":1,"locked":"true"}`, code: "bad_field"},
		{name: "client id charset", in: `{"type":"join","seq":1,"client_id":"a b","resume":null}`, code: "bad_field"},
		{name: "resume extra field", in: `{"type":"join","seq":1,"client_id":"a","resume":{"epoch":"e","offset":1,"event_id":"x","y":1}}`, code: "bad_field"},
		{name: "resume offset zero", in: `{"type":"join","seq":1,"client_id":"a","resume":{"epoch":"e","offset":0,"event_id":"x"}}`, code: "bad_field"},
		{name: "empty updates", in: `{"type":"editor.push","seq":1,"version":0,"updates":[]}`, code: "bad_field"},
		{name: "changes not array", in: `{"type":"editor.push","seq":1,"version":0,"updates":[{"clientID":"a","changes":"x"}]}`, code: "bad_field"},
		{name: "selection main out of range", in: `{"type":"presence","selection":{"main":1,"ranges":[{"anchor":0,"head":0}]}}`, code: "bad_field"},
		{name: "factor too high", in: `{"type":"allowance.set","seq":1,"user_id":"u","factor":2.5}`, code: "bad_field"},
		{name: "type number", in: `{"type":5,"seq":1}`, code: "bad_field"},
		{name: "null", in: `null`, code: "bad_json"},
		{name: "deep", in: `{"type":"ping","seq":1,"x":` + deep(40) + `}`, code: "bad_json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeCommand([]byte(tc.in))
			if tc.code != "" {
				var fe *frameError
				if !errors.As(err, &fe) || fe.code != tc.code {
					t.Fatalf("err = %v, want code %s", err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func deep(n int) string {
	s := ""
	for range n {
		s += "["
	}
	for range n {
		s += "]"
	}
	return s
}

// FuzzDecodeCommand: the decoder never panics, and whatever it accepts re-encodes to a frame it
// accepts again as the same command.
func FuzzDecodeCommand(f *testing.F) {
	for _, s := range []string{
		`{"type":"join","seq":1,"client_id":"c1","resume":{"epoch":"e","offset":3,"event_id":"i"}}`,
		`{"type":"editor.push","seq":2,"version":3,"updates":[{"clientID":"a","changes":[3,[0,"x","y"]]}]}`,
		`{"type":"presence","selection":{"main":0,"ranges":[{"anchor":0,"head":2}]}}`,
		`{"type":"chat.send","seq":4,"text":"\ud83d\ude00 hi"}`,
		`{"type":"allowance.set","seq":5,"user_id":"u","factor":1.5}`,
		`{"type":"auth.refresh","seq":6,"access_token":"t"}`,
		`{"type":"timer.extend","seq":7,"seconds":30}`,
		`{"type":"ping","seq":1,"seq":1}`,
		`{"a":{"b":{"c":[1,2,{"d":1,"d":2}]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cmd, err := DecodeCommand(data)
		if err != nil {
			var fe *frameError
			if !errors.As(err, &fe) || fe.code == "" || fe.message == "" {
				t.Fatalf("refusal without a code and message: %v", err)
			}
			return
		}
		again, err := DecodeCommand(cmd.Encode())
		if err != nil {
			t.Fatalf("accepted %q but not its re-encoding %q: %v", data, cmd.Encode(), err)
		}
		if diff := cmp.Diff(cmd, again); diff != "" {
			t.Fatalf("re-encoding changed the command (-first +again)\n%s", diff)
		}
	})
}

package live_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
)

// Two reveals that complete the pair at once, through two nodes, and a retry after them, leave
// one names.revealed in the log; everyone in the room may see it.
func TestNamesRevealedOncePerRoom(t *testing.T) {
	e := newEnv(t)
	a, _ := e.engine()
	b, _ := e.engine()
	names := []live.RevealedName{{UserID: interviewer.UserID, DisplayName: "Ida Real"}, {UserID: candidate.UserID, DisplayName: "Carl Real"}}

	var wg sync.WaitGroup
	for _, eng := range []*live.Engine{a, b, a} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := eng.NamesRevealed(t.Context(), e.room, names); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := b.NamesRevealed(t.Context(), e.room, names); err != nil {
		t.Fatalf("a repeated announcement: %v", err)
	}

	var got []live.Event
	for _, ev := range e.all(a) {
		if ev.Type == live.TypeNamesRevealed {
			got = append(got, ev)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d names.revealed events, want 1", len(got))
	}
	var d struct {
		Participants []live.RevealedName `json:"participants"`
	}
	if err := json.Unmarshal(got[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(names, d.Participants); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if got[0].Actor != "" || got[0].InterviewerOnly || got[0].Private != nil {
		t.Errorf("names.revealed should come from the server to everyone: %+v", got[0])
	}
	if _, ok := live.Visible(got[0], candidate.UserID, mockroom.RoleCandidate); !ok {
		t.Error("the candidate may not see names.revealed")
	}
}

func TestNamesRevealedRejectsBadInput(t *testing.T) {
	e := newEnv(t)
	eng := e.quiet()
	for name, names := range map[string][]live.RevealedName{
		"none":          nil,
		"no user":       {{DisplayName: "Ida"}},
		"no name":       {{UserID: interviewer.UserID}},
		"one of two ok": {{UserID: interviewer.UserID, DisplayName: "Ida"}, {UserID: candidate.UserID}},
	} {
		t.Run(name, func(t *testing.T) {
			err := eng.NamesRevealed(t.Context(), e.room, names)
			if mockroom.ErrorKind(err) != mockroom.KindInvalid {
				t.Fatalf("got %v, want an invalid-input error", err)
			}
		})
	}
	evs, _, err := eng.EventsAfter(t.Context(), e.room, mockroom.Position{}, live.ResumeWindow)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 0 {
		t.Errorf("bad input changed the log: %d events", len(evs))
	}
}

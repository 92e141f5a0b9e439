package live_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/live"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/redisstore"
)

// hintQuestions serves questions with two hints and two clarifications each.
type hintQuestions struct{}

func (hintQuestions) Question(_ context.Context, _ mockroom.UserID, _ mockroom.TrackID, id mockroom.QuestionID) (bank.Question, error) {
	return bank.Question{
		ID: id, Category: mockroom.CategoryTechnical, Minutes: 1, Title: "Title " + string(id), Prompt: "Prompt of " + string(id),
		Guide: &bank.Guidance{
			LooksFor: []string{"x"}, RedFlags: []string{"x"}, StrongAnswer: []string{"x"}, FollowUps: []string{"x", "y"},
			Qualities: []bank.Quality{"technical_expertise"},
			Hints:     []bank.Hint{{Text: "first hint of " + string(id), MaxScore: 3}, {Text: "second hint of " + string(id), MaxScore: 2}},
			Clarifications: []bank.Clarification{
				{Question: "Is the input sorted?", Answer: "No."}, {Question: "Can it be empty?", Answer: "Yes."},
			},
		},
	}, nil
}

func TestHintsAndClarifications(t *testing.T) {
	e := newEnv(t)
	store := redisstore.NewLiveStore(e.client, e.keys, true)
	eng := live.NewEngine(live.Config{Store: store, Rooms: e.rooms, Questions: hintQuestions{}, Now: e.clock.Now})
	seq := uint64(0)
	give := func(p mockroom.Principal, typ string, number int) error {
		seq++
		_, err := eng.Execute(t.Context(), e.room, p, live.Command{ClientID: "c-" + string(p.UserID), Seq: seq, Type: typ, Data: json.RawMessage(`{"number":` + itoa(number) + `}`)})
		return err
	}
	want := func(err error, code string) {
		t.Helper()
		if code == "" && err != nil || code != "" && mockroom.ErrorCode(err) != code {
			t.Fatalf("got %v; want code %q", err, code)
		}
	}

	want(give(interviewer, live.CmdHintGive, 1), "no_question")
	seq++
	e.mustExec(eng, interviewer, seq, live.CmdStart, nil)
	if err := give(candidate, live.CmdHintGive, 1); mockroom.ErrorKind(err) != mockroom.KindForbidden {
		t.Fatalf("candidate gives a hint: %v; want forbidden", err)
	}
	want(give(interviewer, live.CmdHintGive, 0), "number_invalid")
	want(give(interviewer, live.CmdHintGive, 2), "hint_out_of_order")
	want(give(interviewer, live.CmdHintGive, 1), "")
	want(give(interviewer, live.CmdHintGive, 1), "hint_out_of_order")
	want(give(interviewer, live.CmdHintGive, 2), "")
	want(give(interviewer, live.CmdHintGive, 3), "hint_unknown")
	want(give(interviewer, live.CmdClarificationGive, 2), "")
	want(give(interviewer, live.CmdClarificationGive, 2), "clarification_given")
	want(give(interviewer, live.CmdClarificationGive, 3), "clarification_unknown")
	seq++
	e.mustExec(eng, interviewer, seq, live.CmdNext, nil)
	want(give(interviewer, live.CmdHintGive, 1), "") // each question counts its own hints

	var hints []string
	for _, ev := range e.all(eng) {
		switch ev.Type {
		case live.TypeHintGiven:
			cand, ok := live.ForRole(ev, mockroom.RoleCandidate)
			if !ok || cand.Private != nil {
				t.Fatalf("candidate's copy of %s: ok=%v private=%s", ev.Type, ok, cand.Private)
			}
			var d struct {
				QuestionIndex int    `json:"question_index"`
				Number        int    `json:"number"`
				Of            int    `json:"of"`
				Text          string `json:"text"`
			}
			if err := json.Unmarshal(cand.Data, &d); err != nil {
				t.Fatal(err)
			}
			hints = append(hints, itoa(d.QuestionIndex)+":"+itoa(d.Number)+"/"+itoa(d.Of)+" "+d.Text)
			if ev.Private != nil {
				t.Errorf("hint.given has a private part: %s", ev.Private)
			}
		case live.TypeClarificationGiven:
			if _, ok := live.ForRole(ev, mockroom.RoleCandidate); !ok || !strings.Contains(string(ev.Data), "Can it be empty?") {
				t.Errorf("clarification.given as the candidate sees it: %s", ev.Data)
			}
		}
	}
	snap, err := eng.Snapshot(t.Context(), e.room, candidate.UserID)
	if err != nil {
		t.Fatal(err)
	}
	kept := map[string]int{}
	for _, ev := range snap.Chat {
		kept[ev.Type]++
		if ev.Private != nil {
			t.Errorf("the candidate's snapshot carries a private part in %s: %s", ev.Type, ev.Private)
		}
	}
	if kept[live.TypeHintGiven] != 3 || kept[live.TypeClarificationGiven] != 1 {
		t.Errorf("the candidate's snapshot chat keeps %v; want 3 hints and 1 clarification", kept)
	}
	wantHints := []string{"0:1/2 first hint of q1", "0:2/2 second hint of q1", "1:1/2 first hint of q2"}
	if strings.Join(hints, "|") != strings.Join(wantHints, "|") {
		t.Fatalf("hints in the log %q; want %q", hints, wantHints)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

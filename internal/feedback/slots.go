package feedback

import (
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/room"
)

// slot is a form a room calls for: who writes it about whom, in which half.
type slot struct {
	id        FormID
	kind      Kind
	half      int
	author    mockroom.UserID
	about     mockroom.UserID
	questions []int
}

func (s slot) ref() FormRef { return FormRef{ID: s.id, Author: s.author, About: s.about} }

// slots lists the forms of r: in a mentor room the interviewer's form about the candidate; in a
// peer room, per half held, the interviewer's form about the candidate and the candidate's form
// about the interviewer. secondHalf says whether a peer room's second half began.
func slots(r room.Room, secondHalf bool) []slot {
	if r.Kind == mockroom.RoomPeer {
		var out []slot
		for h, half := range r.Halves {
			if h >= maxHalves || (h == 1 && !secondHalf) {
				break
			}
			qs := make([]int, 0, half.QuestionCount)
			for i := range half.QuestionCount {
				qs = append(qs, half.FirstQuestion+i)
			}
			out = append(out,
				slot{id: NewFormID(KindCandidate, h), kind: KindCandidate, half: h, author: half.Interviewer, about: half.Candidate, questions: qs},
				slot{id: NewFormID(KindInterviewer, h), kind: KindInterviewer, half: h, author: half.Candidate, about: half.Interviewer, questions: qs})
		}
		return out
	}
	var interviewer, candidate mockroom.UserID
	for _, p := range r.Participants {
		switch {
		case p.Role == mockroom.RoleInterviewer && interviewer == "":
			interviewer = p.UserID
		case p.Role == mockroom.RoleCandidate && candidate == "":
			candidate = p.UserID
		}
	}
	if interviewer == "" || candidate == "" {
		return nil
	}
	qs := make([]int, len(r.Questions))
	for i := range qs {
		qs[i] = i
	}
	return []slot{{id: NewFormID(KindCandidate, 0), kind: KindCandidate, author: interviewer, about: candidate, questions: qs}}
}

func findSlot(all []slot, id FormID) (slot, bool) {
	for _, s := range all {
		if s.id == id {
			return s, true
		}
	}
	return slot{}, false
}

// allSubmitted reports whether every form of the room has a version: in a peer room, both
// people have submitted what they owe.
func allSubmitted(all []slot, rec RoomRecord) bool {
	if len(all) == 0 {
		return false
	}
	for _, s := range all {
		if len(rec.Forms[s.id].Versions) == 0 {
			return false
		}
	}
	return true
}

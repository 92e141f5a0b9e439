package progress

import (
	"slices"
	"sort"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/record"
	"github.com/mockroom/mockroom/internal/room"
)

// Input is one finished session of the reader.
type Input struct {
	Summary record.Summary
	// Room is the room with its plan.
	Room room.Room
	// Asked are the plan indexes of the questions actually put to the reader as candidate
	// (a question of the plan that was never started is not practice).
	Asked []int
	// Forms are the forms the reader may read; only the released ones about them count.
	Forms []feedback.Form
}

// Progress is a person's standing across their sessions.
type Progress struct {
	// Track is the track every number here is for.
	Track     mockroom.TrackID `json:"track"`
	Sessions  Counts           `json:"sessions"`
	Qualities []Quality        `json:"qualities"`
	// History is the sessions that gave the person at least one rubric score, oldest first: the
	// x axis of the charts and the rows of the tables beside them.
	History    []Session  `json:"history"`
	Categories []Category `json:"categories"`
	Map        []Area     `json:"map"`
	Suggestion Suggestion `json:"suggestion"`
}

// Counts are sessions by the part the person played (a peer session counts as given and taken).
type Counts struct {
	Given    int `json:"given"`
	Taken    int `json:"taken"`
	Observed int `json:"observed"`
}

// Point is one score at one session.
type Point struct {
	RoomID mockroom.RoomID `json:"room_id"`
	At     time.Time       `json:"at"`
	Score  int             `json:"score"`
}

// Session is one session's released rubric scores about the person.
type Session struct {
	RoomID mockroom.RoomID `json:"room_id"`
	At     time.Time       `json:"at"`
	Title  string          `json:"title"`
	// Scores maps a rubric quality id to its score, 1 to 4; a quality not observed is absent.
	Scores map[string]int `json:"scores"`
	// Average is the mean of Scores.
	Average float64 `json:"average"`
}

// Quality is one rubric quality's scores, oldest first.
type Quality struct {
	ID          string   `json:"id"`
	Points      []Point  `json:"points"`
	Average     *float64 `json:"average,omitempty"`
	NotObserved int      `json:"not_observed"`
}

// Category is how the person did on the questions of one category they were asked.
type Category struct {
	Category mockroom.Category `json:"category"`
	Asked    int               `json:"asked"`
	Scored   int               `json:"scored"`
	Average  *float64          `json:"average,omitempty"`
}

// Area is one item of the preparation checklist.
type Area struct {
	ID          string              `json:"id"`
	Title       string              `json:"title"`
	Description string              `json:"description"`
	Categories  []mockroom.Category `json:"categories,omitempty"`
	// Practised counts the questions of the area's categories asked (and the sessions taken,
	// for the area of interviewing itself).
	Practised int `json:"practised"`
	// Average is the mean of what the sessions that practised the area say about it: the scores
	// of its questions, and the scores on its rubric qualities from those sessions only. A
	// quality score is about the whole session, so a session that asked nothing of the area
	// says nothing about it: an area never practised has no average, whatever its qualities.
	Average *float64 `json:"average,omitempty"`
	// Status is not_practised, needs_work (average under 2.5), on_track (under 3.5) or strong.
	Status string `json:"status"`
}

// Suggestion is the next session to practise: a plan of slots from the weakest areas, which
// POST /api/v1/rooms accepts as is.
type Suggestion struct {
	// Track is the track the slots' categories are drawn from, the room's track when started.
	Track mockroom.TrackID `json:"track"`
	Areas []string         `json:"areas"`
	Slots []mockroom.Slot  `json:"slots"`
}

// Compute builds reader's progress in track from their sessions of that track, with the
// preparation map of the track's checklist prep.
func Compute(in []Input, reader mockroom.UserID, track mockroom.TrackID, prep []bank.PrepArea) Progress {
	in = slices.Clone(in)
	sort.SliceStable(in, func(i, j int) bool { return in[i].Summary.StartedAt.Before(in[j].Summary.StartedAt) })
	p := Progress{Track: track, Qualities: []Quality{}, History: []Session{}, Categories: []Category{}, Map: []Area{}}
	quals := map[string]*Quality{}
	var qualOrder []string
	cats := map[mockroom.Category]*acc{}
	areas := make([]acc, len(prep))
	for _, s := range in {
		roles := s.Summary.Roles
		if slices.Contains(roles, mockroom.RoleInterviewer) {
			p.Sessions.Given++
		}
		// practisedHere marks the areas this session practised: the ones its quality scores
		// count towards.
		practisedHere := make([]bool, len(prep))
		if slices.Contains(roles, mockroom.RoleCandidate) {
			p.Sessions.Taken++
			for k, a := range prep {
				if a.AllSessions {
					areas[k].asked++
					practisedHere[k] = true
				}
			}
		}
		if slices.Contains(roles, mockroom.RoleObserver) {
			p.Sessions.Observed++
		}
		scores := map[int]int{}    // plan index → score, from the released forms about reader
		var qualScores []qualScore // the session's quality scores, for the areas it practised
		day := Session{RoomID: s.Summary.RoomID, At: s.Summary.StartedAt, Title: s.Summary.Title, Scores: map[string]int{}}
		for _, f := range s.Forms {
			v, ok := f.Latest()
			if f.About != reader || !f.Released || !ok || f.Kind != feedback.KindCandidate {
				continue
			}
			for _, q := range v.Content.Qualities {
				qa, ok := quals[q.Quality]
				if !ok {
					qa = &Quality{ID: q.Quality, Points: []Point{}}
					quals[q.Quality] = qa
					qualOrder = append(qualOrder, q.Quality)
				}
				if q.NotObserved || q.Score == 0 {
					qa.NotObserved++
					continue
				}
				qa.Points = append(qa.Points, Point{RoomID: s.Summary.RoomID, At: s.Summary.StartedAt, Score: q.Score})
				day.Scores[q.Quality] = q.Score
				qualScores = append(qualScores, qualScore{bank.Quality(q.Quality), q.Score})
			}
			for _, q := range v.Content.Questions {
				if q.Score > 0 {
					scores[q.Index] = q.Score
				}
			}
		}
		if len(day.Scores) > 0 {
			sum := 0
			for _, v := range day.Scores {
				sum += v
			}
			day.Average = float64(sum) / float64(len(day.Scores))
			p.History = append(p.History, day)
		}
		for _, i := range s.Asked {
			if i < 0 || i >= len(s.Room.Questions) {
				continue
			}
			q := s.Room.Questions[i]
			c := cats[q.Category]
			if c == nil {
				c = &acc{}
				cats[q.Category] = c
			}
			score, scored := scores[i]
			c.add(score, scored)
			for k, a := range prep {
				if slices.Contains(a.Categories, q.Category) {
					areas[k].add(score, scored)
					practisedHere[k] = true
				}
			}
		}
		for k, a := range prep {
			if !practisedHere[k] {
				continue
			}
			for _, q := range qualScores {
				if slices.Contains(a.Qualities, q.quality) {
					areas[k].sum += q.score
					areas[k].scored++
				}
			}
		}
	}
	for _, id := range qualOrder {
		q := quals[id]
		sum := 0
		for _, pt := range q.Points {
			sum += pt.Score
		}
		q.Average = mean(sum, len(q.Points))
		p.Qualities = append(p.Qualities, *q)
	}
	for _, c := range mockroom.Categories {
		if a := cats[c]; a != nil {
			p.Categories = append(p.Categories, Category{Category: c, Asked: a.asked, Scored: a.scored, Average: mean(a.sum, a.scored)})
		}
	}
	for k, a := range prep {
		ac := areas[k]
		out := Area{ID: a.ID, Title: a.Title, Description: a.Description, Categories: a.Categories, Practised: ac.asked, Average: mean(ac.sum, ac.scored)}
		out.Status = status(out)
		p.Map = append(p.Map, out)
	}
	p.Suggestion = suggest(p.Map)
	p.Suggestion.Track = track
	return p
}

type acc struct{ asked, scored, sum int }

type qualScore struct {
	quality bank.Quality
	score   int
}

func (a *acc) add(score int, scored bool) {
	a.asked++
	if scored {
		a.scored++
		a.sum += score
	}
}

func mean(sum, n int) *float64 {
	if n == 0 {
		return nil
	}
	v := float64(sum) / float64(n)
	return &v
}

func status(a Area) string {
	switch {
	case a.Practised == 0:
		return "not_practised"
	case a.Average == nil:
		return "practised"
	case *a.Average < 2.5:
		return "needs_work"
	case *a.Average < 3.5:
		return "on_track"
	}
	return "strong"
}

// suggest picks the two weakest areas that a bank category can practise (never practised
// first, then lowest average) and makes a plan: a question of each such area (its first
// category not yet in the plan), then the candidate's own questions.
func suggest(m []Area) Suggestion {
	var pick []Area
	for _, a := range m {
		if slices.ContainsFunc(a.Categories, func(c mockroom.Category) bool { return c != mockroom.CategoryOwnQuestions }) {
			pick = append(pick, a)
		}
	}
	rank := func(a Area) float64 {
		switch {
		case a.Practised == 0:
			return -1
		case a.Average == nil:
			return 2.5
		}
		return *a.Average
	}
	sort.SliceStable(pick, func(i, j int) bool { return rank(pick[i]) < rank(pick[j]) })
	s := Suggestion{Areas: []string{}, Slots: []mockroom.Slot{}}
	used := map[mockroom.Category]bool{mockroom.CategoryOwnQuestions: true}
	for _, a := range pick {
		if len(s.Areas) == 2 {
			break
		}
		i := slices.IndexFunc(a.Categories, func(c mockroom.Category) bool { return !used[c] })
		if i < 0 {
			continue
		}
		used[a.Categories[i]] = true
		s.Areas = append(s.Areas, a.ID)
		s.Slots = append(s.Slots, mockroom.Slot{Category: a.Categories[i], Minutes: 15})
	}
	s.Slots = append(s.Slots, mockroom.Slot{Category: mockroom.CategoryOwnQuestions, Minutes: 5})
	return s
}

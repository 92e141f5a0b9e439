// Package bank is the question bank: tracks of interview questions with their interviewer
// guidance, the rubric a session is judged by, the preparation areas, and plans that say which
// questions a session asks and for how long.
//
// The built-in tracks are data files under data/, embedded in the binary and validated when
// loaded, so a broken file stops the server at start rather than in a live room. Interviewers
// add their own questions and plans through a Catalog, which keeps them private to their author
// and stores them through the CustomStore this package declares.
//
// The package is pure domain: it knows nothing of HTTP or Redis.
package bank

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/mockroom/mockroom/internal/mockroom"
)

//go:embed data
var embedded embed.FS

// Bank holds every built-in track. It is read-only once loaded and safe for concurrent use.
type Bank struct {
	tracks []*Track
	byID   map[mockroom.TrackID]*Track
}

// Load reads and validates the tracks embedded in the binary.
func Load() (*Bank, error) {
	sub, err := fs.Sub(embedded, "data")
	if err != nil {
		return nil, err
	}
	return LoadFS(sub)
}

// LoadFS reads tracks from fsys: one directory per track, named by the track id, holding
// track.json, rubric.json, plans.json and questions/*.json. Every file is parsed strictly
// (unknown fields are errors) and the whole track is validated.
func LoadFS(fsys fs.FS) (*Bank, error) {
	dirs, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("bank: %w", err)
	}
	b := &Bank{byID: map[mockroom.TrackID]*Track{}}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		t, err := loadTrack(fsys, d.Name())
		if err != nil {
			return nil, fmt.Errorf("bank: track %s: %w", d.Name(), err)
		}
		b.tracks = append(b.tracks, t)
		b.byID[t.ID] = t
	}
	if len(b.tracks) == 0 {
		return nil, fmt.Errorf("bank: no tracks found")
	}
	return b, nil
}

// Tracks returns every built-in track in directory order.
func (b *Bank) Tracks() []*Track { return slices.Clone(b.tracks) }

// Track returns the track with the given id.
func (b *Bank) Track(id mockroom.TrackID) (*Track, error) {
	t, ok := b.byID[id]
	if !ok {
		return nil, mockroom.Errorf(mockroom.KindNotFound, "track_not_found", "no track %q", id)
	}
	return t, nil
}

// Find returns the built-in questions of a track that match f.
func (b *Bank) Find(track mockroom.TrackID, f Filter) ([]Question, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	t, err := b.Track(track)
	if err != nil {
		return nil, err
	}
	return t.Find(f), nil
}

// trackFile is the layout of track.json.
type trackFile struct {
	ID               mockroom.TrackID  `json:"id"`
	Title            string            `json:"title"`
	Description      string            `json:"description"`
	Categories       []CategoryInfo    `json:"categories"`
	ClosingQuestions []ClosingQuestion `json:"closing_questions"`
	Preparation      []PrepArea        `json:"preparation"`
	Topics           []Topic           `json:"topics"`
}

type plansFile struct {
	Plans []mockroom.Plan `json:"plans"`
}

func loadTrack(fsys fs.FS, dir string) (*Track, error) {
	var tf trackFile
	if err := decodeFile(fsys, path.Join(dir, "track.json"), &tf); err != nil {
		return nil, err
	}
	if string(tf.ID) != dir {
		return nil, fmt.Errorf("track.json: id %q does not match its directory", tf.ID)
	}
	t := &Track{
		ID:               tf.ID,
		Title:            tf.Title,
		Description:      tf.Description,
		Categories:       tf.Categories,
		ClosingQuestions: tf.ClosingQuestions,
		Preparation:      tf.Preparation,
		Topics:           tf.Topics,
		byID:             map[QuestionID]int{},
	}
	var err error
	if t.Rubric, t.oldRubrics, err = loadRubrics(fsys, dir); err != nil {
		return nil, err
	}
	if err := t.validateMeta(); err != nil {
		return nil, err
	}

	files, err := fs.Glob(fsys, path.Join(dir, "questions", "*.json"))
	if err != nil {
		return nil, err
	}
	for _, name := range files {
		var qs []Question
		if err := decodeFile(fsys, name, &qs); err != nil {
			return nil, err
		}
		for _, q := range qs {
			if q.Track == "" {
				q.Track = t.ID
			}
			if err := t.validateBuiltIn(q); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			t.byID[q.ID] = len(t.questions)
			t.questions = append(t.questions, q)
		}
	}
	if len(t.questions) == 0 {
		return nil, fmt.Errorf("no questions")
	}

	var pf plansFile
	if err := decodeFile(fsys, path.Join(dir, "plans.json"), &pf); err != nil {
		return nil, err
	}
	planIDs := map[string]bool{}
	for _, p := range pf.Plans {
		if p.Track == "" {
			p.Track = t.ID
		}
		if p.Owner != "" {
			return nil, fmt.Errorf("plans.json: built-in plan %q must not have an owner", p.ID)
		}
		if planIDs[p.ID] {
			return nil, fmt.Errorf("plans.json: duplicate plan id %q", p.ID)
		}
		planIDs[p.ID] = true
		if err := t.ValidatePlan(p, nil); err != nil {
			return nil, fmt.Errorf("plans.json: %w", err)
		}
		t.plans = append(t.plans, p)
	}
	return t, nil
}

func (t *Track) validateBuiltIn(q Question) error {
	if q.Track != t.ID {
		return invalid("track_mismatch", "question %s names track %q", q.ID, q.Track)
	}
	if _, dup := t.byID[q.ID]; dup {
		return invalid("duplicate_question_id", "question id %q is used twice", q.ID)
	}
	if q.Author != "" || !q.CreatedAt.IsZero() {
		return invalid("built_in_has_author", "question %s: built-in questions have no author or creation time", q.ID)
	}
	if strings.HasPrefix(string(q.ID), CustomIDPrefix) {
		return invalid("question_id_invalid", "question %s: the %q prefix is reserved for custom questions", q.ID, CustomIDPrefix)
	}
	if err := validateQuestion(q, t.Rubric.HasQuality); err != nil {
		return err
	}
	return t.validateComplete(q)
}

// decodeFile parses one JSON file strictly: unknown fields and trailing data are errors, so a
// typo in a field name cannot silently drop content.
func decodeFile(fsys fs.FS, name string, dst any) error {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: data after the JSON value", name)
	}
	return nil
}

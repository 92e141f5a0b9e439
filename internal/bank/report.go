package bank

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"

	"github.com/mockroom/mockroom/internal/mockroom"
)

// Coverage targets of the built-in bank: the rules Coverage checks.
const (
	MinPerCategoryLevel = 4    // questions of each category at each level
	MinCodingShare      = 0.35 // share of questions worked in the editor
	MinPerQuality       = 10   // questions giving evidence for each rubric quality
	MinPerTopic         = 2    // questions tagged with each topic
	FreshSessions       = 5    // sessions in a row a plan draws without repeating a question
	// MaxPromptSimilarity is the highest share of word triples two prompts may have in common
	// (Jaccard similarity) before they count as near-duplicates.
	MaxPromptSimilarity = 0.35
)

// MinPerLevel is how many questions each level holds at least.
var MinPerLevel = map[mockroom.Difficulty]int{mockroom.Junior: 27, mockroom.Mid: 32, mockroom.Senior: 31}

// Levels are the difficulties in order.
var Levels = []mockroom.Difficulty{mockroom.Junior, mockroom.Mid, mockroom.Senior}

// Report is what the bank holds and whether it meets the coverage rules.
type Report struct {
	Track     mockroom.TrackID
	Questions int
	Coding    int
	// ByCategory counts questions per category and level.
	ByCategory map[mockroom.Category]map[mockroom.Difficulty]int
	ByLevel    map[mockroom.Difficulty]int
	ByTopic    map[string]int
	ByQuality  map[Quality]int
	// MostSimilar is the pair of prompts with the most word triples in common; Similarity is
	// their Jaccard similarity over those triples.
	MostSimilar [2]QuestionID
	Similarity  float64
	Rules       []Rule
}

// Rule is one coverage rule with its outcome.
type Rule struct {
	Name   string
	Pass   bool
	Detail string
}

// Passed reports whether every rule passed.
func (r Report) Passed() bool {
	return !slices.ContainsFunc(r.Rules, func(x Rule) bool { return !x.Pass })
}

// CodingShare is the share of questions worked in the editor.
func (r Report) CodingShare() float64 {
	if r.Questions == 0 {
		return 0
	}
	return float64(r.Coding) / float64(r.Questions)
}

// Coverage counts the track's built-in questions and checks the coverage rules: every level
// holds its share, every category has enough at each level, enough questions use the editor,
// every rubric quality and every topic is evidenced often enough, no two prompts are
// near-duplicates, and every built-in plan drawing only by category can run FreshSessions
// sessions in a row for one person without repeating a question.
func (t *Track) Coverage() Report {
	r := Report{
		Track:      t.ID,
		Questions:  len(t.questions),
		ByCategory: map[mockroom.Category]map[mockroom.Difficulty]int{},
		ByLevel:    map[mockroom.Difficulty]int{},
		ByTopic:    map[string]int{},
		ByQuality:  map[Quality]int{},
	}
	for _, tp := range t.Topics {
		r.ByTopic[tp.ID] = 0
	}
	for _, q := range t.Rubric.Qualities {
		r.ByQuality[q.ID] = 0
	}
	for _, c := range mockroom.Categories {
		r.ByCategory[c] = map[mockroom.Difficulty]int{}
	}
	for _, q := range t.questions {
		r.ByCategory[q.Category][q.Difficulty]++
		r.ByLevel[q.Difficulty]++
		if q.Coding != nil {
			r.Coding++
		}
		for _, tp := range q.Topics {
			r.ByTopic[tp]++
		}
		for _, ql := range q.Guide.Qualities {
			r.ByQuality[ql]++
		}
	}

	add := func(name string, pass bool, format string, args ...any) {
		r.Rules = append(r.Rules, Rule{Name: name, Pass: pass, Detail: fmt.Sprintf(format, args...)})
	}
	for _, d := range Levels {
		add(fmt.Sprintf("%s questions ≥ %d", d, MinPerLevel[d]), r.ByLevel[d] >= MinPerLevel[d], "%d", r.ByLevel[d])
	}
	var thin []string
	for _, c := range mockroom.Categories {
		for _, d := range Levels {
			if n := r.ByCategory[c][d]; n < MinPerCategoryLevel {
				thin = append(thin, fmt.Sprintf("%s/%s has %d", c, d, n))
			}
		}
	}
	add(fmt.Sprintf("every category ≥ %d at each level", MinPerCategoryLevel), len(thin) == 0, "%s", orNone(thin))
	add(fmt.Sprintf("editor share ≥ %.0f%%", MinCodingShare*100), r.CodingShare() >= MinCodingShare, "%d of %d (%.1f%%)", r.Coding, r.Questions, 100*r.CodingShare())
	add(fmt.Sprintf("every quality ≥ %d questions", MinPerQuality), under(r.ByQuality, MinPerQuality) == nil, "%s", orNone(under(r.ByQuality, MinPerQuality)))
	add(fmt.Sprintf("every topic ≥ %d questions", MinPerTopic), under(r.ByTopic, MinPerTopic) == nil, "%s", orNone(under(r.ByTopic, MinPerTopic)))

	r.MostSimilar, r.Similarity = t.mostSimilarPrompts()
	add(fmt.Sprintf("no near-duplicate prompts (similarity ≤ %.2f)", MaxPromptSimilarity), r.Similarity <= MaxPromptSimilarity,
		"closest: %s and %s at %.2f", r.MostSimilar[0], r.MostSimilar[1], r.Similarity)

	var repeats []string
	for _, p := range t.plans {
		if slices.ContainsFunc(p.Slots, func(s mockroom.Slot) bool { return s.QuestionID != "" }) {
			continue // a plan of fixed questions repeats them by design
		}
		if n := freshRun(t, p); n < FreshSessions {
			repeats = append(repeats, fmt.Sprintf("%s repeats in session %d", p.ID, n+1))
		}
	}
	add(fmt.Sprintf("drawn plans: no repeat within %d sessions", FreshSessions), len(repeats) == 0, "%s", orNone(repeats))
	return r
}

// freshRun draws plan for one person session after session, remembering what they were asked,
// and returns how many sessions ran before a question came back (up to FreshSessions).
func freshRun(t *Track, p mockroom.Plan) int {
	asked := Asked{}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range FreshSessions {
		drawn, err := t.Draw(p, asked, rng)
		if err != nil {
			return i
		}
		for _, d := range drawn {
			if d.Repeat {
				return i
			}
		}
		for _, d := range drawn {
			if d.QuestionID != "" {
				asked[d.QuestionID] = int64(i + 1)
			}
		}
	}
	return FreshSessions
}

// mostSimilarPrompts compares every pair of prompts by the word triples they share.
func (t *Track) mostSimilarPrompts() ([2]QuestionID, float64) {
	sets := make([]map[string]bool, len(t.questions))
	for i, q := range t.questions {
		sets[i] = shingles(q.Prompt)
	}
	var pair [2]QuestionID
	best := 0.0
	for i := range sets {
		for j := i + 1; j < len(sets); j++ {
			if s := jaccard(sets[i], sets[j]); s > best {
				best, pair = s, [2]QuestionID{t.questions[i].ID, t.questions[j].ID}
			}
		}
	}
	return pair, best
}

func shingles(text string) map[string]bool {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := map[string]bool{}
	for i := 0; i+3 <= len(words); i++ {
		out[strings.Join(words[i:i+3], " ")] = true
	}
	return out
}

func jaccard(a, b map[string]bool) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	common := 0
	for k := range a {
		if b[k] {
			common++
		}
	}
	return float64(common) / float64(len(a)+len(b)-common)
}

func under[K ~string](counts map[K]int, min int) []string {
	var out []string
	for k, n := range counts {
		if n < min {
			out = append(out, fmt.Sprintf("%s has %d", k, n))
		}
	}
	slices.Sort(out)
	return out
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "; ")
}

package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mockroom/mockroom/internal/bank"
	"github.com/mockroom/mockroom/internal/feedback"
	"github.com/mockroom/mockroom/internal/match"
	"github.com/mockroom/mockroom/internal/mockroom"
	"github.com/mockroom/mockroom/internal/progress"
	"github.com/mockroom/mockroom/internal/record"
	"github.com/mockroom/mockroom/internal/redisstore"
	"github.com/mockroom/mockroom/internal/room"
)

// The promise behind this file: a candidate never receives interviewer-only material. It is
// checked across the whole REST surface at once — every route the server mounts is called as
// the candidate of a real room drawn from the real bank, and every answer is searched for the
// guidance of the room's questions and for any key that only guidance uses. The table of how to
// call each route must cover every mounted route, so a new endpoint cannot slip past it.

// guidanceKeys are the JSON keys that hold interviewer-only material: "guide" (where a question
// carries it), "guidance", and every free-text field of bank.Guidance, read from the type so a
// field added later is covered too. Qualities are rubric ids, public in the track's rubric.
func guidanceKeys(t *testing.T) map[string]bool {
	t.Helper()
	keys := map[string]bool{"guide": true, "guidance": true}
	gt := reflect.TypeFor[bank.Guidance]()
	for i := range gt.NumField() {
		f := gt.Field(i)
		if isFreeText(f.Type) {
			keys[strings.Split(f.Tag.Get("json"), ",")[0]] = true
		}
	}
	for _, k := range []string{"looks_for", "red_flags", "strong_answer", "follow_ups"} {
		if !keys[k] {
			t.Fatalf("bank.Guidance no longer has %q; update this test", k)
		}
	}
	return keys
}

func isFreeText(t reflect.Type) bool {
	return t == reflect.TypeFor[string]() || t == reflect.TypeFor[[]string]()
}

// guidanceText returns every free-text string of g.
func guidanceText(g *bank.Guidance) []string {
	if g == nil {
		return nil
	}
	var out []string
	v := reflect.ValueOf(*g)
	for i := range v.NumField() {
		f := v.Field(i)
		switch {
		case f.Type() == reflect.TypeFor[string]():
			out = append(out, f.String())
		case f.Type() == reflect.TypeFor[[]string]():
			out = append(out, f.Interface().([]string)...)
		}
	}
	return slices.DeleteFunc(out, func(s string) bool { return strings.TrimSpace(s) == "" })
}

// leakCheck searches response bodies for interviewer-only material.
type leakCheck struct {
	// texts are guidance strings the caller must never receive.
	texts []string
	keys  map[string]bool
	// self is the caller: their own custom questions come back with their own guidance, which
	// is theirs to see. Text from texts is a leak even there.
	self mockroom.UserID
}

// find returns every leak in body, described. A JSON body is decoded and walked, so escaping
// cannot hide a string; any other body (metrics) is searched as text.
func (c leakCheck) find(body []byte) []string {
	var out []string
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		for _, s := range c.texts {
			if bytes.Contains(body, []byte(s)) {
				out = append(out, fmt.Sprintf("body carries interviewer-only text %q", s))
			}
		}
		return out
	}
	c.walk("$", v, false, &out)
	return out
}

func (c leakCheck) walk(path string, v any, own bool, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		id, _ := v["id"].(string)
		own = own || c.self != "" && v["author"] == string(c.self) && strings.HasPrefix(id, bank.CustomIDPrefix)
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if c.keys[k] && !own {
				*out = append(*out, fmt.Sprintf("%s has the interviewer-only key %q", path, k))
			}
			c.walk(path+"."+k, v[k], own, out)
		}
	case []any:
		for i, e := range v {
			c.walk(fmt.Sprintf("%s[%d]", path, i), e, own, out)
		}
	case string:
		for _, s := range c.texts {
			if strings.Contains(v, s) {
				*out = append(*out, fmt.Sprintf("%s carries interviewer-only text %q", path, s))
			}
		}
	}
}

// candidateStack is what withCandidateStack mounts, for the test to reach directly.
type candidateStack struct {
	catalog  *bank.Catalog
	rooms    *room.Service
	feedback feedbackStack
}

// withCandidateStack mounts every feature the way cmd/mockroom/assemble.go does — bank, rooms
// on the real bank, matching with its notifier, the live routes — on top of auth. The live
// routes use a stand-in socket layer: a ticket needs a valid token and a seat in the room, and
// the socket itself is refused (what it sends is tested per connection in internal/ws).
func withCandidateStack(st *candidateStack) []testEnvOption {
	return []testEnvOption{withBankCatalog(&st.catalog), withMount(func(t *testing.T, env *testEnv) {
		t.Helper()
		var err error
		st.rooms, err = room.NewService(redisstore.NewRoomStore(env.Client, env.Keys), st.catalog, room.Config{
			InviteKey: room.DeriveInviteKey(env.Secret),
		})
		if err != nil {
			t.Fatal(err)
		}
		env.Server.MountRooms(st.rooms, env.Accounts, testPublicURL)

		var tracks []mockroom.TrackID
		for _, tr := range st.catalog.Bank().Tracks() {
			tracks = append(tracks, tr.ID)
		}
		notifier := redisstore.NewMatchNotifier(env.Client, env.Keys)
		matcher, err := match.NewService(redisstore.NewMatchStore(env.Client, env.Keys), notifier, st.rooms, match.Config{Tracks: tracks})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = notifier.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		<-notifier.Ready()
		env.Server.MountMatch(matcher)
		env.Server.MountLive(seatedLive{env: env, rooms: st.rooms})
	}), withFeedback(&st.feedback, func() *room.Service { return st.rooms }), withMount(func(t *testing.T, env *testEnv) {
		logs := feedback.LiveLog{Store: st.feedback.log, Now: time.Now}
		records := record.NewService(st.rooms, logs, st.feedback.svc)
		env.Server.MountReview(records, progress.NewService(records, st.rooms, st.feedback.svc, st.catalog.Bank()), env.Accounts)
	})}
}

// seatedLive stands in for the socket layer.
type seatedLive struct {
	env   *testEnv
	rooms *room.Service
}

func (l seatedLive) IssueTicket(ctx context.Context, id mockroom.RoomID, accessToken string) (string, time.Time, error) {
	claims, err := l.env.Accounts.Verify(ctx, accessToken)
	if err != nil {
		return "", time.Time{}, err
	}
	if _, err := l.rooms.Member(ctx, id, claims.Principal.UserID); err != nil {
		return "", time.Time{}, err
	}
	return "tk_candidate", time.Now().Add(30 * time.Second), nil
}

func (seatedLive) Accept(http.ResponseWriter, *http.Request, mockroom.RoomID, string) error {
	return mockroom.Errorf(mockroom.KindUnauthorized, "ticket_invalid", "the ticket is unknown, used or expired")
}

func (seatedLive) AcceptResume(http.ResponseWriter, *http.Request, mockroom.RoomID, string) error {
	return mockroom.Errorf(mockroom.KindUnauthorized, "resume_invalid", "the resume credential is unknown, used, expired or for another room")
}

func (seatedLive) AcceptJoinAuth(http.ResponseWriter, *http.Request, mockroom.RoomID) error {
	return mockroom.Errorf(mockroom.KindUnavailable, "too_many_waiting", "too many sockets are waiting for their join")
}

// sweep is one candidate calling every route.
type sweep struct {
	env   *testEnv
	check leakCheck
	// token is the candidate's access token; it changes when a guest claims an account.
	token string
	guest bool
	// email and password sign the candidate in once they have an account; refresh is the
	// refresh token of the session the last routes end.
	email, password, refresh string

	kind      mockroom.RoomKind
	roomID    mockroom.RoomID
	track     mockroom.TrackID
	invite    string // the candidate link they joined by (mentor rooms)
	matchID   string // the match that made the room (peer rooms)
	questions []mockroom.QuestionID
	// foreign are ids of the interviewer's own questions and plans: to the candidate they do
	// not exist.
	foreignQuestions []mockroom.QuestionID
	plans            []string
	foreignPlans     []string
}

// call sends one request as the candidate, checks its status, and fails the test for every
// leak in the answer.
func (s *sweep) call(t *testing.T, method, path string, body any, want ...int) []byte {
	t.Helper()
	res, got := s.env.do(t, method, path, s.token, body)
	if !slices.Contains(want, res.StatusCode) {
		t.Errorf("%s %s: status %d, want one of %v: %s", method, path, res.StatusCode, want, got)
	}
	for _, leak := range s.check.find(got) {
		t.Errorf("%s %s: %s", method, path, leak)
	}
	return got
}

// ifGuest picks the status a guest gets or the one an account holder gets.
func (s *sweep) ifGuest(guest, account int) int {
	if s.guest {
		return guest
	}
	return account
}

func (s *sweep) trackPath() string { return "/api/v1/tracks/" + url.PathEscape(string(s.track)) }
func (s *sweep) roomPath() string  { return "/api/v1/rooms/" + url.PathEscape(string(s.roomID)) }

// candidateRoute says how a candidate calls one route. Routes that end the candidate's session
// or change who they are come last.
type candidateRoute struct {
	pattern string
	call    func(t *testing.T, s *sweep)
}

var candidateRoutes = []candidateRoute{
	{"GET /healthz", func(t *testing.T, s *sweep) { s.call(t, "GET", "/healthz", nil, 200) }},
	{"GET /readyz", func(t *testing.T, s *sweep) { s.call(t, "GET", "/readyz", nil, 200) }},
	{"GET /metrics", func(t *testing.T, s *sweep) { s.call(t, "GET", "/metrics", nil, 200) }},
	{"GET /api/v1/me", func(t *testing.T, s *sweep) { s.call(t, "GET", "/api/v1/me", nil, 200) }},
	{"GET /api/v1/tracks", func(t *testing.T, s *sweep) { s.call(t, "GET", "/api/v1/tracks", nil, 200) }},
	{"GET /api/v1/tracks/{track}", func(t *testing.T, s *sweep) { s.call(t, "GET", s.trackPath(), nil, 200) }},
	{"GET /api/v1/tracks/{track}/questions", func(t *testing.T, s *sweep) {
		for _, query := range []string{"", "q=" + url.QueryEscape(interviewerTitle), "category=system_design", "limit=7"} {
			path := s.trackPath() + "/questions?" + query
			for range 100 {
				pg := decode[questionPageBody](t, s.call(t, "GET", path, nil, 200))
				if pg.NextCursor == nil {
					break
				}
				path = s.trackPath() + "/questions?" + query + "&cursor=" + url.QueryEscape(*pg.NextCursor)
			}
		}
	}},
	{"GET /api/v1/tracks/{track}/questions/{id}", func(t *testing.T, s *sweep) {
		for _, id := range s.questions {
			s.call(t, "GET", s.trackPath()+"/questions/"+url.PathEscape(string(id)), nil, 200)
		}
		for _, id := range s.foreignQuestions {
			s.call(t, "GET", s.trackPath()+"/questions/"+url.PathEscape(string(id)), nil, 404)
		}
	}},
	{"POST /api/v1/tracks/{track}/questions", func(t *testing.T, s *sweep) {
		s.call(t, "POST", s.trackPath()+"/questions", candidateDraft(), s.ifGuest(403, 201))
	}},
	{"GET /api/v1/tracks/{track}/plans", func(t *testing.T, s *sweep) { s.call(t, "GET", s.trackPath()+"/plans", nil, 200) }},
	{"GET /api/v1/tracks/{track}/plans/{id}", func(t *testing.T, s *sweep) {
		for _, id := range s.plans {
			s.call(t, "GET", s.trackPath()+"/plans/"+url.PathEscape(id), nil, 200)
		}
		for _, id := range s.foreignPlans {
			s.call(t, "GET", s.trackPath()+"/plans/"+url.PathEscape(id), nil, 404)
		}
	}},
	{"POST /api/v1/tracks/{track}/plans", func(t *testing.T, s *sweep) {
		s.call(t, "POST", s.trackPath()+"/plans", map[string]any{"title": "My practice", "slots": []map[string]any{
			{"category": "system_design", "difficulty": "mid", "minutes": 20}, {"category": "candidate_questions", "minutes": 5},
		}}, s.ifGuest(403, 201))
	}},
	{"GET /api/v1/rooms/{id}", func(t *testing.T, s *sweep) { s.call(t, "GET", s.roomPath(), nil, 200) }},
	{"GET /api/v1/me/rooms", func(t *testing.T, s *sweep) { s.call(t, "GET", "/api/v1/me/rooms", nil, 200) }},
	{"POST /api/v1/rooms/{id}/invites", func(t *testing.T, s *sweep) { s.call(t, "POST", s.roomPath()+"/invites", nil, 403) }},
	{"POST /api/v1/rooms/{id}/reveal", func(t *testing.T, s *sweep) {
		want := 409 // a mentor room has no pseudonyms to reveal
		if s.kind == mockroom.RoomPeer {
			want = 200
		}
		s.call(t, "POST", s.roomPath()+"/reveal", nil, want)
	}},
	{"POST /api/v1/rooms/{id}/ticket", func(t *testing.T, s *sweep) { s.call(t, "POST", s.roomPath()+"/ticket", nil, 200) }},
	{"GET /api/v1/rooms/{id}/ws", func(t *testing.T, s *sweep) { s.call(t, "GET", s.roomPath()+"/ws?ticket=tk_candidate", nil, 401) }},
	{"POST /api/v1/invites/accept", func(t *testing.T, s *sweep) {
		if s.invite == "" { // a peer room has no invite links
			s.call(t, "POST", "/api/v1/invites/accept", map[string]string{"invite": "not-an-invite"}, 400)
			return
		}
		s.call(t, "POST", "/api/v1/invites/accept", map[string]string{"invite": s.invite, "display_name": "Casey again"}, 200, 409)
	}},
	{"POST /api/v1/invites/preview", func(t *testing.T, s *sweep) {
		if s.invite == "" {
			s.call(t, "POST", "/api/v1/invites/preview", map[string]string{"invite": "not-an-invite"}, 400)
			return
		}
		// The candidate's own link, already used: refused, and nothing of the room leaks.
		s.call(t, "POST", "/api/v1/invites/preview", map[string]string{"invite": s.invite}, 409)
	}},
	{"POST /api/v1/rooms", func(t *testing.T, s *sweep) {
		s.call(t, "POST", "/api/v1/rooms", map[string]any{"track": s.track, "plan_id": "junior-30", "title": "Practice on my own"}, s.ifGuest(403, 201))
	}},
	{"POST /api/v1/rooms/{id}/close", func(t *testing.T, s *sweep) { s.call(t, "POST", s.roomPath()+"/close", nil, 403) }},
	{"POST /api/v1/match/queue", func(t *testing.T, s *sweep) {
		s.call(t, "POST", "/api/v1/match/queue", map[string]any{"track": s.track, "level": "mid", "categories": []string{"system_design"}}, s.ifGuest(403, 202))
	}},
	{"GET /api/v1/match/status", func(t *testing.T, s *sweep) { s.call(t, "GET", "/api/v1/match/status", nil, 200) }},
	{"GET /api/v1/match/wait", func(t *testing.T, s *sweep) { s.call(t, "GET", "/api/v1/match/wait?timeout=0", nil, 200) }},
	{"POST /api/v1/match/{id}/confirm", func(t *testing.T, s *sweep) {
		if s.matchID == "" {
			s.call(t, "POST", "/api/v1/match/no-such-match/confirm", nil, 404)
			return
		}
		s.call(t, "POST", "/api/v1/match/"+url.PathEscape(s.matchID)+"/confirm", nil, 200)
	}},
	{"DELETE /api/v1/match/queue", func(t *testing.T, s *sweep) {
		s.call(t, "DELETE", "/api/v1/match/queue", nil, s.ifGuest(404, 204)) // a guest was never queued
	}},
	{"GET /api/v1/tracks/{track}/rubric", func(t *testing.T, s *sweep) { s.call(t, "GET", s.trackPath()+"/rubric", nil, 200) }},
	{"GET /api/v1/rooms/{id}/feedback", func(t *testing.T, s *sweep) { s.call(t, "GET", s.roomPath()+"/feedback", nil, 200) }},
	// Before the room ends there is nothing to write; the form about the candidate is never
	// theirs to read before release (a peer candidate may be the author of the other half's).
	{"GET /api/v1/rooms/{id}/feedback/moments", func(t *testing.T, s *sweep) {
		s.call(t, "GET", s.roomPath()+"/feedback/moments?form_id=candidate-0", nil, 200, 404)
	}},
	{"GET /api/v1/rooms/{id}/feedback/forms/{form_id}", func(t *testing.T, s *sweep) {
		s.call(t, "GET", s.roomPath()+"/feedback/forms/candidate-0", nil, 200, 404)
	}},
	{"PUT /api/v1/rooms/{id}/feedback/forms/{form_id}/draft", func(t *testing.T, s *sweep) {
		s.call(t, "PUT", s.roomPath()+"/feedback/forms/candidate-0/draft", map[string]any{"strengths": "x"}, 404, 409)
	}},
	{"POST /api/v1/rooms/{id}/feedback/forms/{form_id}/submit", func(t *testing.T, s *sweep) {
		s.call(t, "POST", s.roomPath()+"/feedback/forms/candidate-0/submit", map[string]any{"request_id": "r", "content": map[string]any{}}, 404, 409)
	}},
	{"POST /api/v1/rooms/{id}/feedback/forms/{form_id}/amend", func(t *testing.T, s *sweep) {
		s.call(t, "POST", s.roomPath()+"/feedback/forms/candidate-0/amend", map[string]any{"request_id": "r", "content": map[string]any{}}, 404, 409)
	}},
	{"PUT /api/v1/rooms/{id}/feedback/forms/{form_id}/rating", func(t *testing.T, s *sweep) {
		s.call(t, "PUT", s.roomPath()+"/feedback/forms/candidate-0/rating", map[string]any{"score": 4}, 404, 409)
	}},
	{"POST /api/v1/rooms/{id}/feedback/release", func(t *testing.T, s *sweep) {
		want := 403 // only the mentor releases
		if s.kind == mockroom.RoomPeer {
			want = 409
		}
		s.call(t, "POST", s.roomPath()+"/feedback/release", nil, want)
	}},
	{"GET /api/v1/users/{user_id}/standing", func(t *testing.T, s *sweep) {
		s.call(t, "GET", "/api/v1/users/"+url.PathEscape(string(s.check.self))+"/standing", nil, 200)
	}},
	{"GET /api/v1/me/sessions", func(t *testing.T, s *sweep) { s.call(t, "GET", "/api/v1/me/sessions", nil, 200) }},
	{"GET /api/v1/me/progress", func(t *testing.T, s *sweep) { s.call(t, "GET", "/api/v1/me/progress", nil, 200) }},
	{"GET /api/v1/me/export", func(t *testing.T, s *sweep) { s.call(t, "GET", "/api/v1/me/export", nil, 200) }},
	{"POST /api/v1/me/delete", func(t *testing.T, s *sweep) {
		// Refused (a wrong password, or a guest without the confirmation): the sweep goes on.
		s.call(t, "POST", "/api/v1/me/delete", map[string]string{"password": "not the password"}, 400, 403)
	}},
	{"POST /api/v1/sessions/{id}/notes/share", func(t *testing.T, s *sweep) {
		s.call(t, "POST", "/api/v1/sessions/"+url.PathEscape(string(s.roomID))+"/notes/share", nil, 204, 403, 409)
	}},
	{"GET /api/v1/sessions/{id}", func(t *testing.T, s *sweep) {
		s.call(t, "GET", "/api/v1/sessions/"+url.PathEscape(string(s.roomID)), nil, 200, 409)
	}},
	{"GET /api/v1/sessions/{id}/export.json", func(t *testing.T, s *sweep) {
		s.call(t, "GET", "/api/v1/sessions/"+url.PathEscape(string(s.roomID))+"/export.json", nil, 200, 409)
	}},
	{"GET /api/v1/sessions/{id}/export.md", func(t *testing.T, s *sweep) {
		s.call(t, "GET", "/api/v1/sessions/"+url.PathEscape(string(s.roomID))+"/export.md", nil, 200, 409)
	}},
	{"POST /api/v1/auth/signup", func(t *testing.T, s *sweep) {
		n := testUserSeq.Add(1)
		s.call(t, "POST", "/api/v1/auth/signup", map[string]string{"email": fmt.Sprintf("second%d@example.org", n), "password": "another long password", "name": "Second"}, 201)
	}},
	{"POST /api/v1/auth/claim", func(t *testing.T, s *sweep) {
		if !s.guest { // an account has nothing left to claim
			s.call(t, "POST", "/api/v1/auth/claim", map[string]string{"email": "taken@example.org", "password": "a long password"}, 409)
			return
		}
		n := testUserSeq.Add(1)
		s.email, s.password = fmt.Sprintf("claimed%d@example.org", n), "claimed long password"
		got := decode[authSession](t, s.call(t, "POST", "/api/v1/auth/claim", map[string]string{"email": s.email, "password": s.password}, 200))
		s.token = got.AccessToken // a claim ends the guest session
	}},
	{"POST /api/v1/auth/login", func(t *testing.T, s *sweep) {
		got := decode[authSession](t, s.call(t, "POST", "/api/v1/auth/login", map[string]string{"email": s.email, "password": s.password}, 200))
		s.token, s.refresh = got.AccessToken, got.RefreshToken
	}},
	{"POST /api/v1/auth/refresh", func(t *testing.T, s *sweep) {
		got := decode[authSession](t, s.call(t, "POST", "/api/v1/auth/refresh", map[string]string{"refresh_token": s.refresh}, 200))
		s.token, s.refresh = got.AccessToken, got.RefreshToken
	}},
	{"POST /api/v1/auth/logout", func(t *testing.T, s *sweep) {
		s.call(t, "POST", "/api/v1/auth/logout", map[string]string{"refresh_token": s.refresh}, 204)
	}},
}

// mountedOutsideRoutes are served by New itself, not through Handle, so Routes omits them.
var mountedOutsideRoutes = []string{"GET /healthz", "GET /readyz", "GET /metrics"}

// notREST are the Mount methods of Server that serve no JSON a candidate could call.
var notREST = map[string]string{"MountStatic": "serves the web app's own files"}

// candidateDraft is a custom question a candidate account writes for itself.
func candidateDraft() map[string]any {
	return map[string]any{
		"category": "conceptual_understanding", "difficulty": "junior", "minutes": 5,
		"title": "My own practice question", "prompt": "Explain a closure.",
		"guide": map[string]any{
			"looks_for": []string{"captured variables"}, "red_flags": []string{"confuses with classes"},
			"strong_answer": []string{"a counter factory"}, "follow_ups": []string{"late binding?", "nonlocal?"},
			"qualities": []string{"technical_expertise"},
		},
	}
}

// interviewerTitle and interviewerGuide make the interviewer's own question: guidance no other
// text in the project could contain by chance.
const interviewerTitle = "Cache a slow pricing service"

var interviewerGuide = map[string]any{
	"looks_for":     []string{"Interviewer only: names an eviction policy & says why (LRU vs. TTL)"},
	"red_flags":     []string{"Interviewer only: caches prices with no <invalidation> story"},
	"strong_answer": []string{"Interviewer only: read-through cache, short TTL, a guard against stampedes"},
	"follow_ups":    []string{"Interviewer only: two nodes disagree on a price, what now?", "Interviewer only: how is the \"hit rate\" measured?"},
	"qualities":     []string{"problem_solving"},
}

func interviewerDraft() map[string]any {
	return map[string]any{
		"category": "system_design", "difficulty": "mid", "minutes": 10,
		"title": interviewerTitle, "prompt": "A pricing service takes two seconds to answer. Design a cache in front of it.",
		"guide": interviewerGuide,
	}
}

// routeCounts reads the server's own request counter by route pattern, to prove each table
// entry reached the handler it is listed under.
func routeCounts(t *testing.T, env *testEnv) map[string]float64 {
	t.Helper()
	families, err := env.Server.opts.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range families {
		if mf.GetName() != "mockroom_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "route" {
					out[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}

// run calls every route of the table as s's candidate.
func (s *sweep) run(t *testing.T) {
	t.Helper()
	if len(s.check.texts) == 0 {
		t.Fatal("no interviewer-only text to look for: the check would prove nothing")
	}
	before := routeCounts(t, s.env)
	for _, r := range candidateRoutes {
		t.Run(r.pattern, func(t *testing.T) { r.call(t, s) })
	}
	after := routeCounts(t, s.env)
	for _, r := range candidateRoutes {
		if after[r.pattern] <= before[r.pattern] {
			t.Errorf("no request reached %q: its table entry calls something else", r.pattern)
		}
	}
}

// roomSweep prepares a sweep of the room by the candidate with token, looking for the guidance
// of every question in the room and of extra.
func roomSweep(t *testing.T, env *testEnv, st *candidateStack, id mockroom.RoomID, candidate mockroom.UserID, token string, extra []string) *sweep {
	t.Helper()
	r, err := st.rooms.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	s := &sweep{env: env, token: token, kind: r.Kind, roomID: r.ID, track: r.Track}
	s.check = leakCheck{texts: slices.Clone(extra), keys: guidanceKeys(t), self: candidate}
	for _, pq := range r.Questions {
		if pq.QuestionID == "" {
			continue
		}
		q, err := st.catalog.Question(t.Context(), r.CreatedBy, r.Track, pq.QuestionID)
		if err != nil {
			t.Fatal(err)
		}
		if q.Guide == nil {
			t.Fatalf("question %s has no guidance to look for", q.ID)
		}
		s.check.texts = append(s.check.texts, guidanceText(q.Guide)...)
		if q.IsCustom() {
			s.foreignQuestions = append(s.foreignQuestions, q.ID)
		} else {
			s.questions = append(s.questions, q.ID)
		}
	}
	tr, err := st.catalog.Bank().Track(r.Track)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range tr.Plans() {
		s.plans = append(s.plans, p.ID)
	}
	return s
}

func TestCandidateSeesNoInterviewerMaterial(t *testing.T) {
	var st candidateStack
	env := newTestEnv(t, withCandidateStack(&st)...)
	const track = "python-developer"
	trackPath := "/api/v1/tracks/" + track

	t.Run("every route has a way to call it", func(t *testing.T) {
		served := append(env.Server.Routes(), mountedOutsideRoutes...)
		listed := map[string]bool{}
		for _, r := range candidateRoutes {
			if listed[r.pattern] {
				t.Errorf("%q is listed twice", r.pattern)
			}
			listed[r.pattern] = true
		}
		for _, p := range served {
			if !listed[p] {
				t.Errorf("route %q is served but candidateRoutes does not say how a candidate calls it: add it", p)
			}
		}
		for p := range listed {
			if !slices.Contains(served, p) {
				t.Errorf("candidateRoutes lists %q, which the server does not serve", p)
			}
		}
		// A feature mounted by a new Mount method would be missing from this server, and so
		// from Routes: every Mount method must be one this test mounts, or not serve the API.
		mounted := map[string]bool{"MountAuth": true, "MountBank": true, "MountRooms": true, "MountMatch": true, "MountLive": true, "MountFeedback": true, "MountReview": true}
		st := reflect.TypeFor[*Server]()
		for i := range st.NumMethod() {
			name := st.Method(i).Name
			if strings.HasPrefix(name, "Mount") && !mounted[name] && notREST[name] == "" {
				t.Errorf("Server.%s is not mounted by withCandidateStack: mount it there and add its routes to candidateRoutes", name)
			}
		}
	})

	// The interviewer writes a question of their own and a plan using it.
	mentor := env.signup(t)
	res, body := env.do(t, "POST", trackPath+"/questions", mentor.AccessToken, interviewerDraft())
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("interviewer's question: %d %s", res.StatusCode, body)
	}
	own := decode[bank.Question](t, body)
	ownText := guidanceText(own.Guide)
	if len(ownText) != 5 {
		t.Fatalf("interviewer's question came back with guidance %+v", own.Guide)
	}
	res, body = env.do(t, "POST", trackPath+"/plans", mentor.AccessToken, map[string]any{"title": "With my cache question", "slots": []map[string]any{
		{"question_id": own.ID, "minutes": 10}, {"category": "candidate_questions", "minutes": 5},
	}})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("interviewer's plan: %d %s", res.StatusCode, body)
	}
	ownPlan := decode[mockroom.Plan](t, body)
	builtIn, err := st.catalog.Plan(t.Context(), "", track, "general-45")
	if err != nil {
		t.Fatal(err)
	}

	mentorRooms := []struct {
		name         string
		guest        bool
		withOwnQuest bool
	}{
		{"guest candidate, built-in plan", true, false},
		{"guest candidate, built-in plan and the interviewer's own question", true, true},
		{"account candidate, built-in plan and the interviewer's own question", false, true},
	}
	for _, mr := range mentorRooms {
		t.Run(mr.name, func(t *testing.T) {
			create := map[string]any{"track": track, "plan_id": builtIn.ID, "title": "Mock with Sam"}
			if mr.withOwnQuest {
				slots := []map[string]any{{"question_id": own.ID, "minutes": 10}}
				for _, sl := range builtIn.Slots {
					slots = append(slots, map[string]any{"question_id": sl.QuestionID, "category": sl.Category, "difficulty": sl.Difficulty, "minutes": sl.Minutes})
				}
				create = map[string]any{"track": track, "title": "Mock with Sam", "plan": map[string]any{"slots": slots}}
			}
			res, body := env.do(t, "POST", "/api/v1/rooms", mentor.AccessToken, create)
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("create room: %d %s", res.StatusCode, body)
			}
			created := decode[roomCreated](t, body)

			accept := map[string]string{"invite": created.Invites.CandidateInvite, "display_name": "Casey"}
			var cand testUser
			if mr.guest {
				res, body = env.do(t, "POST", "/api/v1/invites/accept", "", accept)
			} else {
				cand = env.signup(t)
				res, body = env.do(t, "POST", "/api/v1/invites/accept", cand.AccessToken, accept)
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("candidate joins: %d %s", res.StatusCode, body)
			}
			joined := decode[inviteAccepted](t, body)
			if joined.Participant.Role != mockroom.RoleCandidate {
				t.Fatalf("joined as %s", joined.Participant.Role)
			}
			if mr.guest {
				cand.AccessToken = joined.Session.AccessToken
			}
			s := roomSweep(t, env, &st, created.Room.ID, joined.Participant.UserID, cand.AccessToken, ownText)
			s.guest, s.email, s.password = mr.guest, cand.Email, cand.Password
			s.invite = created.Invites.CandidateInvite
			s.foreignPlans = []string{ownPlan.ID}
			if !slices.Contains(s.foreignQuestions, own.ID) {
				if mr.withOwnQuest {
					t.Fatalf("the interviewer's question is not in the room")
				}
				s.foreignQuestions = append(s.foreignQuestions, own.ID)
			}
			s.run(t)
		})
	}

	t.Run("peer room, each as candidate in one half", func(t *testing.T) {
		a, b := env.signup(t), env.signup(t)
		join := map[string]any{"track": track, "level": "mid"}
		if res, body := env.do(t, "POST", "/api/v1/match/queue", a.AccessToken, join); res.StatusCode != http.StatusAccepted {
			t.Fatalf("a joins: %d %s", res.StatusCode, body)
		}
		res, body := env.do(t, "POST", "/api/v1/match/queue", b.AccessToken, join)
		matched := decode[match.View](t, body)
		if res.StatusCode != http.StatusAccepted || matched.Match == nil {
			t.Fatalf("b joins: %d %s", res.StatusCode, body)
		}
		var final match.View
		for _, u := range []testUser{a, b} {
			res, body := env.do(t, "POST", "/api/v1/match/"+matched.Match.ID+"/confirm", u.AccessToken, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("confirm: %d %s", res.StatusCode, body)
			}
			final = decode[match.View](t, body)
		}
		if final.Match.RoomID == "" {
			t.Fatalf("no room after both confirmed: %+v", final)
		}
		r, err := st.rooms.Get(t.Context(), final.Match.RoomID)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Halves) != 2 {
			t.Fatalf("peer room has %d halves", len(r.Halves))
		}
		for i, h := range r.Halves {
			cand := a
			if string(h.Candidate) == b.ID {
				cand = b
			}
			t.Run(fmt.Sprintf("half %d", i+1), func(t *testing.T) {
				s := roomSweep(t, env, &st, r.ID, h.Candidate, cand.AccessToken, ownText)
				s.email, s.password, s.matchID = cand.Email, cand.Password, matched.Match.ID
				s.foreignQuestions = append(s.foreignQuestions, own.ID)
				s.foreignPlans = []string{ownPlan.ID}
				s.run(t)
			})
		}
	})

	// The check is only worth something if it can fail: fed what an interviewer legitimately
	// receives, it must find the guidance.
	t.Run("the check finds guidance where it is", func(t *testing.T) {
		keys := guidanceKeys(t)
		res, body := env.do(t, "GET", trackPath+"/questions/"+string(own.ID), mentor.AccessToken, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("interviewer reads own question: %d %s", res.StatusCode, body)
		}
		found := leakCheck{texts: ownText, keys: keys, self: "someone-else"}.find(body)
		if !slices.ContainsFunc(found, func(p string) bool { return strings.Contains(p, `key "guide"`) }) {
			t.Errorf("the guide key of another's question went unnoticed: %q", found)
		}
		for _, text := range ownText {
			if !slices.ContainsFunc(found, func(p string) bool { return strings.Contains(p, fmt.Sprintf("%q", text)) }) {
				t.Errorf("guidance %q went unnoticed (its JSON escapes &, < and quotes): %q", text, found)
			}
		}
		// The author's own question is theirs to read, but its text is still found.
		found = leakCheck{texts: ownText, keys: keys, self: mockroom.UserID(mentor.ID)}.find(body)
		if len(found) != len(ownText) || slices.ContainsFunc(found, func(p string) bool { return strings.Contains(p, "key") }) {
			t.Errorf("author's own question: found %q, want each text once and no key", found)
		}

		// A built-in question as the interviewer's live snapshot carries it.
		full, err := st.catalog.Question(t.Context(), "", track, "py-concept-gil")
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(full)
		if err != nil {
			t.Fatal(err)
		}
		texts := guidanceText(full.Guide)
		found = leakCheck{texts: texts, keys: keys}.find(raw)
		if len(found) < len(texts)+1 {
			t.Errorf("built-in guidance: found %d problems, want at least %d: %q", len(found), len(texts)+1, found)
		}
		// Outside JSON, as in the metrics text.
		if found := (leakCheck{texts: texts}).find([]byte("# metrics\n" + texts[0])); len(found) != 1 {
			t.Errorf("plain text: found %q", found)
		}
	})
}

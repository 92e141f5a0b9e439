package e2e

import (
	"bufio"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mockroom/mockroom/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// Redis commands a node may run for one socket's hand-shake, counted with INFO commandstats on
// a private redis-server. A connect is the ticket (POST …/ticket) and the socket's accept and
// join; a resume is the same with the last position, after the socket was cut. The figures are
// in docs/performance.md ("Connect and resume"); raise them only with a reason written there.
const (
	ticketCallsBudget  = 3  // session, guest record, the caller's seat; nothing written
	connectCallsBudget = 17 // the ticket, the spend, the join's one step with the snapshot's read
	// tokenConnectCallsBudget is a connect with the access token in the join (auth=join): no
	// ticket, so neither its seat check (the join checks the seat) nor its spend; the session
	// check, then the join.
	tokenConnectCallsBudget = connectCallsBudget - 2
	resumeCallsBudget       = 14 // the ticket, the spend, the join's one step with the missed events
	// credentialResumeCallsBudget is a resume with the credential the cut socket was handed:
	// no ticket; the session check and the spend, then the join.
	credentialResumeCallsBudget = 12
	// quickResumeCallsBudget is the cut and the same resume within the presence grace
	// (live.PresenceGrace): the cut socket's leave writes nothing, and the join's step takes no
	// lease (the lease script's HGET, HGETALL, HSET, HMGET) nor announces the person online
	// (SPUBLISH).
	quickResumeCallsBudget = credentialResumeCallsBudget - 5
)

// periodic names the commands nodes run on a clock whatever the sockets do (the timer poll),
// left out of the counts.
var periodic = map[string]bool{"zrangebyscore": true, "info": true, "ping": true}

func redisCalls(t *testing.T, c *redis.Client) map[string]int {
	t.Helper()
	info, err := c.Info(t.Context(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		name, rest, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		n, err := strconv.Atoi(calls)
		if err != nil {
			t.Fatalf("commandstats line %q: %v", sc.Text(), err)
		}
		out[strings.TrimPrefix(name, "cmdstat_")] = n
	}
	return out
}

// delta is what ran between two readings, without the periodic commands.
func delta(before, after map[string]int) (map[string]int, int) {
	d, total := map[string]int{}, 0
	for k, n := range after {
		if n -= before[k]; n > 0 && !periodic[k] {
			d[k] = n
			total += n
		}
	}
	return d, total
}

func describe(d map[string]int) string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + strconv.Itoa(d[k]) + " ")
	}
	return strings.TrimSpace(b.String())
}

// TestConnectAndResumeRedisCalls counts the Redis commands of a ticket, a fresh connect and a
// resume against a real node and a private redis-server. Background work (lease renewals, the
// session sweep) can fall into one attempt, never into all of them: each figure is the least of
// several attempts.
func TestConnectAndResumeRedisCalls(t *testing.T) {
	rs := redistest.Start(t)
	rs.RequireReal(t)
	rc := redis.NewClient(&redis.Options{Addr: strings.TrimPrefix(rs.URL, "redis://")})
	t.Cleanup(func() { _ = rc.Close() })
	a := startNode(t, "A", rs.URL)
	room, iv, cand := setupRoom(t, a.url, oneMinuteQuestion())
	var ivSeq, candSeq uint64
	ivSock := join(t, a.url, room, iv, "iv", &ivSeq, nil)
	ivSock.command("room.start", nil)
	first := join(t, a.url, room, cand, "cand", &candSeq, nil) // the first join is recorded once
	cut := func(s *sock) {
		_ = s.c.NetConn().Close()
		ivSock.waitFor("the candidate offline", func(f frame) bool {
			online, ok := f["online"].(bool)
			return f.str("type") == "presence" && f.str("user_id") == cand.UserID && ok && !online
		})
		ivSock.frames = nil // keep the interviewer's frame list short across attempts
	}
	cut(first)

	const attempts = 5
	best := func(what string, budget int, run func() map[string]int) {
		t.Helper()
		least, leastTotal := map[string]int{}, -1
		for range attempts {
			d := run()
			total := 0
			for _, n := range d {
				total += n
			}
			if leastTotal < 0 || total < leastTotal {
				least, leastTotal = d, total
			}
		}
		t.Logf("%s: %d Redis commands: %s", what, leastTotal, describe(least))
		if leastTotal > budget {
			t.Errorf("%s ran %d Redis commands, budget %d: %s", what, leastTotal, budget, describe(least))
		}
	}

	best("ticket", ticketCallsBudget, func() map[string]int {
		before := redisCalls(t, rc)
		var tk struct {
			Ticket string `json:"ticket"`
		}
		call(t, a.url, "POST", "/api/v1/rooms/"+room+"/ticket", cand.Token, nil, &tk)
		d, _ := delta(before, redisCalls(t, rc))
		return d
	})
	best("connect (ticket, accept, join)", connectCallsBudget, func() map[string]int {
		before := redisCalls(t, rc)
		s := join(t, a.url, room, cand, "cand", &candSeq, nil)
		d, _ := delta(before, redisCalls(t, rc))
		cut(s)
		return d
	})
	best("connect with the token in the join (session, join)", tokenConnectCallsBudget, func() map[string]int {
		before := redisCalls(t, rc)
		s := joinWithToken(t, a.url, room, cand, "cand", &candSeq, nil)
		d, _ := delta(before, redisCalls(t, rc))
		if d["set"] != 0 {
			t.Errorf("a connect with the token in the join wrote %d keys with SET, want none (nothing is spent)", d["set"])
		}
		cut(s)
		return d
	})
	var last *position
	best("resume (ticket, accept, join with a position)", resumeCallsBudget, func() map[string]int {
		s := join(t, a.url, room, cand, "cand", &candSeq, last)
		ivSock.command("chat.send", map[string]any{"text": "while away"})
		s.waitFor("the chat", func(f frame) bool { return f.str("event") == "chat.message" })
		pos := s.last
		cut(s)
		ivSock.command("chat.send", map[string]any{"text": "missed"})
		before := redisCalls(t, rc)
		again := join(t, a.url, room, cand, "cand", &candSeq, pos)
		if f := again.frames[len(again.frames)-1]; f.str("type") != "resumed" {
			t.Fatalf("the reconnect was not resumed: %v", f)
		}
		d, _ := delta(before, redisCalls(t, rc))
		last = again.last
		cut(again)
		return d
	})
	best("resume with a credential (session, spend, join with a position)", credentialResumeCallsBudget, func() map[string]int {
		s := join(t, a.url, room, cand, "cand", &candSeq, last)
		ivSock.command("chat.send", map[string]any{"text": "while away"})
		s.waitFor("the chat", func(f frame) bool { return f.str("event") == "chat.message" })
		pos, cred := s.last, s.cred
		cut(s)
		ivSock.command("chat.send", map[string]any{"text": "missed"})
		before := redisCalls(t, rc)
		again := joinWith(t, a.url, room, cred, "cand", &candSeq, pos)
		if f := again.frames[len(again.frames)-1]; f.str("type") != "resumed" {
			t.Fatalf("the reconnect was not resumed: %v", f)
		}
		d, _ := delta(before, redisCalls(t, rc))
		last = again.last
		cut(again)
		return d
	})
	best("cut and resume within the presence grace", quickResumeCallsBudget, func() map[string]int {
		s := join(t, a.url, room, cand, "cand", &candSeq, last)
		ivSock.command("chat.send", map[string]any{"text": "while away"})
		s.waitFor("the chat", func(f frame) bool { return f.str("event") == "chat.message" })
		pos, cred := s.last, s.cred
		ivSock.command("chat.send", map[string]any{"text": "missed"})
		before := redisCalls(t, rc)
		_ = s.c.NetConn().Close()
		again := joinWith(t, a.url, room, cred, "cand", &candSeq, pos)
		if f := again.frames[len(again.frames)-1]; f.str("type") != "resumed" {
			t.Fatalf("the reconnect was not resumed: %v", f)
		}
		d, _ := delta(before, redisCalls(t, rc))
		last = again.last
		cut(again)
		return d
	})
}

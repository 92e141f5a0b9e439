// Command mockroom-load is the load generator behind docs/performance.md. Against one or more
// running mockroom nodes it sets up rooms with two participants each and then either types
// (one socket per room pushes @codemirror/collab edits at a fixed rate; the other measures
// keystroke → peer latency and checks that every accepted version arrives once, in order),
// holds idle sockets (to read their memory cost from the nodes' /metrics), or drops and resumes
// many sockets at once. Every run is bounded in count and time and stops by itself.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "mockroom-load:", err)
		os.Exit(1)
	}
}

// Hard bounds: the generator is for loopback measurements on one machine, not for attacking
// anything.
const (
	maxRooms    = 20000
	maxSockets  = 20000
	maxRate     = 100
	maxDuration = 10 * time.Minute
)

type config struct {
	urls        []string
	mode        string
	rooms       int
	rate        int
	duration    time.Duration
	warmup      time.Duration
	drain       time.Duration
	gcWait      time.Duration
	sockets     int
	concurrency int
	typist      string
	start       bool
	maxDoc      int
	track, plan string
	pids        map[string]int
	allowRemote bool
	// target is the server under test: mockroom, or centrifugo (its JSON protocol, typing and idle
	// only; each room a channel named channelPrefix+run+room).
	target        string
	channelPrefix string
	// pprofURL, when set, is a node's net/http/pprof base: a CPU profile of the middle of the
	// typing window is saved to pprofOut.
	pprofURL, pprofOut string
	// reconnectTicket makes the reconnect workload resume with a new ticket, as clients of
	// protocol version 2 do, instead of the resume credential each socket was handed.
	reconnectTicket bool
	// handshake is how a socket without a resume credential proves who it is: "ticket" (POST
	// …/ticket, then ?ticket=) or "join" (?auth=join, the access token in the join frame).
	handshake string
	// redisAddr, when set, is the Redis (host:port) whose INFO commandstats the reconnect
	// workload reads around the resume.
	redisAddr string
}

func parseConfig(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("mockroom-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	urls := fs.String("url", "http://127.0.0.1:8080", "comma-separated base URLs of mockroom nodes; sockets of a room alternate between them")
	mode := fs.String("mode", "typing", "typing, idle or reconnect")
	rooms := fs.Int("rooms", 100, "typing: rooms, two sockets each")
	rate := fs.Int("rate", 10, "typing: edits per second typed in each room (one socket types)")
	duration := fs.Duration("duration", 30*time.Second, "measured time (typing), hold time (idle), length of each -pprof profile (reconnect)")
	warmup := fs.Duration("warmup", 5*time.Second, "time before measuring starts (typing), settle time before the reading (idle, reconnect)")
	drain := fs.Duration("drain", 10*time.Second, "typing: how long to wait at the end for acknowledged edits to arrive")
	gcWait := fs.Duration("gc-wait", 130*time.Second, "idle: wait up to this long for the nodes to collect garbage before each memory reading (0: read at once)")
	sockets := fs.Int("sockets", 1000, "idle and reconnect: sockets (two per room)")
	conc := fs.Int("concurrency", 64, "set-up and reconnect workers")
	typist := fs.String("typist", "candidate", "typing: who types, candidate or interviewer")
	startRooms := fs.Bool("start", true, "move each room to live before measuring")
	maxDoc := fs.Int("max-doc", 8000, "typing: document length (UTF-16 units) past which each edit also deletes the first line")
	track := fs.String("track", "python-developer", "track of the rooms")
	plan := fs.String("plan", "general-45", "built-in plan of the rooms")
	pids := fs.String("pid", "", "extra processes whose CPU to measure from /proc, e.g. server=1234,redis=1200")
	target := fs.String("target", "mockroom", "server under test: mockroom, or centrifugo (typing and idle; -url is its HTTP base, its clients must be allowed to connect without a token, subscribe and publish)")
	prefix := fs.String("channel-prefix", "load:", "centrifugo: channel name prefix (its namespace decides history and recovery)")
	pprofURL := fs.String("pprof", "", "typing: a node's pprof base URL (its -pprof-addr, e.g. http://127.0.0.1:6060): profile its CPU over the middle of the window; reconnect: over -duration from the first fresh connect and from the cut, into two files named after -pprof-out")
	pprofOut := fs.String("pprof-out", "node.pprof", "typing: where -pprof saves the profile (reconnect: with -connect and -resume before the extension)")
	reconnectTicket := fs.Bool("reconnect-ticket", false, "reconnect: resume with a new ticket (POST …/ticket; with -handshake join, the access token in the join) instead of the resume credential each socket was handed")
	handshake := fs.String("handshake", "ticket", "mockroom: how a socket without a resume credential proves who it is: ticket (POST …/ticket, then ?ticket=) or join (?auth=join, the access token in the join frame)")
	redisAddr := fs.String("redis", "", "reconnect: the Redis (host:port) of the nodes, to count its commands per resume with INFO commandstats")
	remote := fs.Bool("allow-remote", false, "allow URLs that are not loopback (off: this tool measures a machine it runs on)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	cfg := config{
		mode: *mode, rooms: *rooms, rate: *rate, duration: *duration, warmup: *warmup, drain: *drain, gcWait: *gcWait,
		sockets: *sockets, concurrency: *conc, typist: *typist, start: *startRooms, maxDoc: *maxDoc,
		track: *track, plan: *plan, pids: map[string]int{}, allowRemote: *remote,
		target: *target, channelPrefix: *prefix, pprofURL: strings.TrimRight(*pprofURL, "/"), pprofOut: *pprofOut,
		reconnectTicket: *reconnectTicket, redisAddr: *redisAddr, handshake: *handshake,
	}
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	for _, u := range strings.Split(*urls, ",") {
		u = strings.TrimRight(strings.TrimSpace(u), "/")
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad("-url: %q is not an http(s) base URL", u)
			continue
		}
		if !cfg.allowRemote && !loopback(p.Hostname()) {
			bad("-url: %q is not a loopback address (pass -allow-remote to insist)", u)
		}
		cfg.urls = append(cfg.urls, u)
	}
	if cfg.handshake != "ticket" && cfg.handshake != "join" {
		bad("-handshake: ticket or join, got %q", cfg.handshake)
	}
	if len(cfg.urls) == 0 {
		bad("-url: at least one URL is needed")
	}
	switch cfg.mode {
	case "typing", "idle", "reconnect":
	default:
		bad("-mode: %q is not typing, idle or reconnect", cfg.mode)
	}
	switch cfg.target {
	case "mockroom":
	case "centrifugo":
		if cfg.mode == "reconnect" {
			bad("-target centrifugo: -mode typing or idle")
		}
	default:
		bad("-target: %q is not mockroom or centrifugo", cfg.target)
	}
	if cfg.rooms < 1 || cfg.rooms > maxRooms {
		bad("-rooms: must be 1..%d", maxRooms)
	}
	if cfg.rate < 1 || cfg.rate > maxRate {
		bad("-rate: must be 1..%d edits/s per room", maxRate)
	}
	if cfg.sockets < 1 || cfg.sockets > maxSockets {
		bad("-sockets: must be 1..%d", maxSockets)
	}
	if cfg.duration <= 0 || cfg.duration > maxDuration {
		bad("-duration: must be in (0, %s]", maxDuration)
	}
	if cfg.warmup < 0 || cfg.warmup > maxDuration || cfg.drain < 0 || cfg.drain > time.Minute || cfg.gcWait < 0 || cfg.gcWait > 5*time.Minute {
		bad("-warmup must be 0..%s and -drain 0..1m", maxDuration)
	}
	if cfg.concurrency < 1 || cfg.concurrency > 1024 {
		bad("-concurrency: must be 1..1024")
	}
	if cfg.typist != "candidate" && cfg.typist != "interviewer" {
		bad("-typist: must be candidate or interviewer")
	}
	if cfg.maxDoc < 2*editLen || cfg.maxDoc > 200000 {
		bad("-max-doc: must be %d..200000", 2*editLen)
	}
	for _, kv := range strings.Split(*pids, ",") {
		if kv = strings.TrimSpace(kv); kv == "" {
			continue
		}
		name, v, ok := strings.Cut(kv, "=")
		pid, err := strconv.Atoi(v)
		if !ok || err != nil || pid <= 0 {
			bad("-pid: %q is not name=pid", kv)
			continue
		}
		cfg.pids[name] = pid
	}
	if len(problems) > 0 {
		return config{}, errors.New("invalid flags:\n  " + strings.Join(problems, "\n  "))
	}
	return cfg, nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// run parses flags, runs the chosen workload and prints its report. The whole run, set-up
// included, is bounded by a deadline derived from the flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	limit := 3*time.Minute + cfg.warmup + cfg.duration + cfg.drain + 2*cfg.gcWait
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	a := newAPI(cfg.urls[0], cfg.concurrency, cfg.track, cfg.plan)
	a.joinAuth = cfg.handshake == "join"
	defer a.close()
	meter := newCPUMeter(cfg.urls, cfg.pids, a.client)
	fmt.Fprintf(stdout, "mockroom-load %s against %s (load average before: %s)\n", strings.Join(args, " "), strings.Join(cfg.urls, ","), loadAverage())
	switch {
	case cfg.target == "centrifugo" && cfg.mode == "typing":
		res, err := runCentrifugoTyping(ctx, cfg, meter)
		if err != nil {
			return err
		}
		printTyping(stdout, cfg, res)
		if res.Lost+res.Gaps+res.Duplicates+res.NonceMiss > 0 {
			return errors.New("edits were lost, reordered, duplicated or corrupted: see the table")
		}
	case cfg.mode == "typing":
		res, err := runTyping(ctx, cfg, a, meter)
		if err != nil {
			return err
		}
		printTyping(stdout, cfg, res)
		if res.Lost+res.Gaps+res.Duplicates+res.NonceMiss > 0 {
			return errors.New("edits were lost, reordered, duplicated or corrupted: see the table")
		}
	case cfg.mode == "idle":
		res, err := runIdle(ctx, cfg, a, meter)
		if err != nil {
			return err
		}
		printIdle(stdout, res)
	case cfg.mode == "reconnect":
		res, err := runReconnect(ctx, cfg, a, meter)
		if err != nil {
			return err
		}
		printReconnect(stdout, res)
		if res.Failed > 0 {
			return fmt.Errorf("%d sockets did not come back: %s", res.Failed, res.FirstError)
		}
	}
	return nil
}

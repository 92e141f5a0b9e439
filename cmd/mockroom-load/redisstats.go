package main

import (
	"bufio"
	"context"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisCalls reads the calls of every command from the Redis INFO commandstats of addr
// (host:port). A count of commands does not depend on how busy the machine is, unlike CPU.
func redisCalls(ctx context.Context, addr string) (map[string]int, error) {
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		name, rest, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		calls, _, _ := strings.Cut(strings.TrimPrefix(rest, "calls="), ",")
		if n, err := strconv.Atoi(calls); err == nil {
			out[strings.TrimPrefix(name, "cmdstat_")] = n
		}
	}
	return out, sc.Err()
}

// callsBetween is what ran between two readings, and its total; the readings' own INFO is left
// out.
func callsBetween(before, after map[string]int) (map[string]int, int) {
	d, total := map[string]int{}, 0
	for k, n := range after {
		if n -= before[k]; n > 0 && k != "info" {
			d[k] = n
			total += n
		}
	}
	return d, total
}

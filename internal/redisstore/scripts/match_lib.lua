-- Shared by the match_*.lua scripts (prepended to each). Every script on one queue gets the
-- same four keys: KEYS[1] queue zset, KEYS[2] tickets hash, KEYS[3] matches hash, KEYS[4] due zset.
-- Tickets and matches are JSON; times are unix milliseconds.
local QUEUE, TICKETS, MATCHES, DUE = KEYS[1], KEYS[2], KEYS[3], KEYS[4]

local function get_ticket(user)
  local raw = redis.call('HGET', TICKETS, user)
  if not raw then return nil end
  return cjson.decode(raw)
end

local function put_ticket(t)
  redis.call('HSET', TICKETS, t.user, cjson.encode(t))
end

local function get_match(id)
  local raw = redis.call('HGET', MATCHES, id)
  if not raw then return nil end
  return cjson.decode(raw)
end

local function put_match(m)
  redis.call('HSET', MATCHES, m.id, cjson.encode(m))
end

-- finish ends a ticket and schedules its record's removal.
local function finish(t, status, reason, now, keep)
  t.status, t.reason = status, reason
  put_ticket(t)
  redis.call('ZREM', DUE, 'q:' .. t.user)
  redis.call('ZADD', DUE, now + keep, 'g:' .. t.user)
end

-- requeue puts a ticket back at the head of the queue: below the lowest score waiting.
local function requeue(user, reason, now, expires)
  local t = get_ticket(user)
  if not t then return end
  t.status, t.match, t.reason, t.exp = 'waiting', '', reason, expires
  put_ticket(t)
  local score = now
  local head = redis.call('ZRANGE', QUEUE, 0, 0, 'WITHSCORES')
  if head[2] and tonumber(head[2]) <= score then
    score = tonumber(head[2]) - 1
  end
  redis.call('ZADD', QUEUE, score, user)
  redis.call('ZADD', DUE, expires, 'q:' .. user)
  redis.call('ZREM', DUE, 'g:' .. user)
end

-- cancel_match ends a pending match and schedules its record's removal.
local function cancel_match(m, now, keep)
  m.status = 'cancelled'
  put_match(m)
  redis.call('ZREM', DUE, 'm:' .. m.id)
  redis.call('ZADD', DUE, now + keep, 'x:' .. m.id)
end


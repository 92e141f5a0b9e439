-- Matches the person at the head of the queue with the next in line, or with the one after
-- that when the caller prefers them (a helpful peer) and they joined within the tie window of
-- the next in line. The one passed over keeps their place at the head.
-- ARGV[1] match id, ARGV[2] room id, ARGV[3] now, ARGV[4] confirm-by,
-- ARGV[5] preferred user id or '', ARGV[6] tie window (ms)
-- Returns the match JSON, or false when fewer than two wait.
local head = redis.call('ZRANGE', QUEUE, 0, 2, 'WITHSCORES')
if #head < 4 then
  return false
end
local first, firstScore = head[1], head[2]
local second, secondScore = head[3], head[4]
if ARGV[5] ~= '' and head[5] == ARGV[5] and tonumber(head[6]) - tonumber(head[4]) <= tonumber(ARGV[6]) then
  second, secondScore = head[5], head[6]
end
redis.call('ZREM', QUEUE, first, second)
local a, b = get_ticket(first), get_ticket(second)
if not a or not b then
  -- A queue member without a ticket cannot be matched; drop it and keep the other waiting.
  if a then redis.call('ZADD', QUEUE, firstScore, first) end
  if b then redis.call('ZADD', QUEUE, secondScore, second) end
  return false
end
for _, t in ipairs({a, b}) do
  t.status, t.match, t.reason = 'matched', ARGV[1], ''
  put_ticket(t)
  redis.call('ZREM', DUE, 'q:' .. t.user)
end
local m = {
  id = ARGV[1], room = ARGV[2], status = 'matched', by = tonumber(ARGV[4]), created = tonumber(ARGV[3]),
  a = a.user, an = a.name, ag = a.guest, aok = false, ac = a.cats,
  b = b.user, bn = b.name, bg = b.guest, bok = false, bc = b.cats,
}
put_match(m)
redis.call('ZADD', DUE, ARGV[4], 'm:' .. ARGV[1])
return cjson.encode(m)

-- Pops the two people at the head of the queue and matches them.
-- ARGV[1] match id, ARGV[2] room id, ARGV[3] now, ARGV[4] confirm-by
-- Returns the match JSON, or false when fewer than two wait.
if redis.call('ZCARD', QUEUE) < 2 then
  return false
end
local popped = redis.call('ZPOPMIN', QUEUE, 2)
local a, b = get_ticket(popped[1]), get_ticket(popped[3])
if not a or not b then
  -- A queue member without a ticket cannot be matched; drop it and keep the other waiting.
  if a then redis.call('ZADD', QUEUE, popped[2], popped[1]) end
  if b then redis.call('ZADD', QUEUE, popped[4], popped[3]) end
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

-- Adds a ticket at the tail of the queue.
-- ARGV[1] user id, ARGV[2] ticket JSON, ARGV[3] now, ARGV[4] ticket expiry
local cur = get_ticket(ARGV[1])
if cur and (cur.status == 'waiting' or cur.status == 'matched') then
  return 'already_queued'
end
redis.call('HSET', TICKETS, ARGV[1], ARGV[2])
redis.call('ZADD', QUEUE, ARGV[3], ARGV[1])
redis.call('ZADD', DUE, ARGV[4], 'q:' .. ARGV[1])
redis.call('ZREM', DUE, 'g:' .. ARGV[1])
return 'ok'

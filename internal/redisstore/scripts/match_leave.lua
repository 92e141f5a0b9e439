-- Takes a person out of the queue; leaving while matched declines the match.
-- ARGV[1] user id, ARGV[2] now, ARGV[3] keep, ARGV[4] expiry for a requeued peer
-- Returns the user id of a peer put back at the head of the queue, or ''.
local now, keep = tonumber(ARGV[2]), tonumber(ARGV[3])
local t = get_ticket(ARGV[1])
if not t then
  return ''
end
if t.status == 'waiting' then
  redis.call('ZREM', QUEUE, t.user)
  finish(t, 'cancelled', 'left', now, keep)
  return ''
end
if t.status ~= 'matched' then
  return ''
end
finish(t, 'cancelled', 'declined', now, keep)
local m = get_match(t.match)
if not m or m.status ~= 'matched' then
  return ''
end
cancel_match(m, now, keep)
local other = m.a
if other == t.user then other = m.b end
requeue(other, 'peer_declined', now, tonumber(ARGV[4]))
return other

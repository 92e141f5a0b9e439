-- Compare-and-set of a room's state. The record's revision (rev) moves with it.
-- KEYS[1] meta hash, KEYS[2..] the room's other keys
-- ARGV[1] expected state, ARGV[2] new state, ARGV[3] time (RFC 3339), ARGV[4] field to stamp or '',
-- ARGV[5] how long a finished session's record is kept (ms; 0 forever)
-- Returns 'ok', 'missing', or the current state when it is not the expected one.
local state = redis.call('HGET', KEYS[1], 'state')
if not state then
  return 'missing'
end
if state ~= ARGV[1] then
  return 'stale:' .. state
end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[4], ARGV[3])
end
redis.call('HINCRBY', KEYS[1], 'rev', 1)
-- A room that went live is a record to keep: its keys stop expiring. A room closed before it
-- started keeps its expiry and disappears.
if ARGV[2] == 'live' then
  for i = 1, #KEYS do
    redis.call('PERSIST', KEYS[i])
  end
end
-- The session ended: its record (every key of the room) is kept for the retention from now on.
-- Later writes (wrap-up notes, feedback) keep that expiry (live_lib.lua, feedback store).
local keep = tonumber(ARGV[5])
if keep > 0 and (ARGV[2] == 'wrap_up' or (ARGV[2] == 'closed' and state == 'live')) then
  for i = 1, #KEYS do
    redis.call('PEXPIRE', KEYS[i], keep)
  end
end
return 'ok'

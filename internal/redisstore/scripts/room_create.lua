-- Creates a room unless its id is taken. Its record's revision (rev) starts at 1.
-- KEYS[1] meta hash, KEYS[2] participants hash, KEYS[3] invites-used set, KEYS[4] reveals set
-- ARGV[1] room JSON, ARGV[2] state, ARGV[3] ttl ms, ARGV[4] candidate user id or '',
-- ARGV[5..] pairs of participant user id, participant JSON
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 'exists'
end
redis.call('HSET', KEYS[1], 'data', ARGV[1], 'state', ARGV[2], 'observers', 0, 'rev', 1)
if ARGV[4] ~= '' then
  redis.call('HSET', KEYS[1], 'candidate', ARGV[4])
end
for i = 5, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
local ttl = tonumber(ARGV[3])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return 'ok'

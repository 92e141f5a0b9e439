-- Records that a participant agreed to show their name. The record's revision (rev) moves.
-- KEYS[1] meta hash, KEYS[2] participants hash, KEYS[3] reveals set
-- ARGV[1] user id
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 'missing'
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 then
  return 'not_participant'
end
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'rev', 1)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[3], ttl)
end
return 'ok'

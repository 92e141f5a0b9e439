-- Compare-and-set of a user's queue marker.
-- KEYS[1] marker; ARGV[1] expected value ('' = absent), ARGV[2] new value, ARGV[3] ttl ms
-- Returns 'ok' or the current value.
local cur = redis.call('GET', KEYS[1]) or ''
if cur ~= ARGV[1] then
  return 'cur:' .. cur
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 'ok'

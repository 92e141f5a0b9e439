-- Stores a form's next version, once per request id.
-- KEYS[1] the room's feedback hash
-- ARGV[1] form id, ARGV[2] request id, ARGV[3] "1" to amend / "0" to submit,
-- ARGV[4] the version (JSON, without its number), ARGV[5] the form's meta (JSON), ARGV[6] now (ms)
-- Returns {outcome, version, released}: outcome is stored, duplicate, already or not_submitted.
local h, form = KEYS[1], ARGV[1]
local seen = redis.call('HGET', h, 'q:' .. form .. ':' .. ARGV[2])
if seen then
  return {'duplicate', seen, redis.call('HEXISTS', h, 'r:' .. form)}
end
local n = tonumber(redis.call('HGET', h, 'n:' .. form) or '0')
if ARGV[3] == '0' and n > 0 then
  return {'already', tostring(n), 0}
end
if ARGV[3] == '1' and n == 0 then
  return {'not_submitted', '0', 0}
end
n = n + 1
redis.call('HSET', h, 'v:' .. form .. ':' .. n, ARGV[4], 'n:' .. form, n,
  'q:' .. form .. ':' .. ARGV[2], n, 'm:' .. form, ARGV[5])
redis.call('HDEL', h, 'd:' .. form)
-- Once a room's feedback is released, what is submitted later is released with it.
local released = 0
if redis.call('HEXISTS', h, 'rel') == 1 then
  redis.call('HSETNX', h, 'r:' .. form, ARGV[6])
  released = 1
end
return {'stored', tostring(n), released}

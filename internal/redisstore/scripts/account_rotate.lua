-- Rotate a refresh session's current token.
-- KEYS[1] session hash; ARGV[1] hash of the presented token; ARGV[2] hash of the new token;
-- ARGV[3] session lifetime in milliseconds.
-- Returns "ok", "missing" (no such session: logged out, revoked or expired), or "reused" (the
-- presented token was rotated away earlier: the session is deleted, ending every token of it).
local current = redis.call('HGET', KEYS[1], 'current')
if not current then
  return 'missing'
end
if current == ARGV[1] then
  redis.call('HSET', KEYS[1], 'current', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 'ok'
end
redis.call('DEL', KEYS[1])
return 'reused'

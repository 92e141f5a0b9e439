-- Count one attempt in a fixed window (login and signup limits).
-- KEYS[1] counter; ARGV[1] window in milliseconds.
-- Returns {count in this window, milliseconds until the window ends}.
local n = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if n == 1 or ttl < 0 then
  -- First hit of a window, or a counter that somehow lost its expiry: (re)start the window so
  -- a counter can never block forever.
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {n, ttl}

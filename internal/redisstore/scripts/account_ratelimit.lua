-- Generic cell rate algorithm (GCRA) for the log-in and sign-up limits: at most ARGV[3] attempts
-- at once, refilled at one per ARGV[2] milliseconds. The key holds the theoretical arrival time
-- (TAT): when the subject's allowance would be whole again. Unlike counting in fixed windows,
-- there is no window edge at which a full burst can follow another full burst.
-- KEYS[1] TAT key; ARGV[1] now (unix ms); ARGV[2] interval (ms per attempt); ARGV[3] burst.
-- Returns {1, 0} when the attempt is allowed (and counted), {0, ms until one would be} when not
-- (a refused attempt is not counted, so retrying does not push the time further out).
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then
  tat = now
end
local next_tat = tat + interval
local allow_at = next_tat - burst * interval
if allow_at > now then
  return {0, allow_at - now}
end
-- The key expires when the allowance is whole again: nothing to remember after that.
redis.call('SET', KEYS[1], next_tat, 'PX', next_tat - now)
return {1, 0}

-- Records (online) or clears a participant's presence. A script rather than a plain HSET so that
-- presence in a room that has not started expires with the rest of the room.
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua)
-- ARGV: user id, "1" online or "0" gone, online-until unix ms, waiting_ttl_ms
local presence = KEYS[7]
if ARGV[2] == '1' then
  redis.call('HSET', presence, ARGV[1], ARGV[3])
else
  redis.call('HDEL', presence, ARGV[1])
end
live_retain(tonumber(ARGV[4]))
return 1

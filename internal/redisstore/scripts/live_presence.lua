-- Records or clears one node's lease on a participant's presence (a field "<user> <node>", see
-- live_leases.lua); the person is online while any of their leases holds. A node renews its
-- leases while the sockets are open, so a node that dies stops renewing and its leases run out
-- by themselves.
-- A script rather than a plain HSET so that presence in a room that has not started expires with
-- the rest of the room, and so that the answer says whether the person's presence changed.
-- The announcement of the change, when the caller gives one, is published here, in the same step
-- as the change: two nodes' announcements of one person (one releasing, one renewing) then reach
-- the room in the order of the changes, never an online before an offline that preceded it.
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua), 8 the room's channel (with ARGV 7)
-- ARGV: user id, node id, "1" renew or "0" release, lease-until unix ms, waiting_ttl_ms, now unix
--       ms, then optionally the announcement to publish: always on a renewal (the node announces
--       each person it starts holding), on a release only when the person went offline
-- Returns 1 when the person came online (renew: no lease held before) or went offline (release:
-- no lease holds after), 0 otherwise.
local presence = KEYS[7]
local user, field = ARGV[1], ARGV[1] .. ' ' .. ARGV[2]
local now = tonumber(ARGV[6])

local changed = 0
if ARGV[3] == '1' then
  local mine = tonumber(redis.call('HGET', presence, field) or '0')
  if mine <= now and not lease_held(presence, user, now, field) then
    changed = 1
  end
  redis.call('HSET', presence, field, ARGV[4])
else
  redis.call('HDEL', presence, field)
  if not lease_held(presence, user, now, field) then
    changed = 1
  end
end
live_retain(tonumber(ARGV[5]), now, nil, nil, {7}) -- the presence hash vanishes with its last lease
local announce = ARGV[7]
if announce and (ARGV[3] == '1' or changed == 1) then
  redis.call('PUBLISH_CMD', KEYS[8], announce)
end
return changed

-- One node's renewal cycle for one room: renews the node's leases on the people it holds there,
-- removes the room's leases that ran out, and says who came back online and who is gone. Each
-- node runs it every few seconds for every room it serves, so it reads the presence hash once and
-- writes it at most twice (an HDEL of what ran out, an HSET of every renewed lease) instead of a
-- lease script per person and an expiry script per room.
--
-- A person renewed here comes back online when their lease had run out and no other lease held
-- them at now, as live_presence.lua's renewal says. A lease that ran out is removed, and its
-- person is gone when no lease holds them any more (a renewed lease holds): the HDEL in the
-- same script makes exactly one caller announce each. A field that is not a lease ("<user> <node>", both non-empty), such as the user
-- id alone that code before leases wrote with a 12-hour expiry, is removed without announcing
-- anyone: no reader ever showed its person online.
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua)
-- ARGV: node id, lease-until unix ms, waiting_ttl_ms, now unix ms, then the user ids to renew
--   (none: the room is only looked at for leases that ran out)
-- Returns {back, gone}: the renewed user ids that came back online, the user ids gone offline.
local presence = KEYS[7]
local node, untilMS, now = ARGV[1], ARGV[2], tonumber(ARGV[4])

local renew = {}
for i = 5, #ARGV do
  renew[ARGV[i]] = true
end

local all = redis.call('HGETALL', presence)
local mine, held, expired, drop = {}, {}, {}, {}
for i = 1, #all, 2 do
  local f, lease = all[i], tonumber(all[i + 1])
  local user, owner = string.match(f, '^([^ ]+) (.+)$')
  if not user then
    drop[#drop + 1] = f
  elseif owner == node and renew[user] then
    -- Renewed below, whatever it holds: never run out, and not another node's lease.
    mine[user] = lease
  elseif lease and lease > now then
    held[user] = true
  else
    drop[#drop + 1] = f
    expired[#expired + 1] = user
  end
end

local back = {}
for i = 5, #ARGV do
  local user = ARGV[i]
  if not ((mine[user] or 0) > now) and not held[user] then
    back[#back + 1] = user
  end
  held[user] = true
end

local gone, seen = {}, {}
for _, user in ipairs(expired) do
  if not held[user] and not seen[user] then
    seen[user] = true
    gone[#gone + 1] = user
  end
end

-- Chunked: unpack takes a bounded number of values, and a room may hold many people.
local CHUNK = 500
for s = 1, #drop, CHUNK do
  redis.call('HDEL', presence, unpack(drop, s, math.min(s + CHUNK - 1, #drop)))
end
if #ARGV >= 5 then
  local args = {}
  for i = 5, #ARGV do
    args[#args + 1] = ARGV[i] .. ' ' .. node
    args[#args + 1] = untilMS
    if #args >= 2 * CHUNK then
      redis.call('HSET', presence, unpack(args))
      args = {}
    end
  end
  if #args > 0 then
    redis.call('HSET', presence, unpack(args))
  end
  live_retain(tonumber(ARGV[3]), now, nil, nil, {7}) -- the presence hash vanishes with its last lease
end
return {back, gone}

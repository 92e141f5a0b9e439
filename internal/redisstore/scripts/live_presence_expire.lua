-- Removes the presence leases of a room that ran out (their node stopped renewing them: it died,
-- or lost the store for longer than a lease) and lists the people who are offline because of it,
-- so that exactly one caller announces each of them. A field that is not a lease ("<user> <node>",
-- both non-empty), such as the user id alone that code before leases wrote with a 12-hour expiry,
-- is removed too, without announcing anyone: no reader ever showed its person online.
-- KEYS: 1 the room's presence hash
-- ARGV: now unix ms
local presence = KEYS[1]
local now = tonumber(ARGV[1])
local all = redis.call('HGETALL', presence)
local expired, live = {}, {}
for i = 1, #all, 2 do
  local f, lease = all[i], tonumber(all[i + 1])
  local user, node = string.match(f, '^([^ ]+) (.+)$')
  if not user then
    redis.call('HDEL', presence, f)
  elseif lease and lease > now then
    live[user] = true
  else
    redis.call('HDEL', presence, f)
    expired[#expired + 1] = user
  end
end
local gone, seen = {}, {}
for _, user in ipairs(expired) do
  if not live[user] and not seen[user] then
    seen[user] = true
    gone[#gone + 1] = user
  end
end
return gone

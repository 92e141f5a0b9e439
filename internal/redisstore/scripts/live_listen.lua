-- Adds a node to, or removes it from, the nodes listening to a room's channel: the state's "subs",
-- node ids separated by single spaces. live_append.lua publishes an event unless the list is
-- empty or holds the appending node alone (that node hands the event to its own sockets itself),
-- so a node must be on the list for as long as it is subscribed: it is added once it has
-- subscribed, here with the head read in the same step (an event appended after it is
-- published, one appended before is in the head), and removed only after it has left.
-- A room whose state exists without a list was written by a release that kept none, and a node of
-- that release may be listening unlisted: it stays without a list, and everything is published.
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua)
-- ARGV: 1 node id, 2 '1' add or '0' remove, 3 waiting_ttl_ms, 4 now unix ms
-- Returns the head, {epoch, off, last_id} as live_read.lua gives it.
local state, node = KEYS[1], ARGV[1]
local r = redis.call('HMGET', state, 'epoch', 'off', 'last_id', 'subs')
local head = {r[1] or '', r[2] or '0', r[3] or ''}
local subs = r[4]

local listed = false
if subs then
  listed = string.find(' ' .. subs .. ' ', ' ' .. node .. ' ', 1, true) ~= nil
end

if ARGV[2] == '1' then
  if listed then
    return head
  end
  if not subs then
    if redis.call('EXISTS', state) == 1 then
      return head
    end
    subs = node
  elseif subs == '' then
    subs = node
  else
    subs = subs .. ' ' .. node
  end
  redis.call('HSET', state, 'subs', subs)
  live_retain(tonumber(ARGV[3]), tonumber(ARGV[4]), nil, {1})
  return head
end

if listed then
  local kept = {}
  for id in string.gmatch(subs, '[^ ]+') do
    if id ~= node then
      kept[#kept + 1] = id
    end
  end
  redis.call('HSET', state, 'subs', table.concat(kept, ' '))
end
return head

-- Fires what a room's timer has due, exactly once: only while the generation named by the
-- caller is still the room's current one, only the items whose time has come, each removed from
-- the schedule as its event is appended and published. An "advance" item is not fired here: it
-- is reported so that the caller starts the next question with a generation check.
-- A timer exists only once the room has started, when its keys no longer expire, so unlike the
-- other writing scripts this one has no expiry to keep (see live_lib.lua).
--
-- KEYS: 1 state hash, 2 log stream, 3 channel
-- ARGV: gen, now_ms, then one event id per possibly fired item
-- Returns {status, cur_gen, next_due_ms, epoch, off1, id1, ...}
--   status: "fired" (maybe nothing), "stale" (gen is not current), "advance"
local state, log, channel = KEYS[1], KEYS[2], KEYS[3]
local gen, now = ARGV[1], tonumber(ARGV[2])
local cur = redis.call('HGET', state, 't_gen') or ''
local sched = redis.call('HGET', state, 't_sched') or ''

local function next_due(s)
  local bar = string.find(s, '|', 1, true)
  if not bar then return '0' end
  return string.sub(s, 1, bar - 1)
end

if cur ~= gen then
  return {'stale', cur, next_due(sched), ''}
end

local epoch = redis.call('HGET', state, 'epoch') or ''
local off = tonumber(redis.call('HGET', state, 'off') or '0')
local out = {'fired', cur, '0', epoch}
local idi = 3
local status = 'fired'
while sched ~= '' do
  local nl = string.find(sched, '\n', 1, true)
  local line = string.sub(sched, 1, nl - 1)
  local b1 = string.find(line, '|', 1, true)
  local at = tonumber(string.sub(line, 1, b1 - 1))
  if at > now then break end
  local kind = string.sub(line, b1 + 1, b1 + 1)
  if kind == 'a' then
    status = 'advance'
    break
  end
  local body = string.sub(line, b1 + 3)
  local id = ARGV[idi]
  idi = idi + 1
  off = off + 1
  local ev = '{"offset":' .. off .. ',"id":"' .. id .. '","epoch":"' .. epoch .. '","at":' .. now .. ',' .. body
  redis.call('XADD', log, off, 'e', ev) -- id "<off>-0"
  redis.call('PUBLISH_CMD', channel, ev)
  redis.call('HSET', state, 'off', off, 'last_id', id)
  out[#out + 1] = tostring(off)
  out[#out + 1] = id
  sched = string.sub(sched, nl + 1)
end
redis.call('HSET', state, 't_sched', sched)
out[1] = status
out[3] = next_due(sched)
return out

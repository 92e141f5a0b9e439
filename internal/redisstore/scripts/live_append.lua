-- Appends a command's events to a room's log, atomically with its checks, its idempotency
-- record and its state changes, and publishes each event to the room's channel.
--
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua), 8 channel
-- ARGV: now_ms, client_id, seq, new_epoch, waiting_ttl_ms,
--       n_checks, then per check: field, op ("=" or "!"), value
--       n_sets,   then per set:   field, value
--       n_events, then per event: id, keep ("", "c", "n", "q"), body (JSON object tail)
-- Returns {"ok", epoch, off1, id1, off2, id2, ...}
--      or {"dup", "<epoch> <offset> <id>"} / {"old", last_seq}
--      or {"conflict", field, actual}
local state, log, clients, chat, notes, channel = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[8]
local now, client, seq = ARGV[1], ARGV[2], tonumber(ARGV[3])

if client ~= '' then
  local last = redis.call('HGET', clients, client)
  if last then
    local nl = string.find(last, '\n', 1, true)
    local lastseq = tonumber(string.sub(last, 1, nl - 1))
    if seq == lastseq then
      return {'dup', string.sub(last, nl + 1)}
    elseif seq < lastseq then
      return {'old', tostring(lastseq)}
    end
  end
end

local i = 6
local nchecks = tonumber(ARGV[i]); i = i + 1
for _ = 1, nchecks do
  local field, op, want = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  i = i + 3
  local actual = redis.call('HGET', state, field) or ''
  if (op == '=' and actual ~= want) or (op == '!' and actual == want) then
    return {'conflict', field, actual}
  end
end

local epoch = redis.call('HGET', state, 'epoch')
local off
if not epoch then
  -- A new log, or one whose state was lost: start a new epoch so that no position issued
  -- before can match, and drop whatever is left of an older log.
  epoch = ARGV[4]
  redis.call('DEL', log, chat, notes)
  redis.call('HSET', state, 'epoch', epoch)
  off = 0
else
  off = tonumber(redis.call('HGET', state, 'off') or '0')
end

local nsets = tonumber(ARGV[i]); i = i + 1
for _ = 1, nsets do
  redis.call('HSET', state, ARGV[i], ARGV[i + 1])
  i = i + 2
end

local out = {'ok', epoch}
local nevents = tonumber(ARGV[i]); i = i + 1
local id = ''
for _ = 1, nevents do
  id = ARGV[i]
  local keep, body = ARGV[i + 1], ARGV[i + 2]
  i = i + 3
  off = off + 1
  local ev = '{"offset":' .. off .. ',"id":"' .. id .. '","epoch":"' .. epoch .. '","at":' .. now .. ',' .. body
  redis.call('XADD', log, off .. '-1', 'e', ev)
  if keep == 'c' then
    redis.call('RPUSH', chat, ev)
  elseif keep == 'n' then
    redis.call('RPUSH', notes, ev)
  elseif keep == 'q' then
    redis.call('HSET', state, 'q_ev', ev)
  end
  redis.call('PUBLISH_CMD', channel, ev)
  out[#out + 1] = tostring(off)
  out[#out + 1] = id
end
redis.call('HSET', state, 'off', off, 'last_id', id)

if client ~= '' then
  redis.call('HSET', clients, client, seq .. '\n' .. epoch .. ' ' .. off .. ' ' .. id)
end
live_retain(tonumber(ARGV[5]))
return out

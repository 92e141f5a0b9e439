-- Appends a command's events to a room's log, atomically with its checks, its idempotency
-- record and its state changes, and publishes each event to the room's channel.
--
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua), 8 channel
-- ARGV: now_ms, client_id, seq, new_epoch, waiting_ttl_ms,
--       n_checks, then per check: field, op ("=" or "!"), value
--       n_sets,   then per set:   field, value
--       n_events, then per event: id, keep ("", "c", "n", "q"), body (JSON object tail),
--                                 header (the published header line, "" for none; live.DecodePublished)
-- Returns {"ok", epoch, off1, id1, off2, id2, ...}
--      or {"dup", "<epoch> <offset> <id>"} / {"old", last_seq}
--      or {"conflict", field, actual}
local state, log, clients, chat, notes, channel = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[8]
local now, client, seq = ARGV[1], ARGV[2], tonumber(ARGV[3])

-- Every Redis command here runs on the keystroke path (an editor push is one call of this
-- script), so the script reads the state hash once and writes it once: the command count per
-- push is guarded by TestEditorPushRedisCalls.

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

-- One HMGET: the checked fields, then epoch, off, phase and the waiting expiry (live_lib.lua).
local i = 6
local nchecks = tonumber(ARGV[i]); i = i + 1
local fields = {}
for c = 1, nchecks do
  fields[c] = ARGV[i + 3 * (c - 1)]
end
fields[nchecks + 1], fields[nchecks + 2], fields[nchecks + 3] = 'epoch', 'off', 'phase'
fields[nchecks + 4], fields[nchecks + 5] = 'w_exp', 'w_keys'
local read = redis.call('HMGET', state, unpack(fields))
for c = 1, nchecks do
  local field, op, want = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  i = i + 3
  local actual = read[c] or ''
  if (op == '=' and actual ~= want) or (op == '!' and actual == want) then
    return {'conflict', field, actual}
  end
end
local epoch, off, phase = read[nchecks + 1], tonumber(read[nchecks + 2] or '0'), read[nchecks + 3]
local w_exp, w_keys = read[nchecks + 4], read[nchecks + 5]

-- The state hash's writes, in the order they used to be made one by one (a later pair for the
-- same field wins in HSET): the new epoch, the command's sets, the current question event,
-- then the head.
local writes = {}
if not epoch then
  -- A new log, or one whose state was lost: start a new epoch so that no position issued
  -- before can match, and drop whatever is left of an older log.
  epoch = ARGV[4]
  redis.call('DEL', log, chat, notes)
  writes[#writes + 1], writes[#writes + 2] = 'epoch', epoch
  off = 0
end

local nsets = tonumber(ARGV[i]); i = i + 1
for _ = 1, nsets do
  local field, value = ARGV[i], ARGV[i + 1]
  writes[#writes + 1], writes[#writes + 2] = field, value
  if field == 'phase' then
    phase = value
  end
  i = i + 2
end

local out = {'ok', epoch}
local nevents = tonumber(ARGV[i]); i = i + 1
local id = ''
local wrote_chat, wrote_notes = false, false
for _ = 1, nevents do
  id = ARGV[i]
  local keep, body, hdr = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  i = i + 4
  off = off + 1
  local ev = '{"offset":' .. off .. ',"id":"' .. id .. '","epoch":"' .. epoch .. '","at":' .. now .. ',' .. body
  redis.call('XADD', log, off .. '-1', 'e', ev)
  if keep == 'c' then
    redis.call('RPUSH', chat, ev)
    wrote_chat = true
  elseif keep == 'n' then
    redis.call('RPUSH', notes, ev)
    wrote_notes = true
  elseif keep == 'q' then
    writes[#writes + 1], writes[#writes + 2] = 'q_ev', ev
  end
  if hdr ~= '' then
    -- The nodes' fan-out reads what it needs from this header instead of decoding the event.
    redis.call('PUBLISH_CMD', channel, hdr .. ev)
  else
    redis.call('PUBLISH_CMD', channel, ev)
  end
  out[#out + 1] = tostring(off)
  out[#out + 1] = id
end
writes[#writes + 1], writes[#writes + 2] = 'off', off
writes[#writes + 1], writes[#writes + 2] = 'last_id', id
redis.call('HSET', state, unpack(writes))

if client ~= '' then
  redis.call('HSET', clients, client, seq .. '\n' .. epoch .. ' ' .. off .. ' ' .. id)
end
-- The stored keys this command wrote (by index, see live_lib.lua): the state hash always.
local wrote = {1}
if nevents > 0 then wrote[#wrote + 1] = 2 end
if client ~= '' then wrote[#wrote + 1] = 3 end
if wrote_chat then wrote[#wrote + 1] = 4 end
if wrote_notes then wrote[#wrote + 1] = 5 end
live_retain(tonumber(ARGV[5]), tonumber(now), {phase = phase, exp = w_exp, keys = w_keys}, wrote)
return out

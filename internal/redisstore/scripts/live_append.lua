-- Appends a command's events to a room's log, atomically with its checks, its idempotency
-- record and its state changes, and publishes each event to the room's channel.
--
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua), 8 channel
-- ARGV: now_ms, client_id, seq, new_epoch, waiting_ttl_ms,
--       n_read, then the state fields the checks read (besides the five the script always
--               reads first: epoch, off, phase, w_exp, w_keys): the field of each equality
--               check in order, then any other field a difference check names
--       n_equal, then per equality check: the value its field (read 5 + its place) must hold
--       n_differ, then per difference check: its field's place among all those read (1 to 5
--                 for the script's own five), the value it must not hold
--       n_sets,   then per set:   field, value (never epoch, off or last_id: the script's own)
--       n_events, then per event: id, keep ("", "c", "n", "q"), body (JSON object tail),
--                                 header (the published header line, "" for none; live.DecodePublished)
-- Returns {"ok", epoch, off1, id1, off2, id2, ...}
--      or {"dup", "<epoch> <offset> <id>"} / {"old", last_seq}
--      or {"conflict", field, actual}
local A, KEYS, redis, tonumber, unpack = ARGV, KEYS, redis, tonumber, unpack
local state, log, clients, chat, notes, channel = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[8]
local now, client, seq = A[1], A[2], tonumber(A[3])

-- Every Redis command here runs on the keystroke path (an editor push is one call of this
-- script), so the script reads the state hash once and writes it once: the command count per
-- push is guarded by TestEditorPushRedisCalls. The Lua around the commands costs Redis as much
-- as the commands do, so the common case builds no tables: the fields to read and the sets come
-- as ranges of ARGV, passed on with unpack.

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

-- One HMGET of every field the script needs: its own five, then the caller's (see ARGV above).
-- Each argument costs Redis a string on every call, so the five are not passed.
local nread = tonumber(A[6])
local read = redis.call('HMGET', state, 'epoch', 'off', 'phase', 'w_exp', 'w_keys', unpack(A, 7, 6 + nread))
local i = 7 + nread
local nequal = tonumber(A[i])
for k = 1, nequal do
  local actual = read[5 + k] or ''
  if actual ~= A[i + k] then
    return {'conflict', A[6 + k], actual}
  end
end
i = i + nequal + 1
local ndiffer = tonumber(A[i]); i = i + 1
for k = i, i + 2 * ndiffer - 1, 2 do
  local at = tonumber(A[k])
  local actual = read[at] or ''
  if actual == A[k + 1] then
    return {'conflict', at <= 5 and ({'epoch', 'off', 'phase', 'w_exp', 'w_keys'})[at] or A[1 + at], actual}
  end
end
i = i + 2 * ndiffer
local epoch, off, phase = read[1], tonumber(read[2] or '0'), read[3]
local w_exp, w_keys = read[4], read[5]

local new_epoch = false
if not epoch then
  -- A new log, or one whose state was lost: start a new epoch so that no position issued
  -- before can match, and drop whatever is left of an older log.
  epoch = A[4]
  redis.call('DEL', log, chat, notes)
  new_epoch = true
  off = 0
end

local nsets = tonumber(A[i]); i = i + 1
local sets_from, sets_to = i, i + 2 * nsets - 1
i = sets_to + 1
for s = sets_from, sets_to, 2 do
  if A[s] == 'phase' then
    phase = A[s + 1]
  end
end

local out = {'ok', epoch}
local nevents = tonumber(A[i]); i = i + 1
local id = ''
local wrote_chat, wrote_notes, q_ev = false, false, nil
for _ = 1, nevents do
  id = A[i]
  local keep, body, hdr = A[i + 1], A[i + 2], A[i + 3]
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
    q_ev = ev
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

-- One HSET of the state hash: the new epoch, the command's sets, the current question event and
-- the head. The sets never name the head's fields, so their order does not matter, and the
-- common case (an edit) passes them on as they came.
if new_epoch or q_ev then
  local writes = {}
  if new_epoch then
    writes[1], writes[2] = 'epoch', epoch
  end
  for s = sets_from, sets_to do
    writes[#writes + 1] = A[s]
  end
  if q_ev then
    writes[#writes + 1], writes[#writes + 2] = 'q_ev', q_ev
  end
  writes[#writes + 1], writes[#writes + 2] = 'off', off
  writes[#writes + 1], writes[#writes + 2] = 'last_id', id
  redis.call('HSET', state, unpack(writes))
else
  redis.call('HSET', state, 'off', off, 'last_id', id, unpack(A, sets_from, sets_to))
end

if client ~= '' then
  redis.call('HSET', clients, client, seq .. '\n' .. epoch .. ' ' .. off .. ' ' .. id)
end
-- A live room with no waiting expiry left has nothing to retain (live_lib.lua): skip the call
-- and the tables it takes.
if phase ~= 'live' or w_exp then
  -- The stored keys this command wrote (by index, see live_lib.lua): the state hash always.
  local wrote = {1}
  if nevents > 0 then wrote[#wrote + 1] = 2 end
  if client ~= '' then wrote[#wrote + 1] = 3 end
  if wrote_chat then wrote[#wrote + 1] = 4 end
  if wrote_notes then wrote[#wrote + 1] = 5 end
  live_retain(tonumber(A[5]), tonumber(now), {phase = phase, exp = w_exp, keys = w_keys}, wrote)
end
return out

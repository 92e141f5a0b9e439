-- Appends a command's events to a room's log, atomically with its checks, its idempotency
-- record and its state changes, and publishes each event to the room's channel.
--
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua), 8 channel
-- ARGV: 1 now_ms, 2 record field ("" for a command without a client), 3 seq, 4 new_epoch,
--       5 waiting_ttl_ms,
--       6 layout: one byte each for n_read, n_equal, n_differ, n_sets, n_events, then one byte
--         per difference check: the place of its field among all the fields read (see below)
--       then n_read fields: the state fields the checks read (besides the six the script always
--         reads first: epoch, off, phase, w_exp, w_keys and the record field), the field of each
--         equality check in order, then any other field a difference check names
--       then n_equal values: what the field of each equality check (read 6 + its place) must hold
--       then n_differ values: what the field of each difference check must not hold
--       then n_sets pairs: field, value (never epoch, off, last_id or a record field)
--       then n_events quadruples: id, keep ("", "c", "n", "q"), body (JSON object tail),
--         header (the published header line, "" for none; live.DecodePublished)
-- Returns "ok <epoch> <off1> <id1> <off2> <id2> ..." (one string: cheaper to read than a list)
--      or {"dup", "<epoch> <offset> <id>"} / {"old", last_seq}
--      or {"conflict", field, actual}
local A, KEYS, redis, tonumber, tostring, unpack = ARGV, KEYS, redis, tonumber, tostring, unpack
local byte, find, sub = string.byte, string.find, string.sub
local state, log, clients, chat, notes, channel = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[8]
local now, record, seq, layout = A[1], A[2], A[3], A[6]

-- Every Redis command here runs on the keystroke path (an editor push is one call of this
-- script), so the script reads the state hash once and writes it once: the command count per
-- push is guarded by TestEditorPushRedisCalls. The Lua around the commands costs Redis as much
-- as the commands do, so the common case builds no tables (the fields to read and the sets come
-- as ranges of ARGV, passed on with unpack) and converts as few numbers as it can: each
-- tonumber reads its string twice with strtod, and each number made a string is a sprintf. The
-- counts come as bytes of one argument, the sequence numbers are compared as decimal strings,
-- and an event's offset is made a string once.
--
-- The idempotency record of a client ("<seq>\n<epoch> <offset> <id>", the reply to its last
-- command) is a field of the state hash ("cmd:<person> <client>"), read and written with the
-- rest of the state rather than by commands of its own.

local nread, nequal, ndiffer, nsets, nevents = byte(layout, 1, 5)

-- One HMGET of every field the script needs: its own six, then the caller's (see ARGV above).
-- Each argument costs Redis a string on every call, so the five named ones are not passed.
local read = redis.call('HMGET', state, 'epoch', 'off', 'phase', 'w_exp', 'w_keys', record, unpack(A, 7, 6 + nread))

if record ~= '' then
  local last = read[6]
  if not last then
    -- Written before records moved into the state hash: the clients hash kept them, under the
    -- field's name without its prefix. Read once per client, on its first command here.
    last = redis.call('HGET', clients, sub(record, 5))
  end
  if last then
    local nl = find(last, '\n', 1, true)
    local lastseq = sub(last, 1, nl - 1)
    if seq == lastseq then
      return {'dup', sub(last, nl + 1)}
    end
    -- Both are decimal integers without leading zeros: the shorter is the smaller.
    if #seq < #lastseq or (#seq == #lastseq and seq < lastseq) then
      return {'old', lastseq}
    end
  end
end

local i = 7 + nread
for k = 1, nequal do
  local actual = read[6 + k] or ''
  if actual ~= A[i + k - 1] then
    return {'conflict', A[6 + k], actual}
  end
end
i = i + nequal
for k = 1, ndiffer do
  local at = byte(layout, 5 + k)
  local actual = read[at] or ''
  if actual == A[i + k - 1] then
    return {'conflict', at <= 5 and ({'epoch', 'off', 'phase', 'w_exp', 'w_keys'})[at] or A[at], actual}
  end
end
i = i + ndiffer
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

local sets_from, sets_to = i, i + 2 * nsets - 1
i = sets_to + 1
for s = sets_from, sets_to, 2 do
  if A[s] == 'phase' then
    phase = A[s + 1]
  end
end

local out = 'ok ' .. epoch
local id, head = '', new_epoch and '0' or (read[2] or '0')
local wrote_chat, wrote_notes, q_ev = false, false, nil
for _ = 1, nevents do
  id = A[i]
  local keep, body, hdr = A[i + 1], A[i + 2], A[i + 3]
  i = i + 4
  off = off + 1
  head = tostring(off)
  local ev = '{"offset":' .. head .. ',"id":"' .. id .. '","epoch":"' .. epoch .. '","at":' .. now .. ',' .. body
  redis.call('XADD', log, head .. '-1', 'e', ev)
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
  out = out .. ' ' .. head .. ' ' .. id
end

-- One HSET of the state hash: the new epoch, the command's sets, the current question event, the
-- head and the idempotency record. The sets never name the head's fields or a record, so their
-- order does not matter, and the common case (an edit) passes them on as they came.
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
  writes[#writes + 1], writes[#writes + 2] = 'off', head
  writes[#writes + 1], writes[#writes + 2] = 'last_id', id
  if record ~= '' then
    writes[#writes + 1], writes[#writes + 2] = record, seq .. '\n' .. epoch .. ' ' .. head .. ' ' .. id
  end
  redis.call('HSET', state, unpack(writes))
elseif record ~= '' then
  redis.call('HSET', state, 'off', head, 'last_id', id, record, seq .. '\n' .. epoch .. ' ' .. head .. ' ' .. id, unpack(A, sets_from, sets_to))
else
  redis.call('HSET', state, 'off', head, 'last_id', id, unpack(A, sets_from, sets_to))
end

-- A live room with no waiting expiry left has nothing to retain (live_lib.lua): skip the call
-- and the tables it takes.
if phase ~= 'live' or w_exp then
  -- The stored keys this command wrote (by index, see live_lib.lua): the state hash always.
  local wrote = {1}
  if nevents > 0 then wrote[#wrote + 1] = 2 end
  if wrote_chat then wrote[#wrote + 1] = 4 end
  if wrote_notes then wrote[#wrote + 1] = 5 end
  live_retain(tonumber(A[5]), tonumber(now), {phase = phase, exp = w_exp, keys = w_keys}, wrote)
end
return out

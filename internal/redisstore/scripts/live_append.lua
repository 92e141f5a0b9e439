-- Appends a command's events to a room's log, atomically with its checks, its idempotency
-- record and its state changes, and publishes each event to the room's channel.
--
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua), 8 channel; or, the short form,
--       1 state hash, 2 log stream, 3 channel (see below)
-- ARGV: 1 now_ms, 2 record field ("" for a command without a client), 3 seq,
--       4 layout: one byte each for n_read, n_equal, n_differ, n_sets, n_events and the flags
--         (1: refused once the session is over, see below), then one byte per difference check:
--         the place of its field among all the fields read (see below),
--         then one byte per event: what keeps a copy of it ('-' nothing, 'c' chat, 'n' notes,
--         'q' the current question), then the waiting TTL in ms, in decimal
--       then n_read fields: the state fields the checks read (besides the six the script
--         always reads first: epoch, off, phase, w_exp, closed and the record field), the
--         field of each equality check in order, then any other field a difference check names
--       then n_equal values: what the field of each equality check (read 6 + its place) must hold
--       then n_differ values: what the field of each difference check must not hold
--       then n_sets pairs: field, value (never epoch, off, last_id or a record field)
--       then n_events triples: id, body (JSON object tail), header (the published header line,
--         "" for none; live.DecodePublished)
-- Returns, when the command is applied, one string: "<epoch> <head offset> <last id>", after
--      "<seq>\n" when the command has a record (the record itself; cheaper to read than a list),
--      the full form with "+" before it when the short form will do for the room's next push
--      or {"dup", "<epoch> <offset> <id>"} / {"old", last_seq}
--      or {"conflict", field, actual}
--      or, the short form only, {"full"}, having written nothing: run it in the full form
local A, KEYS, redis, tonumber, tostring, unpack = ARGV, KEYS, redis, tonumber, tostring, unpack
local byte, find, sub = string.byte, string.find, string.sub
local state, log = KEYS[1], KEYS[2]
-- Every key is a string Redis makes for the call and files in the KEYS table, so a push to a
-- started room passes only the three it writes: the short form. It suits a room whose state and
-- idempotency record are in place, live and with no waiting expiry left (nothing to retain), and
-- a command that keeps no chat or notes and does not set the phase (live.Store leaves those to
-- the full form); where it does not suit, it writes nothing and asks for the full form.
local short = KEYS[4] == nil
local channel = short and KEYS[3] or KEYS[8]
local now, record, seq, layout = A[1], A[2], A[3], A[4]

-- Every Redis command here runs on the keystroke path (an editor push is one call of this
-- script), so the script reads the state hash once and writes it once: the command count per
-- push is guarded by TestEditorPushRedisCalls. The Lua around the commands costs Redis as much
-- as the commands do: every argument is a string Redis makes and files in a table, and every
-- string the script builds is another. So the common case builds no tables (the fields to read
-- and the sets come as ranges of ARGV, passed on with unpack), takes what it needs only rarely
-- (the waiting TTL, a new epoch) from the layout argument or makes it itself, and converts as
-- few numbers as it can: each tonumber reads its string twice with strtod, and each number made
-- a string is a sprintf. The counts come as bytes, the sequence numbers are compared as decimal
-- strings, an event's offset is made a string once and is its stream id as it is (id "<n>-0"),
-- and the reply is the idempotency record the script writes anyway.
--
-- The idempotency record of a client ("<seq>\n<epoch> <offset> <id>", the reply to its last
-- command) is a field of the state hash ("cmd:<person> <client>"), read and written with the
-- rest of the state rather than by commands of its own.

local nread, nequal, ndiffer, nsets, nevents, flags = byte(layout, 1, 6)

-- One HMGET of every field the script needs: its own six, then the caller's (see ARGV above).
-- Each argument costs Redis a string on every call, so the five named ones are not passed.
local read = redis.call('HMGET', state, 'epoch', 'off', 'phase', 'w_exp', 'closed', record, unpack(A, 5, 4 + nread))

if record ~= '' then
  local last = read[6]
  if not last then
    -- Written before records moved into the state hash: the clients hash kept them, under the
    -- field's name without its prefix. Read once per client, on its first command here.
    if short then
      return {'full'}
    end
    last = redis.call('HGET', KEYS[3], sub(record, 5))
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

-- The caller's field read at place p (7 on) is A[p - 2].
local i = 5 + nread
for k = 1, nequal do
  local actual = read[6 + k] or ''
  if actual ~= A[i + k - 1] then
    return {'conflict', A[4 + k], actual}
  end
end
i = i + nequal
-- Most commands are refused once the session is over (live.AppendRequest.WhileOpen): checked
-- here rather than by three difference checks, whose values and field would be six arguments.
if flags % 2 == 1 then
  local phase = read[3]
  if phase == 'wrap_up' or phase == 'closed' then
    return {'conflict', 'phase', phase}
  end
  if read[5] == '1' then
    return {'conflict', 'closed', '1'}
  end
end
for k = 1, ndiffer do
  local at = byte(layout, 6 + k)
  local actual = read[at] or ''
  if actual == A[i + k - 1] then
    return {'conflict', at <= 5 and ({'epoch', 'off', 'phase', 'w_exp', 'closed'})[at] or A[at - 2], actual}
  end
end
i = i + ndiffer
local epoch, off, phase = read[1], tonumber(read[2] or '0'), read[3]
local w_exp = read[4]

local sets_from, sets_to = i, i + 2 * nsets - 1
i = sets_to + 1
for s = sets_from, sets_to, 2 do
  if A[s] == 'phase' then
    phase = A[s + 1]
  end
end
local keeps = 6 + ndiffer -- the byte before the first event's in layout
-- Not started, ended, or with a waiting expiry left: the full form keeps the expiry right. (A
-- state that was lost has no phase either: the full form starts a new epoch.)
if short and (phase ~= 'live' or w_exp) then
  return {'full'}
end

local new_epoch = false
if not epoch then
  -- A new log, or one whose state was lost: start a new epoch so that no position issued
  -- before can match, and drop whatever is left of an older log. The first event's id is
  -- unique (live.NewIDSource); a command without events takes Redis's clock.
  if nevents > 0 then
    epoch = A[i] -- the first event's id
  else
    local t = redis.call('TIME')
    epoch = t[1] .. t[2]
  end
  redis.call('DEL', log, KEYS[4], KEYS[5]) -- and the chat and notes lists (the full form)
  new_epoch = true
  off = 0
end

local id, head = '', new_epoch and '0' or (read[2] or '0')
local wrote_chat, wrote_notes, q_ev = false, false, nil
for e = 1, nevents do
  id = A[i]
  local body, hdr = A[i + 1], A[i + 2]
  i = i + 3
  off = off + 1
  head = tostring(off)
  local ev = '{"offset":' .. head .. ',"id":"' .. id .. '","epoch":"' .. epoch .. '","at":' .. now .. ',' .. body
  local keep = byte(layout, keeps + e)
  if short and (keep == 99 or keep == 110) then
    -- The store never gives the short form such a command: it has no key for the lists. Were it
    -- given one, it fails here rather than at the list (the first event: having written nothing).
    return redis.error_reply('the short form of the append keeps no chat or notes')
  end
  redis.call('XADD', log, head, 'e', ev)
  if keep == 99 then -- 'c'
    redis.call('RPUSH', KEYS[4], ev)
    wrote_chat = true
  elseif keep == 110 then -- 'n'
    redis.call('RPUSH', KEYS[5], ev)
    wrote_notes = true
  elseif keep == 113 then -- 'q'
    q_ev = ev
  end
  if hdr ~= '' then
    -- The nodes' fan-out reads what it needs from this header instead of decoding the event.
    redis.call('PUBLISH_CMD', channel, hdr .. ev)
  else
    redis.call('PUBLISH_CMD', channel, ev)
  end
end

-- The reply, and the idempotency record when the command has one: the same string.
local out
if record ~= '' then
  out = seq .. '\n' .. epoch .. ' ' .. head .. ' ' .. id
else
  out = epoch .. ' ' .. head .. ' ' .. id
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
    writes[#writes + 1], writes[#writes + 2] = record, out
  end
  redis.call('HSET', state, unpack(writes))
elseif record ~= '' then
  redis.call('HSET', state, 'off', head, 'last_id', id, record, out, unpack(A, sets_from, sets_to))
else
  redis.call('HSET', state, 'off', head, 'last_id', id, unpack(A, sets_from, sets_to))
end

-- A live room with no waiting expiry left has nothing to retain (live_lib.lua): skip the call
-- and the tables it takes. The library is defined here, inside the branch, rather than first as
-- in the other scripts: defining its functions makes closures, which every push would pay for.
if phase ~= 'live' or w_exp then
  --[[live_lib]]
  -- The stored keys this command wrote (by index, see live_lib.lua): the state hash always.
  local wrote = {1}
  if nevents > 0 then wrote[#wrote + 1] = 2 end
  if wrote_chat then wrote[#wrote + 1] = 4 end
  if wrote_notes then wrote[#wrote + 1] = 5 end
  live_retain(tonumber(sub(layout, keeps + nevents + 1)), tonumber(now), {phase = phase, exp = w_exp}, wrote)
end
if not short and phase == 'live' then
  -- Started, and any waiting expiry gone with the retention above: the short form will do.
  return '+' .. out
end
return out

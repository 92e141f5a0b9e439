-- Reads what a snapshot shows of a room, in one step: the state hash, the document hash, the
-- chat list, the notes list (when asked), the presence hash, and the editor tail: every event
-- of the log after the materialised document, up to the state's head.
-- KEYS: 1 state hash, 2 log stream, 3 chat list, 4 notes list, 5 document hash, 6 presence hash
-- ARGV: 1 '1' to read the notes, '0' not to
-- Returns {state, document, chat, notes, presence, tail}: the hashes as field, value lists,
-- the lists and the tail as lists of events (notes empty when not asked for).
local state = redis.call('HGETALL', KEYS[1])
local doc = redis.call('HGETALL', KEYS[5])
local chat = redis.call('LRANGE', KEYS[3], 0, -1)
local notes = {}
if ARGV[1] == '1' then
  notes = redis.call('LRANGE', KEYS[4], 0, -1)
end
local presence = redis.call('HGETALL', KEYS[6])

-- The document counts only with both its version and its offset (as the reader decides).
local function field(list, name)
  for i = 1, #list, 2 do
    if list[i] == name then
      return list[i + 1]
    end
  end
  return nil
end
local head = tonumber(field(state, 'off') or '0') or 0
local from = 0
if field(doc, 'version') and field(doc, 'offset') then
  from = tonumber(field(doc, 'offset')) or 0
end
local tail = {}
if head > from then
  local entries = redis.call('XRANGE', KEYS[2], (from + 1) .. '-0', '+', 'COUNT', head - from)
  for i, e in ipairs(entries) do
    tail[i] = e[2][2]
  end
end
return {state, doc, chat, notes, presence, tail}

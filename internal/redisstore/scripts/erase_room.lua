-- Replaces one person by a pseudonym in a set of keys of one slot (a room's keys, a matching
-- queue's keys), in one step, so no reader ever sees the room half rewritten.
-- KEYS: the keys to rewrite; the first ARGV[4] of them also get the person's name replaced, the
--   rest (the document, whose text is the code typed) only the user id.
-- ARGV[1] user id, ARGV[2] pseudonym id, ARGV[3] the pseudonym name as a JSON string,
-- ARGV[4] how many keys get names replaced, ARGV[5] the position in KEYS of the set of people
-- who shared their notes (0 when the keys have none), ARGV[6..] the name as a JSON string (each
-- encoding the writers may have used).
-- The user id is random, so every occurrence of it is the person. The name is replaced only
-- where it is a whole JSON string, never inside text someone wrote: every writer of these keys
-- stores names inside JSON. A raw value equal to the name is left alone, since the keys' raw
-- values are the store's own (a phase, a state, a count, a revision) and a person may be named
-- "live" or "1". The person's own private notes lose their text, unless they shared them with
-- the other participants: what was shared stays theirs to read, under the pseudonym.
-- Returns the number of values rewritten.
local uid, pid, qpseudo, named, sharedkey = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local qnames = {}
for i = 6, #ARGV do
  qnames[#qnames + 1] = ARGV[i]
end
-- Read before the set itself is rewritten below.
local keep_notes = sharedkey > 0 and redis.call('SISMEMBER', KEYS[sharedkey], uid) == 1

local function replace(s, from, to)
  if from == '' then
    return s
  end
  local out, pos = {}, 1
  while true do
    local a, b = string.find(s, from, pos, true)
    if not a then
      break
    end
    out[#out + 1] = string.sub(s, pos, a - 1)
    out[#out + 1] = to
    pos = b + 1
  end
  if pos == 1 then
    return s
  end
  out[#out + 1] = string.sub(s, pos)
  return table.concat(out)
end

local note_mark = '"type":"note.added"'
local actor_mark = '"actor":"' .. uid .. '"'
local function clean(v, names)
  if names and not keep_notes and string.find(v, note_mark, 1, true) and string.find(v, actor_mark, 1, true) then
    local ok, ev = pcall(cjson.decode, v)
    if ok and type(ev) == 'table' and ev.type == 'note.added' and ev.actor == uid then
      if ev.data ~= nil then
        ev.data = { text = '' }
      end
      if ev.private ~= nil then
        ev.private = { text = '' }
      end
      v = cjson.encode(ev)
    end
  end
  v = replace(v, uid, pid)
  if names then
    for _, q in ipairs(qnames) do
      v = replace(v, q, qpseudo)
    end
  end
  return v
end

local changed = 0
for k = 1, #KEYS do
  local key, names = KEYS[k], k <= named
  local t = redis.call('TYPE', key)['ok']
  if t == 'hash' then
    local all = redis.call('HGETALL', key)
    for i = 1, #all, 2 do
      local f, v = all[i], all[i + 1]
      local nf, nv = replace(f, uid, pid), clean(v, names)
      if nf ~= f then
        redis.call('HDEL', key, f)
      end
      if nf ~= f or nv ~= v then
        redis.call('HSET', key, nf, nv)
        changed = changed + 1
      end
    end
  elseif t == 'list' then
    local all = redis.call('LRANGE', key, 0, -1)
    for i, v in ipairs(all) do
      local nv = clean(v, names)
      if nv ~= v then
        redis.call('LSET', key, i - 1, nv)
        changed = changed + 1
      end
    end
  elseif t == 'set' then
    for _, v in ipairs(redis.call('SMEMBERS', key)) do
      local nv = clean(v, names)
      if nv ~= v then
        redis.call('SREM', key, v)
        redis.call('SADD', key, nv)
        changed = changed + 1
      end
    end
  elseif t == 'zset' then
    local all = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
    for i = 1, #all, 2 do
      local v = all[i]
      local nv = clean(v, names)
      if nv ~= v then
        redis.call('ZREM', key, v)
        redis.call('ZADD', key, all[i + 1], nv)
        changed = changed + 1
      end
    end
  elseif t == 'string' then
    local v = redis.call('GET', key)
    local nv = clean(v, names)
    if nv ~= v then
      redis.call('SET', key, nv, 'KEEPTTL')
      changed = changed + 1
    end
  elseif t == 'stream' then
    -- Entries cannot be edited in place: the stream is written again with the same ids.
    local all = redis.call('XRANGE', key, '-', '+')
    local any = false
    for _, e in ipairs(all) do
      local fields = e[2]
      for i = 2, #fields, 2 do
        local nv = clean(fields[i], names)
        if nv ~= fields[i] then
          fields[i] = nv
          any = true
          changed = changed + 1
        end
      end
    end
    if any then
      local ttl = redis.call('PTTL', key)
      redis.call('DEL', key)
      for _, e in ipairs(all) do
        redis.call('XADD', key, e[1], unpack(e[2]))
      end
      if ttl > 0 then
        redis.call('PEXPIRE', key, ttl)
      end
    end
  end
end
return changed

-- Shared by the live scripts that write (prepended to each; live_append.lua has it inside the one
-- branch that calls it, see liveAppendSrc). They all get the room's stored live keys first, state
-- hash first, in this order:
--   KEYS[1] state hash, 2 log stream, 3 client-seq hash (idempotency records written before they
--   moved into the state hash; only read), 4 chat list, 5 notes list,
--   6 document hash, 7 presence hash
-- Further KEYS (the append's channel) come after them.
local LIVE_STORED = 7

-- A room that has not started is kept only while people use it: its live keys expire between ttl
-- and ttl + ttl/16 ms after its last write, like the room's own keys, so people who joined and
-- left without starting leave nothing behind for good. From the start on, everything is kept
-- while the session runs, because the log and its lists are the session's record; once it has
-- ended the record expires after the configured retention. Called after the script's writes, so
-- keys it created just now are covered and the start's own phase change (waiting to live) is what
-- removes the expiry.
--
-- While waiting, the expiry is set on a coarse interval rather than on every write: the state
-- hash remembers it in one field, w_exp: "<ms> <marks>", the time, in ms of the writing node's
-- clock, until which the keys were last set to live, and one character per stored key, '1' for
-- a key that carries it. (One field, so that the append, which reads w_exp on every push, does
-- not read a second one only a waiting room needs. Earlier releases wrote the time alone, and the
-- marks in a field of their own, w_keys: a w_exp without marks is taken as marking no key, which
-- costs the next write a PEXPIRE on each key it wrote and writes the marks.)
-- A write finds the expiry still ttl or more away and sets nothing, except on a key it may have
-- just created (one it wrote whose mark is not '1', or a key in `always`, one that can vanish and
-- come back); otherwise it sets ttl + ttl/16 on every key again. A started room finds w_exp in
-- the fields it reads anyway, so a live write needs no command to learn whether an expiry is left.
--
-- st holds what the caller read from the state hash: phase (false when absent) and w_exp; nil
-- makes it read them. wrote lists the stored keys (by index) the script wrote that can only
-- disappear with the whole room; always those that can vanish on their own.
local W_SLACK_DIV = 16

-- w_mark returns the marks with key k's set to '1'.
local function w_mark(marks, k)
  marks = string.sub(marks .. string.rep('0', LIVE_STORED), 1, LIVE_STORED)
  return string.sub(marks, 1, k - 1) .. '1' .. string.sub(marks, k + 1)
end

local function live_retain(ttl, now, st, wrote, always)
  if st == nil then
    local r = redis.call('HMGET', KEYS[1], 'phase', 'w_exp')
    st = {phase = r[1], exp = r[2]}
  end
  local phase = st.phase
  if not phase or phase == '' then
    if ttl <= 0 then
      return
    end
    local slack = math.floor(ttl / W_SLACK_DIV)
    local exp_text, marks = st.exp or '', nil
    local sp = string.find(exp_text, ' ', 1, true)
    if sp then
      exp_text, marks = string.sub(exp_text, 1, sp - 1), string.sub(exp_text, sp + 1)
    end
    local exp = tonumber(exp_text)
    if exp and exp >= now + ttl and exp <= now + ttl + slack then
      -- The expiry set last is still far enough: only keys that may be new need it.
      local left = exp - now
      marks = marks or ''
      local changed = false
      for _, k in ipairs(wrote or {}) do
        if string.sub(marks, k, k) ~= '1' and redis.call('PEXPIRE', KEYS[k], left) == 1 then
          marks, changed = w_mark(marks, k), true
        end
      end
      for _, k in ipairs(always or {}) do
        redis.call('PEXPIRE', KEYS[k], left)
      end
      if changed then
        redis.call('HSET', KEYS[1], 'w_exp', exp_text .. ' ' .. marks)
      end
      return
    end
    marks = ''
    for k = 1, LIVE_STORED do
      if redis.call('PEXPIRE', KEYS[k], ttl + slack) == 1 then
        marks = marks .. '1'
      else
        marks = marks .. '0'
      end
    end
    -- Only a room whose state exists keeps the record (a write that found no state hash does not
    -- create one: the next write sets every expiry again).
    if string.sub(marks, 1, 1) == '1' then
      redis.call('HSET', KEYS[1], 'w_exp', (now + ttl + slack) .. ' ' .. marks)
    end
  elseif phase == 'live' then
    -- Only the first write after the start finds a waiting expiry left to remove.
    if st.exp then
      for k = 1, LIVE_STORED do
        redis.call('PERSIST', KEYS[k])
      end
      redis.call('HDEL', KEYS[1], 'w_exp', 'w_keys') -- w_keys: as earlier releases wrote it
    end
  else
    -- Ended: the record expires when the room's end said (room_transition.lua); a key written
    -- for the first time since then gets the same expiry.
    local left = redis.call('PTTL', KEYS[1])
    if left > 0 then
      for k = 2, LIVE_STORED do
        if redis.call('PTTL', KEYS[k]) == -1 then
          redis.call('PEXPIRE', KEYS[k], left)
        end
      end
    end
  end
end

-- Shared by the live scripts that write (prepended to each). They all get the room's stored live
-- keys first, state hash first, in this order:
--   KEYS[1] state hash, 2 log stream, 3 client-seq hash, 4 chat list, 5 notes list,
--   6 document hash, 7 presence hash
-- Further KEYS (the append's channel) come after them.
local LIVE_STORED = 7

-- A room that has not started is kept only for ttl ms after its last write, like the room's own
-- keys: people who joined and left without starting leave nothing behind for good. From the
-- start on, everything is kept while the session runs, because the log and its lists are the
-- session's record; once it has ended the record expires after the configured retention. Called
-- after the script's writes, so keys it created just now are covered and the start's own phase
-- change (waiting to live) is what removes the expiry. A script that already knows the phase
-- after its writes passes it (false when absent) and saves reading it again.
local function live_retain(ttl, phase)
  if phase == nil then
    phase = redis.call('HGET', KEYS[1], 'phase')
  end
  if not phase or phase == '' then
    if ttl > 0 then
      for k = 1, LIVE_STORED do
        redis.call('PEXPIRE', KEYS[k], ttl)
      end
    end
  elseif phase == 'live' then
    -- Only the first write after the start finds an expiry left to remove.
    if redis.call('PTTL', KEYS[1]) >= 0 then
      for k = 1, LIVE_STORED do
        redis.call('PERSIST', KEYS[k])
      end
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

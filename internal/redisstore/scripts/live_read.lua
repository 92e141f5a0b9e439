-- Reads the head of a room's log and up to max events from an offset (inclusive), atomically.
-- KEYS: 1 state hash, 2 log stream
-- ARGV: from offset, max
-- Returns {epoch, off, last_id, e1, e2, ...}
local head = redis.call('HMGET', KEYS[1], 'epoch', 'off', 'last_id')
local out = {head[1] or '', head[2] or '0', head[3] or ''}
local max = tonumber(ARGV[2])
if max > 0 then
  local entries = redis.call('XRANGE', KEYS[2], ARGV[1] .. '-0', '+', 'COUNT', max)
  for _, e in ipairs(entries) do
    out[#out + 1] = e[2][2]
  end
end
return out

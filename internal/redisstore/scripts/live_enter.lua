-- Lets a socket's person into a room in one step, which a join would otherwise take four calls
-- for: it records their first join (live_append.lua, run here as run_append), takes this node's
-- lease on their presence with its announcement (live_presence.lua, run_presence), and reads
-- what the socket starts from: the snapshot's view (live_view.lua, run_view) or the log from
-- the position it resumes at (live_read.lua, run_read). Each part is the script it names, run
-- as a function of this one (see enterScript), so a join does exactly what those scripts do.
-- KEYS: 1..7 the room's stored live keys (see live_lib.lua), 8 the room's channel
-- ARGV: 1 the half the caller's role is for, 2 the person's joined field ('' when the caller
--         knows the first join is recorded: no append is given),
--       3 what to read: '-' nothing, 'v' the view without notes, 'n' the view with notes,
--         'r' the log, from offset 4 and at most 5 events,
--       6 how many presence arguments follow (0: no lease to take), then they, as
--         live_presence.lua takes them, then the append's, as live_append.lua takes them (the
--         joined event, checked and set on the joined field)
-- Returns {'stale', half} when the room is in another half than the caller's, having written
-- nothing (the caller's role and joined event may be wrong). Otherwise {'ok', joined, online,
-- read}: joined is the append's reply ('' when the first join was recorded before), online
-- the presence script's (0 without a lease), read the view's or the read's ('' for none).
local joined_field = ARGV[2]
local r = redis.call('HMGET', KEYS[1], 'half', joined_field)
if (tonumber(r[1] or '0') or 0) ~= tonumber(ARGV[1]) then
  return {'stale', r[1] or '0'}
end
local np = tonumber(ARGV[6])
local joined = ''
if joined_field ~= '' and (not r[2] or r[2] == '') then
  joined = run_append({unpack(ARGV, 7 + np)})
end
local online = 0
if np > 0 then
  online = run_presence({unpack(ARGV, 7, 6 + np)})
end
local read = ''
local mode = ARGV[3]
if mode == 'v' or mode == 'n' then
  read = run_view({KEYS[1], KEYS[2], KEYS[4], KEYS[5], KEYS[6], KEYS[7]}, {mode == 'n' and '1' or '0'})
elseif mode == 'r' then
  read = run_read({KEYS[1], KEYS[2]}, {ARGV[4], ARGV[5]})
end
return {'ok', joined, online, read}

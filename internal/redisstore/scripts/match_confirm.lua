-- Records one person's confirmation; confirms the match when both have.
-- ARGV[1] match id, ARGV[2] user id, ARGV[3] now, ARGV[4] keep
-- Returns {'ok', match JSON} or {'err', code}.
local m = get_match(ARGV[1])
if not m or (m.a ~= ARGV[2] and m.b ~= ARGV[2]) then
  return {'err', 'match_not_found'}
end
if m.status == 'confirmed' then
  return {'ok', cjson.encode(m)}
end
if m.status ~= 'matched' then
  return {'err', 'match_cancelled'}
end
local now = tonumber(ARGV[3])
if now > m.by then
  return {'err', 'match_expired'}
end
if m.a == ARGV[2] then m.aok = true else m.bok = true end
if m.aok and m.bok then
  m.status = 'confirmed'
  redis.call('ZREM', DUE, 'm:' .. m.id)
  redis.call('ZADD', DUE, now + tonumber(ARGV[4]), 'x:' .. m.id)
  for _, u in ipairs({m.a, m.b}) do
    local t = get_ticket(u)
    if t then
      t.room = m.room
      finish(t, 'confirmed', '', now, tonumber(ARGV[4]))
    end
  end
end
put_match(m)
return {'ok', cjson.encode(m)}

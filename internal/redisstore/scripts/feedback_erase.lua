-- Erases one person from a room's feedback: their drafts, and every field of the forms about
-- them. Forms they wrote about others stay.
-- KEYS[1] the room's feedback hash
-- ARGV[1] the user id
-- Returns the "author|form" pairs of erased forms that carried a rating, so the caller can take
-- the rating out of the author's standing.
local h, user = KEYS[1], ARGV[1]
local all = redis.call('HGETALL', h)
local about, rated = {}, {}
for i = 1, #all, 2 do
  local f = all[i]
  if string.sub(f, 1, 2) == 'm:' then
    local form = string.sub(f, 3)
    local meta = cjson.decode(all[i + 1])
    if meta.about == user then
      about[form] = true
      if redis.call('HEXISTS', h, 'rt:' .. form) == 1 then
        table.insert(rated, meta.author .. '|' .. form)
      end
    elseif meta.author == user then
      redis.call('HDEL', h, 'd:' .. form)
    end
  end
end
for i = 1, #all, 2 do
  local f = all[i]
  local form = string.match(f, '^[a-z]+:([a-z]+%-%d+)')
  if form and about[form] then
    redis.call('HDEL', h, f)
  end
end
return rated

-- Shared by the presence scripts that judge leases (prepended to each). Each node holding a
-- person's socket keeps a field "<user> <node>" of the room's presence hash, holding the unix ms
-- until which its lease holds.

-- lease_held reports whether a lease of user other than the field except (nil: any) holds at
-- now in the presence hash. Only "<user> <node>" fields are leases: a field of the user id alone
-- was written before leases existed, online until 12 hours ahead, and must not keep anyone
-- online (live_presence_keep.lua removes it).
local function lease_held(presence, user, now, except)
  local prefix = user .. ' '
  local all = redis.call('HGETALL', presence)
  for i = 1, #all, 2 do
    local f = all[i]
    if f ~= except and #f > #prefix and string.sub(f, 1, #prefix) == prefix and (tonumber(all[i + 1]) or 0) > now then
      return true
    end
  end
  return false
end

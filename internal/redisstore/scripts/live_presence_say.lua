-- Announces what a renewal cycle found (live_presence_keep.lua): a person back online, or gone
-- offline. The node that found it publishes it later, in a call of its own, and meanwhile another
-- node may have taken the person on (and announced them online) or released them; an
-- announcement the leases no longer bear out is then dropped, so the room's last word on the
-- person always matches their leases.
-- KEYS: 1 the room's presence hash, 2 the room's channel
-- ARGV: user id, "1" online or "0" offline, now unix ms, the announcement
-- Returns 1 when the announcement was published, 0 when dropped.
local leased = lease_held(KEYS[1], ARGV[1], tonumber(ARGV[3]))
if leased ~= (ARGV[2] == '1') then
  return 0
end
redis.call('PUBLISH_CMD', KEYS[2], ARGV[4])
return 1

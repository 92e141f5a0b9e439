-- Handles every deadline of the queue that is due, each exactly once (it is removed here).
-- Due members: 'm:<match>' confirmation window, 'q:<user>' ticket expiry, 'g:<user>' finished
-- ticket record, 'x:<match>' finished match record.
-- ARGV[1] now, ARGV[2] keep, ARGV[3] expiry for requeued tickets, ARGV[4] max deadlines
-- Returns {no-shows, requeued, expired} as three arrays of user ids.
local now, keep, requeue_until = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local noshows, requeued, expired = {}, {}, {}
local due = redis.call('ZRANGEBYSCORE', DUE, '-inf', now, 'LIMIT', 0, tonumber(ARGV[4]))
for _, member in ipairs(due) do
  redis.call('ZREM', DUE, member)
  local kind, id = string.sub(member, 1, 1), string.sub(member, 3)
  if kind == 'm' then
    local m = get_match(id)
    if m and m.status == 'matched' then
      cancel_match(m, now, keep)
      for _, side in ipairs({{m.a, m.aok}, {m.b, m.bok}}) do
        local user, ok = side[1], side[2]
        if ok then
          requeue(user, 'peer_no_show', now, requeue_until)
          table.insert(requeued, user)
        else
          local t = get_ticket(user)
          if t and t.status == 'matched' and t.match == m.id then
            finish(t, 'cancelled', 'no_show', now, keep)
            table.insert(noshows, user)
          end
        end
      end
    end
  elseif kind == 'q' then
    local t = get_ticket(id)
    if t and t.status == 'waiting' then
      redis.call('ZREM', QUEUE, id)
      finish(t, 'expired', 'no_peer', now, keep)
      table.insert(expired, id)
    end
  elseif kind == 'g' then
    local t = get_ticket(id)
    if t and t.status ~= 'waiting' and t.status ~= 'matched' then
      redis.call('HDEL', TICKETS, id)
    end
  elseif kind == 'x' then
    redis.call('HDEL', MATCHES, id)
  end
end
return {noshows, requeued, expired}

-- Compare-and-delete of a user's queue marker.
-- KEYS[1] marker; ARGV[1] expected value
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 'ok'

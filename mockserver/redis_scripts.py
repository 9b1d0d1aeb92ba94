"""The Lua scripts the Redis store (state_redis.py) runs, each one atomic on the server: limits
that must hold across mock processes (the key maximum, rate windows, a charge) are decided there,
never read-then-written from Python. KEYS and ARGV are described beside each.
"""

ADD_KEY = """
local limit = tonumber(ARGV[4])
if limit >= 0 and redis.call('HLEN', KEYS[1]) >= limit then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), ARGV[1])
return 1
"""
DELETE_KEY = """
local stored = redis.call('HGET', KEYS[1], ARGV[1])
if not stored then return 0 end
local hash = cjson.decode(stored)['secret_hash']
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], hash)
redis.call('SADD', KEYS[4], hash)
redis.call('HDEL', KEYS[5], ARGV[1])
return 1
"""
KEY_FOR = """
local revoked = redis.call('SISMEMBER', KEYS[4], ARGV[1])
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return {revoked, false, false} end
return {revoked, redis.call('HGET', KEYS[2], id), redis.call('HGET', KEYS[3], id)}
"""
API_KEYS = """
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
  out[#out + 1] = redis.call('HGET', KEYS[3], id) or ''
end
return out
"""
TOUCH = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
return 0
"""
# ARGV: the number of windows, then (bucket, start, limit) per window. Returns 0 when every
# window had room (each counted once more), else the 1-based index of the first full one
# (nothing counted: a refused request does not use up a window).
TAKE = """
local n = tonumber(ARGV[1])
local counts = {}
for i = 0, n - 1 do
  local bucket, start, limit = ARGV[2 + 3 * i], ARGV[3 + 3 * i], tonumber(ARGV[4 + 3 * i])
  local count = 0
  if redis.call('HGET', KEYS[1], 's|' .. bucket) == start then
    count = tonumber(redis.call('HGET', KEYS[1], 'n|' .. bucket))
  end
  if count >= limit then return i + 1 end
  counts[i + 1] = count
end
for i = 0, n - 1 do
  local bucket = ARGV[2 + 3 * i]
  redis.call('HSET', KEYS[1], 's|' .. bucket, ARGV[3 + 3 * i], 'n|' .. bucket, counts[i + 1] + 1)
end
return 0
"""

# Billing reads what was spent with its version (one snapshot), Python decides the bill (which
# currency pays depends on the totals), then CHARGE writes it only if no other charge came in
# between (optimistic, like WATCH/MULTI, in two round trips instead of four). Returns the last
# sequence number given, or -1 on a conflict. ARGV: the version read, the entries kept, the
# number of entries, (timestamp, member body) per entry, then (currency, new total) pairs.
SPENT = """
return {redis.call('GET', KEYS[2]) or '0', redis.call('HGETALL', KEYS[1])}
"""
CHARGE = """
if (redis.call('GET', KEYS[2]) or '0') ~= ARGV[1] then return -1 end
redis.call('INCR', KEYS[2])
local n = tonumber(ARGV[3])
local last = redis.call('INCRBY', KEYS[4], n)
for i = 1, n do
  redis.call('ZADD', KEYS[3], ARGV[2 + 2 * i], string.format('%020d', last - n + i) .. '|' .. ARGV[3 + 2 * i])
end
redis.call('ZREMRANGEBYRANK', KEYS[3], 0, -tonumber(ARGV[2]) - 1)
for i = 4 + 2 * n, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
return last
"""

/**
 * The lease exchange on Redis (rate limits only), as one Lua script: the same rules as
 * `switchboard_governance_sync()` (charge expired leases whole, report consumption, renew, return,
 * top up toward `want` never past the limit, shrink near it), over aligned minutes of Redis' clock.
 * A lease id is its window's start (ms); a lease's fields are named after its holder,
 * `<instance>/<holder>` (one per counter object, see LeaseCounter.holder): `lease:`, `exp:`, `res:`,
 * and `rep:`, the consumption charged against the lease so far (an item's `reported`, its running
 * total, charges only what it adds to it: a report sent again after a lost reply is charged once).
 * Consumption reported without a lease is charged to the current window; an item's
 * `reported_unleased`, its holder's running total of those reports, charges only what it adds to
 * `switchboard:governance-unleased:<limit>:<metric>:<instance>/<holder>` (kept a day past the last
 * report). Amounts are integers kept below 2^53. Each answer ends with 1 when the item's lease was gone (expired and charged whole,
 * what it reported dropped), else 0.
 *
 * @module
 */
export const REDIS_LEASE_SCRIPT = `
local instance = ARGV[1]
local ttl = tonumber(ARGV[2])
local items = cjson.decode(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = now - (now % 60000)
local function int(x) return string.format('%d', x) end
local function num(x) return tonumber(x or '0') or 0 end
local function charge_expired(key)
  local fields = redis.call('HGETALL', key)
  for i = 1, #fields, 2 do
    local f = fields[i]
    if string.sub(f, 1, 4) == 'exp:' and num(fields[i + 1]) < now then
      local who = string.sub(f, 5)
      local amount = num(redis.call('HGET', key, 'lease:' .. who))
      redis.call('HSET', key, 'spent', int(num(redis.call('HGET', key, 'spent')) + amount))
      redis.call('HSET', key, 'leased', int(math.max(0, num(redis.call('HGET', key, 'leased')) - amount)))
      redis.call('HDEL', key, 'lease:' .. who, 'exp:' .. who, 'res:' .. who, 'rep:' .. who)
    end
  end
end
local out = {}
for _, item in ipairs(items) do
  local prefix = 'switchboard:governance:' .. item.limit_id .. ':' .. item.metric .. ':'
  local who = instance
  if type(item.holder) == 'string' then who = instance .. '/' .. item.holder end
  local limit = num(item.limit)
  local consumed = num(item.consumed)
  local lease_id = nil
  local amount = 0
  local key = prefix .. int(window)
  local lost = 0
  if item.lease_id ~= cjson.null and item.lease_id ~= nil then
    local old = prefix .. item.lease_id
    charge_expired(old)
    local held = redis.call('HGET', old, 'lease:' .. who)
    if held then
      amount = num(held)
      local charged = num(redis.call('HGET', old, 'rep:' .. who))
      if item.reported ~= nil and item.reported ~= cjson.null then
        consumed = math.min(consumed, math.max(0, num(item.reported) - charged))
      end
      local take = math.min(amount, consumed)
      redis.call('HSET', old, 'spent', int(num(redis.call('HGET', old, 'spent')) + consumed), 'rep:' .. who, int(charged + consumed))
      redis.call('HSET', old, 'leased', int(math.max(0, num(redis.call('HGET', old, 'leased')) - take)))
      amount = amount - take
      if item.release or old ~= key then
        redis.call('HSET', old, 'leased', int(math.max(0, num(redis.call('HGET', old, 'leased')) - amount)))
        redis.call('HDEL', old, 'lease:' .. who, 'exp:' .. who, 'res:' .. who, 'rep:' .. who)
        amount = 0
      else
        lease_id = item.lease_id
        redis.call('HSET', old, 'lease:' .. who, int(amount), 'exp:' .. who, int(now + ttl), 'res:' .. who, int(num(item.reserved)))
      end
    else
      lost = 1
    end
  elseif consumed > 0 then
    if item.reported_unleased ~= nil and item.reported_unleased ~= cjson.null then
      local record = 'switchboard:governance-unleased:' .. item.limit_id .. ':' .. item.metric .. ':' .. who
      local charged = redis.call('GET', record)
      local total = num(item.reported_unleased)
      if charged then
        consumed = math.min(consumed, math.max(0, total - num(charged)))
        total = math.max(total, num(charged))
      end
      redis.call('SET', record, int(total), 'PX', 86400000)
    end
    redis.call('HSET', key, 'spent', int(num(redis.call('HGET', key, 'spent')) + consumed))
  end
  charge_expired(key)
  if lease_id == nil and not item.release and (num(item.want) > 0 or num(item.need) > 0) then
    lease_id = int(window)
    amount = num(redis.call('HGET', key, 'lease:' .. who))
    redis.call('HSET', key, 'lease:' .. who, int(amount), 'exp:' .. who, int(now + ttl), 'res:' .. who, int(num(item.reserved)))
  end
  if lease_id ~= nil then
    local spent = num(redis.call('HGET', key, 'spent'))
    local leased = num(redis.call('HGET', key, 'leased'))
    local room = math.max(0, limit - spent - leased)
    local want = num(item.want)
    local shortfall = math.max(0, num(item.need) - amount)
    local grant = math.max(0, want - amount)
    if room < 4 * want then grant = math.min(grant, math.ceil(room / 4)) end
    grant = math.min(room, math.max(grant, shortfall))
    if shortfall > room then grant = 0 end
    if grant > 0 then
      amount = amount + grant
      redis.call('HSET', key, 'lease:' .. who, int(amount), 'leased', int(leased + grant))
    end
  end
  redis.call('PEXPIRE', key, 180000)
  out[#out + 1] = { item.limit_id, item.metric, lease_id or false, int(amount), int(num(redis.call('HGET', key, 'spent'))),
    int(num(redis.call('HGET', key, 'leased'))), int(limit), int(window), int(window + 60000), int(now), lost }
end
return out
`;

-- pipeline: a data pipeline over n small tables (1M by default): build the records, filter,
-- derive a field, group by region with sums and counts, and sort the groups.
local REGIONS = {"north", "south", "east", "west", "central"}
local KINDS = {"retail", "online", "wholesale"}

local n = tonumber((arg[1] or ""):match("(%d+)$") or "1000000")
local rows = {}
local seed = 5
for i = 0, n - 1 do
  seed = (seed * 1103515245 + 12345) % 2147483648
  rows[#rows + 1] = {id = i, region = REGIONS[seed % 5 + 1], kind = KINDS[(seed >> 4) % 3 + 1],
                     amount = (seed >> 8) % 10000, returned = seed % 11 == 0}
end
local kept = {}
for _, r in ipairs(rows) do
  if not r.returned and r.amount >= 100 then kept[#kept + 1] = r end
end
for _, r in ipairs(kept) do
  if r.kind == "wholesale" then r.net = r.amount * 9 // 10 else r.net = r.amount end
end
local groups, ngroups = {}, 0
for _, r in ipairs(kept) do
  local key = r.region .. "/" .. r.kind
  local g = groups[key]
  if g == nil then
    g = {count = 0, net = 0, top = 0}
    groups[key] = g
    ngroups = ngroups + 1
  end
  g.count = g.count + 1
  g.net = g.net + r.net
  if r.net > g.top then g.top = r.net end
end
local order = {}
for k, g in pairs(groups) do order[#order + 1] = {k, g} end
table.sort(order, function(x, y) return x[2].net > y[2].net end)
local best = order[1]
print(string.format("pipeline %d %d %d %s %d %s", n, #kept, ngroups, best[1], best[2].net,
                    order[#order][1]))

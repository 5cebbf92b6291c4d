-- spectral: the spectral norm of the infinite matrix A(i, j) = 1 / ((i+j)(i+j+1)/2 + i + 1),
-- by 10 power iterations on an n-vector. Default n=200.
local function a(i, j)
  return 1.0 / ((i + j) * (i + j + 1) // 2 + i + 1)
end

local function times(v)
  local n = #v
  local out = {}
  for i = 0, n - 1 do
    local s = 0.0
    for j = 0, n - 1 do s = s + a(i, j) * v[j + 1] end
    out[#out + 1] = s
  end
  return out
end

local function times_transposed(v)
  local n = #v
  local out = {}
  for i = 0, n - 1 do
    local s = 0.0
    for j = 0, n - 1 do s = s + a(j, i) * v[j + 1] end
    out[#out + 1] = s
  end
  return out
end

local n = tonumber((arg[1] or ""):match("(%d+)$") or "200")
local u = {}
for i = 1, n do u[i] = 1.0 end
local v = u
for _ = 1, 10 do
  v = times_transposed(times(u))
  u = times_transposed(times(v))
end
local vbv, vv = 0.0, 0.0
for i = 1, n do
  vbv = vbv + u[i] * v[i]
  vv = vv + v[i] * v[i]
end
print(string.format("spectral %d %.9f", n, math.sqrt(vbv / vv)))

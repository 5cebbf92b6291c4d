-- wordfreq: word frequencies of a generated text of n words (split, lower-case, strip
-- punctuation, count in a table, sort by count), then the ten most frequent. Default n=300000.
local WORDS = {"the", "quick", "Brown", "fox", "jumps", "over", "lazy", "dog", "and", "runs",
               "away", "from", "a", "big", "Red", "barn", "while", "farmer", "sleeps", "under",
               "old", "oak", "tree", "in", "warm", "summer", "sun", "of", "July", "again"}
local PUNCT = {"", "", "", ",", ".", "", "!", "", ";", ""}

local function make_text(n)
  local lines, line = {}, {}
  local seed = 7
  for _ = 1, n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    local w = WORDS[(seed >> 8) % #WORDS + 1]
    if (seed >> 4) % 7 == 0 then w = w .. tostring((seed >> 12) % 50) end
    line[#line + 1] = w .. PUNCT[(seed >> 16) % #PUNCT + 1]
    if #line == 12 then
      lines[#lines + 1] = table.concat(line, " ")
      line = {}
    end
  end
  lines[#lines + 1] = table.concat(line, " ")
  return table.concat(lines, "\n")
end

local n = tonumber((arg[1] or ""):match("(%d+)$") or "300000")
local text = make_text(n)
local counts, distinct = {}, 0
for line in text:gmatch("[^\n]+") do
  for word in line:gmatch("%S+") do
    local w = word:gsub("^[,.!;]+", ""):gsub("[,.!;]+$", ""):lower()
    if w ~= "" then
      local c = counts[w]
      if c == nil then distinct = distinct + 1; c = 0 end
      counts[w] = c + 1
    end
  end
end
local items = {}
for w, c in pairs(counts) do items[#items + 1] = {w, c} end
table.sort(items, function(x, y)
  if x[2] ~= y[2] then return x[2] > y[2] end
  return x[1] < y[1]
end)
local parts = {}
for i = 1, math.min(10, #items) do parts[#parts + 1] = items[i][1] .. "=" .. items[i][2] end
print(string.format("wordfreq %d %d ", n, distinct) .. table.concat(parts, " "))

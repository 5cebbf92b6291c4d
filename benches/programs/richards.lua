-- richards: the Richards operating-system scheduler simulation, with linked packet and task
-- tables. Default n=20 iterations.
local I_IDLE, I_WORK, I_HANDLERA, I_HANDLERB, I_DEVA, I_DEVB = 1, 2, 3, 4, 5, 6
local K_DEV, K_WORK = 1000, 1001
local BUFSIZE = 4

local area = {tasks = {}, task_list = nil, hold_count = 0, qpkt_count = 0}

local function packet(link, ident, kind)
  return {link = link, ident = ident, kind = kind, datum = 0, data = {0, 0, 0, 0}}
end

local function append_to(p, lst)
  p.link = nil
  if lst == nil then return p end
  local q = lst
  local nxt = q.link
  while nxt ~= nil do
    q = nxt
    nxt = q.link
  end
  q.link = p
  return lst
end

local function new_task(ident, priority, input, pending, waiting, kind)
  local t = {link = area.task_list, ident = ident, priority = priority, input = input,
             packet_pending = pending, task_waiting = waiting, task_holding = false,
             kind = kind, pending = nil, work_in = nil, device_in = nil, control = 1,
             count = 0, destination = 0}
  area.task_list = t
  area.tasks[ident] = t
  return t
end

local function holding_or_waiting(t)
  return t.task_holding or (not t.packet_pending and t.task_waiting)
end

local function waiting_with_packet(t)
  return t.packet_pending and t.task_waiting and not t.task_holding
end

local function wait_task(t)
  t.task_waiting = true
  return t
end

local function hold(t)
  area.hold_count = area.hold_count + 1
  t.task_holding = true
  return t.link
end

local function release(t, ident)
  local other = area.tasks[ident]
  other.task_holding = false
  if other.priority > t.priority then return other end
  return t
end

local function add_packet(t, p, old)
  if t.input == nil then
    t.input = p
    t.packet_pending = true
    if t.priority > old.priority then return t end
  else
    append_to(p, t.input)
  end
  return old
end

local function qpkt(t, p)
  local target = area.tasks[p.ident]
  area.qpkt_count = area.qpkt_count + 1
  p.link = nil
  p.ident = t.ident
  return add_packet(target, p, t)
end

local function run_device(t, p)
  if p == nil then
    p = t.pending
    if p == nil then return wait_task(t) end
    t.pending = nil
    return qpkt(t, p)
  end
  t.pending = p
  return hold(t)
end

local function run_handler(t, p)
  if p ~= nil then
    if p.kind == K_WORK then
      t.work_in = append_to(p, t.work_in)
    else
      t.device_in = append_to(p, t.device_in)
    end
  end
  local work = t.work_in
  if work == nil then return wait_task(t) end
  local count = work.datum
  if count >= BUFSIZE then
    t.work_in = work.link
    return qpkt(t, work)
  end
  local dev = t.device_in
  if dev == nil then return wait_task(t) end
  t.device_in = dev.link
  dev.datum = work.data[count + 1]
  work.datum = count + 1
  return qpkt(t, dev)
end

local function run_idle(t, p)
  t.count = t.count - 1
  if t.count == 0 then return hold(t) end
  if t.control & 1 == 0 then
    t.control = t.control // 2
    return release(t, I_DEVA)
  end
  t.control = (t.control // 2) ~ 0xD008
  return release(t, I_DEVB)
end

local function run_work(t, p)
  if p == nil then return wait_task(t) end
  local dest = (t.destination == I_HANDLERA) and I_HANDLERB or I_HANDLERA
  t.destination = dest
  p.ident = dest
  p.datum = 0
  for i = 1, BUFSIZE do
    t.count = t.count + 1
    if t.count > 26 then t.count = 1 end
    p.data[i] = 64 + t.count
  end
  return qpkt(t, p)
end

local function run(t)
  local p = nil
  if waiting_with_packet(t) then
    p = t.input
    t.input = p.link
    if t.input == nil then
      t.packet_pending = false
      t.task_waiting = false
    else
      t.packet_pending = true
    end
  end
  if t.kind == I_DEVA then return run_device(t, p) end
  if t.kind == I_HANDLERA then return run_handler(t, p) end
  if t.kind == I_IDLE then return run_idle(t, p) end
  return run_work(t, p)
end

local function schedule()
  local t = area.task_list
  while t ~= nil do
    if holding_or_waiting(t) then
      t = t.link
    else
      t = run(t)
    end
  end
end

local function setup()
  area.task_list = nil
  area.hold_count = 0
  area.qpkt_count = 0
  local idle = new_task(I_IDLE, 1, nil, false, false, I_IDLE)
  idle.count = 10000
  local wkq = packet(nil, 0, K_WORK)
  wkq = packet(wkq, 0, K_WORK)
  new_task(I_WORK, 1000, wkq, true, true, I_WORK)
  wkq = packet(nil, I_DEVA, K_DEV)
  wkq = packet(wkq, I_DEVA, K_DEV)
  wkq = packet(wkq, I_DEVA, K_DEV)
  new_task(I_HANDLERA, 2000, wkq, true, true, I_HANDLERA)
  wkq = packet(nil, I_DEVB, K_DEV)
  wkq = packet(wkq, I_DEVB, K_DEV)
  wkq = packet(wkq, I_DEVB, K_DEV)
  new_task(I_HANDLERB, 3000, wkq, true, true, I_HANDLERA)
  new_task(I_DEVA, 4000, nil, false, true, I_DEVA)
  new_task(I_DEVB, 5000, nil, false, true, I_DEVA)
end

local n = tonumber((arg[1] or ""):match("(%d+)$") or "20")
local holds, qpkts = 0, 0
for _ = 1, n do
  setup()
  schedule()
  holds = holds + area.hold_count
  qpkts = qpkts + area.qpkt_count
end
print(string.format("richards %d %d %d", n, holds, qpkts))
